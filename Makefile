# Set-up, running and testing. Every target is idempotent: run it again and it reuses what exists.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=

.PHONY: setup run test bench migrate demo clean screenshots assets

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.runtime-installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: HTML and accessibility checks will be skipped (and fail in CI)"; fi

## setup: the virtual environment with the runtime requirements (shared by run and test)
setup: $(VENV)/.runtime-installed

## migrate: bring the database (SQLite under instance/ unless DATABASE_URL says otherwise) up to date,
## and fill the search index if it is empty (a site upgraded to the search migration)
migrate: setup
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi search reindex --if-empty

## demo: create the demo content and admin account on a new site (idempotent; not after `flask init` or `flask demo --remove`)
demo: migrate
	$(BIN)/flask --app wsgi demo --only-new-site

## run: everything above, then serve on http://$(HOST):$(PORT) with the newsletter worker beside the server
## (queued mail is delivered: to instance/mail/ as .eml files without MAIL_URL). Ctrl+C stops both.
run: demo
	@HOST=$(HOST) PORT=$(PORT) $(BIN)/flask --app wsgi newsletter worker --quiet & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	HOST=$(HOST) PORT=$(PORT) $(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT)

## test: the whole suite (set TEST_DATABASE_URL=postgresql://... to run it on PostgreSQL)
test: $(VENV)/.dev-installed node_modules/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## screenshots: PNGs of the demo write-up, home, events and editor at 1280 and 390 px, light and dark, in screenshots/
screenshots: $(VENV)/.dev-installed node_modules/.installed
	$(BIN)/python -m pytest -q -k screenshots tests/posts/test_reading_page.py

## assets: rebuild the rich-text editor's bundle (static/js/rich-editor.js, committed) from assets/editor/
assets: node_modules/.installed
	npm run --silent build

## bench: the measurement scripts in bench/ (never part of test)
bench: $(VENV)/.dev-installed
	status=0; for script in pages photos embeds feeds delivery ratelimit search; do \
	  echo "== bench/$$script.py"; $(BIN)/python bench/$$script.py || status=1; done; exit $$status

clean:
	rm -rf $(VENV) node_modules .pytest_cache
