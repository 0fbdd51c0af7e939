# The two commands: `make run` and `make test` (README).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test bench fuzz lint format clean translations vendor

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m app.devserver

# Test files spread over TEST_WORKERS processes (pytest-xdist; a file's tests stay together, in
# collection order, so tests/fuzz runs last on its worker); TEST_WORKERS=0 runs serially in one
# process (README, "The two commands").
TEST_WORKERS ?= 3
test: $(STAMP)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m bench

# schemathesis over the live OpenAPI as every role, FUZZ_MINUTES each (README, "Fuzzing")
FUZZ_MINUTES ?= 10
fuzz: $(STAMP)
	FUZZ_MINUTES=$(FUZZ_MINUTES) $(PY) -m pytest tests/fuzz/test_openapi_fuzz.py -p no:cacheprovider $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Web catalogs (admin_portal/translations): extract, merge new strings, compile the .mo files.
translations: $(STAMP)
	$(VENV)/bin/pybabel extract -F admin_portal/babel.cfg -k _l -o admin_portal/translations/messages.pot --no-location --omit-header admin_portal
	$(VENV)/bin/pybabel update -i admin_portal/translations/messages.pot -d admin_portal/translations --width 110 --ignore-obsolete
	$(VENV)/bin/pybabel compile -d admin_portal/translations

# Vendored front-end assets, fetched again from the npm registry (admin_portal/static/vendor/MANIFEST.json).
vendor: $(STAMP)
	$(PY) -m admin_portal.vendor fetch

clean:
	rm -rf $(VENV) .pytest_cache
