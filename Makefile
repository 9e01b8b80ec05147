# The project's front door: `make run` and `make test` work on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
# The local server listens on this machine only; HOST=0.0.0.0 opens it to the network.
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

# manage.py defaults to config.settings; the tests use config.test_settings (pyproject.toml).
.PHONY: install run test lint format migrate clean bench schema samples fuzz deploy-check

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): $(PY) requirements.txt requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

migrate: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py migrate --noinput

# A running app with demo data on the embedded default database (SQLite), migrated first.
# The server is started by bin/start-web (gunicorn with gunicorn.conf.py), the Docker image's command too.
# Its secrets (Django key, webhook secret, demo passwords) are generated on the first run into
# .local/secrets (gitignored) and kept: nothing secret is written in the repository.
LOCAL_SECRETS := SECRETS_DIR=.local/secrets \
	SECRET_NAMES="DJANGO_SECRET_KEY PAYOUT_WEBHOOK_SECRETS DEMO_FINANCE_PASSWORD DEMO_WORKER_PASSWORD" bin/with-secrets
run: migrate
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(LOCAL_SECRETS) $(PY) manage.py seed_demo
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py collectstatic --noinput -v0
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} HOST=$(HOST) PORT=$(PORT) PATH="$(abspath $(VENV))/bin:$$PATH" \
		$(LOCAL_SECRETS) bin/start-web

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

# Django's deployment check as production runs it: debug off and only the three required variables
# (a generated key, a host, a PostgreSQL URL; no connection is made). Any warning fails.
deploy-check: install
	env -i PATH="$$PATH" HOME="$$HOME" \
		DJANGO_SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
		DJANGO_ALLOWED_HOSTS=payroll.example.com DATABASE_URL=postgres://worklog@db.example:5432/worklog \
		$(PY) manage.py check --deploy --fail-level WARNING

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
	DATABASE_URL=$(BENCH_PG)/$(BENCH_DB) DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost,testserver \
		SECRETS_DIR=.local/secrets bin/with-secrets $(PY) manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_PG)/$(BENCH_DB) DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost,testserver \
		SECRETS_DIR=.local/secrets bin/with-secrets $(PY) manage.py bench --json bench-results.json $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
