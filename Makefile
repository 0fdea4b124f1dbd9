# DynaLab's commands. From a fresh clone, `make run` serves the site and `make test` runs the
# tests; both create the virtual environment first. See README.md.

# Python 3.11 where there is one, any python3 otherwise (the project needs 3.11 or newer).
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
VENV_PYTHON := $(VENV)/bin/python
# Rewritten after each successful install: the environment is rebuilt only when
# pyproject.toml is newer than it, so repeated `make test` starts at once.
VENV_STAMP := $(VENV)/.dynalab-installed
THEME_SRC := dynalab/theme/static_src
HOST_PORT ?= 127.0.0.1:8000
# pytest arguments: the suite runs on every CPU by default (-n auto); for example
# make test PYTEST_ARGS="-k home" runs a few tests in one process.
PYTEST_ARGS ?= -n auto

.DEFAULT_GOAL := help
.PHONY: help venv run serve migrate load-demo test lint format css clean

help:
	@echo "make run        create .venv if needed, migrate, load the demo, serve http://$(HOST_PORT)/"
	@echo "make serve      serve a class: debug off, static files, gunicorn + uvicorn on HOST_PORT"
	@echo "make test       create .venv if needed, run the test suite"
	@echo "make lint       ruff check, ruff format --check and the layers' import contracts"
	@echo "make format     apply ruff's fixes and formatting"
	@echo "make css        rebuild the committed Tailwind CSS (needs Node and npm)"
	@echo "make clean      remove .venv, caches and build output (keeps db.sqlite3)"

venv: $(VENV_STAMP)

$(VENV_STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "No python3 found: install Python 3.11 or newer." >&2; exit 1; }
	@test -x $(VENV_PYTHON) || $(PYTHON) -m venv $(VENV)
	$(VENV_PYTHON) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

migrate: $(VENV_STAMP)
	$(VENV_PYTHON) manage.py migrate --no-input

# Loads the demo classroom: checks the project's configuration, then loads the course from
# its lesson folders (DYNALAB_LESSON_DIRS) exactly as the site will, checking every lesson and
# rehearsing every lab in a fresh engine, so a broken lesson stops `make run` before a learner
# sees it. Lessons are read from their files: nothing needs importing into the database.
load-demo: migrate
	$(VENV_PYTHON) manage.py check
	$(VENV_PYTHON) manage.py check_lessons

# Single-user: the DynamoDB endpoint accepts any access key (DYNALAB_API_ACCEPT_ANY_KEY=0 to check).
# Debug is on, so runserver refuses any address but loopback (its error pages show the
# environment): to serve other people, use `make serve`.
run: load-demo
	DJANGO_DEBUG=1 DYNALAB_API_ACCEPT_ANY_KEY=$${DYNALAB_API_ACCEPT_ANY_KEY:-1} $(VENV_PYTHON) manage.py runserver $(HOST_PORT)

# A class's server (README, "Serve a class"): debug off, the static files collected and served
# by WhiteNoise, gunicorn running uvicorn's workers (dynalab/gunicorn_conf.py), which read slow
# clients' bodies without holding a thread. Needs DJANGO_SECRET_KEY (it refuses to start
# without), DJANGO_ALLOWED_HOSTS, and for PostgreSQL DATABASE_URL.
serve: load-demo
	$(VENV_PYTHON) manage.py collectstatic --no-input -v 0
	HOST_PORT=$(HOST_PORT) $(VENV)/bin/gunicorn -c dynalab/gunicorn_conf.py dynalab.asgi:application

test: $(VENV_STAMP)
	$(VENV_PYTHON) -m pytest $(PYTEST_ARGS)

lint: $(VENV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(VENV_STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The built CSS is committed, so only someone changing templates' classes needs Node.
css:
	cd $(THEME_SRC) && npm ci --no-audit --no-fund && npm run build

clean:
	rm -rf $(VENV) $(THEME_SRC)/node_modules staticfiles .pytest_cache .ruff_cache .import_linter_cache .hypothesis *.egg-info
	find . -path ./.git -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
