# The two commands a newcomer needs:
#   make up     install into .venv and run every role on this machine (SQLite)
#   make test   install into .venv and run the checks and the test suite
# PostgreSQL too:  UKM_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test make test

PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
DATA   ?= data
PYTEST_ARGS ?=

.PHONY: up test install lint unit bench clean messages compile-messages screenshots

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

up: install
	$(VENV)/bin/ukm up --data $(DATA)

lint: install
	$(VENV)/bin/ruff check ukm_actors tests bench
	$(VENV)/bin/mypy

unit: install
	$(PY) -m pytest $(PYTEST_ARGS)

test: lint unit

bench: install
	$(PY) bench/actors.py
	$(PY) bench/bridge.py
	$(PY) bench/catalog.py --items 200000

# The pictures in docs/screens, made by the browser tests: the cashier screen
# (docs/cashier-screen.md) and every page of the consoles (docs/consoles.md).
screenshots: install
	UKM_SCREENSHOTS=docs/screens $(PY) -m pytest -q tests/browser/test_screen.py \
	  tests/browser/test_fiscal.py tests/browser/test_marketing.py \
	  tests/browser/test_server_console.py tests/browser/test_marketing_console.py \
	  tests/browser/test_console_*.py tests/browser/test_marketing_editor.py

# Translations (docs/i18n.md): extract the texts marked with _() into the template,
# merge them into every language's .po, then compile the .mo files that ship with the package.
LOCALES = ukm_actors/i18n/locale
messages: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _ -k N_ -k t --no-location --sort-output \
	  --project ukm_actors --omit-header -o $(LOCALES)/ukm.pot .
	$(VENV)/bin/pybabel update -D ukm -i $(LOCALES)/ukm.pot -d $(LOCALES) --no-wrap \
	  --ignore-obsolete
	$(MAKE) compile-messages

compile-messages: install
	$(VENV)/bin/pybabel compile -D ukm -d $(LOCALES) --statistics

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
