# The project's front door: `make run` and `make test` work on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
HOST ?= 0.0.0.0
PORT ?= 8000
PYTEST_ARGS ?=

# manage.py defaults to config.settings; the tests use config.test_settings (pyproject.toml).
.PHONY: install run test lint format migrate clean bench schema samples fuzz

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): $(PY) requirements.txt requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py migrate --noinput

# A running app with demo data on the embedded default database (SQLite).
# The server is started by bin/start-web, the Docker image's command too (migrate, then gunicorn).
run: migrate
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py seed_demo
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py collectstatic --noinput -v0
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} HOST=$(HOST) PORT=$(PORT) PATH="$(abspath $(VENV))/bin:$$PATH" bin/start-web

# Every test, on SQLite by default or on the database DATABASE_URL names.
test: install
	DJANGO_SETTINGS_MODULE=config.test_settings $(VENV)/bin/pytest $(PYTEST_ARGS)

# Schemathesis against the live schema on a fresh PostgreSQL database (.ci/fuzz; FUZZ_MAX_EXAMPLES, FUZZ_SEED).
fuzz: install
	bash .ci/fuzz

# The customer's deliverables, generated from the real system (tests/devtools/test_deliverables.py fails when stale).
schema: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py export_dbml --output schema.dbml

samples: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py export_samples --output sample-responses.json

# Lint: ruff, the layering contracts (pyproject.toml [tool.importlinter]), the type checker, no model
# change without its migration, the Dockerfile and the Compose file. Needs no environment variable.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy
	DJANGO_DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/hadolint Dockerfile
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The performance benchmark (docs/PERFORMANCE.md) on a fresh local PostgreSQL database, dropped and
# recreated each time. BENCH_ARGS="--scale 0.1" for a quick run. Debian's wrk (installed when missing)
# sends the HTTP load; without it the bench falls back to Python threads.
BENCH_DB ?= wls_bench
BENCH_PG ?= postgres://postgres@127.0.0.1:5432
BENCH_ARGS ?=
bench: install
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null) \
		|| echo "wrk could not be installed: the HTTP figures will use Python threads as the load generator"
	psql -q "$(BENCH_PG)/postgres" -c "DROP DATABASE IF EXISTS $(BENCH_DB)" -c "CREATE DATABASE $(BENCH_DB)"
	DATABASE_URL=$(BENCH_PG)/$(BENCH_DB) DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-bench-only} \
		$(PY) manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_PG)/$(BENCH_DB) DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-bench-only} \
		$(PY) manage.py bench --json bench-results.json $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
