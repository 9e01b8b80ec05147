# The project's front door: `make run` and `make test` work on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
HOST ?= 0.0.0.0
PORT ?= 8000
PYTEST_ARGS ?=

export DJANGO_SETTINGS_MODULE ?= config.settings

.PHONY: install run serve demo test lint format migrate clean schema samples

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
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The customer's deliverables, generated from the real system (tests/test_deliverables.py fails when stale).
schema: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py export_dbml --output schema.dbml

samples: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py export_samples --output sample-responses.json

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/hadolint Dockerfile
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
