# InfraZen: the README's two commands are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export DJANGO_SETTINGS_MODULE ?= infrazen.settings.local

.PHONY: demo superuser test install browser pdf-libs pgbouncer lint messages migrate run worker clean

$(VENV)/.installed: requirements/base.txt requirements/dev.txt native/setup.py native/infrazen_native/_rows.c
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements/dev.txt
	# The compiled row assembler of the billing import (a C compiler and Python's headers; see native/setup.py).
	$(PIP) install --quiet ./native
	touch $@

install: $(VENV)/.installed

# Headless Chromium for the browser tests (Debian package; Playwright never downloads browsers here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Chromium (apt)…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

# HarfBuzz's subsetter: WeasyPrint embeds font subsets with it in milliseconds instead of seconds (Debian package).
pdf-libs:
	@ldconfig -p | grep -q libharfbuzz-subset || { \
		echo "Installing libharfbuzz-subset0 (apt)…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			libharfbuzz-subset0 >/dev/null || echo "libharfbuzz-subset0 not installed: PDFs render, slower"; }

# PgBouncer for tests/deploy/test_pgbouncer.py, which runs its own instance in front of the test database (Debian
# package; the test starts and stops it, nothing runs as a service for it).
pgbouncer:
	@{ command -v pgbouncer || test -x /usr/sbin/pgbouncer; } >/dev/null 2>&1 || { \
		echo "Installing pgbouncer (apt)…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			pgbouncer >/dev/null || echo "pgbouncer not installed: its tests are skipped"; }

## Install, database (embedded when DATABASE_URL is unset), migrate, seed, run web + worker.
demo: install
	$(PY) scripts/demo.py

## A superuser for /admin/, in the same database `make demo` uses (embedded when DATABASE_URL is unset).
superuser: install
	$(PY) scripts/demo.py manage createsuperuser

## The whole test suite against real PostgreSQL (DATABASE_URL or postgres@127.0.0.1:5432), one pytest-xdist worker
## per CPU plus one (at most 4: many tests wait on a browser, a server or the database), each with its own test
## database (test_<name>_gw<N>). On 2 CPUs, 3 workers took 13.7 min where 2 took 16.1. PYTEST_WORKERS=0: one process.
PYTEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); echo $$(( n < 4 ? n + 1 : 4 )))
test: install browser pdf-libs pgbouncer
	$(VENV)/bin/lint-imports --no-cache
	$(PY) manage.py compile_translations --verbosity 0
	DJANGO_SETTINGS_MODULE=infrazen.settings.test $(PY) -m pytest -n $(PYTEST_WORKERS) --maxprocesses=4

lint: install
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

messages: install
	$(PY) manage.py makemessages -l ru -l en --ignore=.venv --ignore=tests --ignore=benchmarks --ignore=instance --ignore=staticfiles
	$(PY) manage.py compile_translations

migrate: install
	$(PY) manage.py migrate_platform

run: install
	$(PY) manage.py runserver 0.0.0.0:8000

worker: install
	$(PY) manage.py qcluster

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
