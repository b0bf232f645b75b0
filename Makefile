# Two commands do all the set-up: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
TRANSLATIONS := exhibition/translations

.PHONY: run test bench install install-test translations messages lint format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

## Browser libraries from npm (pinned in package-lock.json), copied into static/vendor/.
VENDOR := static/vendor
$(VENDOR)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)/qr-scanner
	cp node_modules/qr-scanner/qr-scanner.umd.min.js node_modules/qr-scanner/qr-scanner-worker.min.js node_modules/qr-scanner/LICENSE $(VENDOR)/qr-scanner/
	mkdir -p $(VENDOR)/svg-pan-zoom
	cp node_modules/svg-pan-zoom/dist/svg-pan-zoom.min.js node_modules/svg-pan-zoom/LICENSE $(VENDOR)/svg-pan-zoom/
	touch $@

install: $(VENV)/.installed translations $(VENDOR)/.installed

install-test: $(VENV)/.installed-test translations $(VENDOR)/.installed

## Compile the committed Vietnamese and English catalogs (.po -> .mo), printing nothing unless
## something is wrong: an untranslated, fuzzy or mistyped Vietnamese message fails the build.
translations: $(VENV)/.installed
	@$(BIN)/python -m exhibition.catalogs $(TRANSLATIONS)

## Re-extract strings from code and templates and update both catalogs.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k pgettext:1c,2 -k lazy_pgettext:1c,2 -k npgettext:1c,2,3 -o $(TRANSLATIONS)/messages.pot --no-location --sort-output --project exhibition .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -D messages --ignore-obsolete --no-fuzzy-matching --no-wrap

## Migrate, load the demo exhibition (idempotent; it opens three weeks after the day it is
## loaded), print the organiser's login and a fresh one-time set-up link for a check-in station,
## serve with an in-process mail worker. `make run TODAY=1`: the exhibition opens today, for
## trying the stations (`flask seed-demo --today`; a demo loaded before is moved to today).
run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo $(if $(TODAY),--today)
	$(FLASK) show-login
	$(FLASK) serve

## Install test dependencies and run the whole suite.
test: install-test
	$(BIN)/ruff check exhibition tests bench
	$(BIN)/pytest -n auto

## The long benchmarks, each in turn, then one summary table (bench/README.md). Not part of
## `make test` or CI. Needs PostgreSQL at 127.0.0.1:5432 and wrk (apt-get install wrk);
## BENCH_ARGS=--quick for short smoke runs, BENCH_ARGS="--only registration_load" for one.
bench: install-test
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check exhibition tests bench

format: $(VENV)/.installed-test
	$(BIN)/ruff format exhibition tests

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache node_modules $(VENDOR)
