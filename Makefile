# One-word targets. `make run` for the demo, `make test` for the whole suite (README).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Tests always use PostgreSQL and Redis; the demo uses SQLite unless DATABASE_URL is set.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/pep_portal
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
PYTEST_ARGS ?= -n 2 --dist loadfile

AXE := pep_portal/frontend/node_modules/axe-core/axe.min.js

.PHONY: install run serve-prod bench bench-jobs bench-import backup restore test lint format services browser migrations frontend clean lock audit

$(INSTALLED): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $(INSTALLED)

install: $(INSTALLED)

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "PEP Portal: http://$(HOST):$(PORT)/  (demo logins in README.md)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The docker-compose services' own commands as local processes, with production settings, against
# PostgreSQL and Redis (DATABASE_URL, REDIS_URL; defaults in deploy/serve_prod.py) and S3 object
# storage (PRIVATE_STORAGE_BUCKET, else an S3 test server it starts). README, "Operations".
serve-prod: install services
	$(BIN)/python -m deploy.serve_prod --port $(PORT)

# The whole portal at a large authority's scale beside a baseline (not part of `make test`):
# its own database (dropped and made again), gunicorn under production settings, load from
# other processes, then the jobs (bench/bench_jobs.py, in test_<that database's name>); each of
# issue 20's goals printed as met or missed; bench/results.json and README "Performance".
# Sizes: BENCH_CHILDREN (pages, default 1000,10000), BENCH_JOB_CHILDREN (set-up and sweep,
# default 10000,100000), BENCH_JOBS (parts, "" for none). BENCH_ARGS, e.g.
# "--seconds 10 --clients 8 --mixed-clients 20".
BENCH_WEB_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/pep_bench
BENCH_WEB_REDIS_URL ?= redis://127.0.0.1:6379/12
bench: install services
	BENCH_DATABASE_URL=$(BENCH_WEB_DATABASE_URL) BENCH_REDIS_URL=$(BENCH_WEB_REDIS_URL) \
		$(BIN)/python bench/bench.py $(BENCH_ARGS)

# Benchmarks (not part of `make test`; `make bench` runs them too): the termly set-up and the
# daily sweep for 10,000 and 100,000 children, a PDF per template, a 100-PEP ZIP, the SSDA903
# and MIS imports (BENCH_ARGS "--parts one_by_one,pdf_worker" for the others), into
# bench/results-jobs.json (README, "Performance"). Its own throwaway database; Redis as named.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/pep_bench_jobs
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/13
bench-jobs: install services
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) BENCH_REDIS_URL=$(BENCH_REDIS_URL) \
		$(BIN)/python bench/bench_jobs.py $(BENCH_ARGS)

# The SSDA903 import of 10,000 children and 40,000 episodes (target: under 60 s), into
# bench/results-import.json (README, "The Virtual School roll"). Its own throwaway database.
BENCH_IMPORT_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/pep_bench_import
bench-import: install services
	DATABASE_URL=$(BENCH_IMPORT_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) \
		$(BIN)/python scripts/bench_import_903.py $(BENCH_ARGS)

# The database and the files, together, with a manifest (README, "Backups"). Settings as for the
# portal itself (DATABASE_URL, PRIVATE_MEDIA_ROOT, …).
BACKUP_DIR ?= backups
backup: install
	$(BIN)/python manage.py backup --into $(BACKUP_DIR)

# Into an empty database and files folder: make restore BACKUP=backups/pep-portal-…
restore: install
	@test -n "$(BACKUP)" || { echo "Say which: make restore BACKUP=backups/pep-portal-…"; exit 2; }
	$(BIN)/python manage.py restore $(BACKUP)

services:
	@bash .ci/services

# Chromium, fonts and axe-core (for the accessibility checks) for the browser tests.
browser: $(AXE)
	@bash .ci/browser

$(AXE): pep_portal/frontend/package-lock.json
	@bash .ci/browser
	cd pep_portal/frontend && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/check_role_comparisons.py
	$(BIN)/lint-imports --no-cache --no-logo
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations: install
	$(BIN)/python manage.py makemigrations --check --dry-run

test: install services browser lint migrations
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) \
		$(BIN)/pytest $(PYTEST_ARGS)

# The locked, hashed requirements (requirements.lock) from pyproject.toml's pins; needs the index.
lock: install
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
		--no-emit-index-url --no-emit-find-links --output-file requirements.lock pyproject.toml

# Known vulnerabilities in requirements.lock (needs the network: fails loudly without it).
audit: install
	@bash .ci/audit

# Rebuild static/govuk/ from the pinned govuk-frontend (needs npm; CI does not).
frontend:
	bash pep_portal/frontend/build.sh

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache
