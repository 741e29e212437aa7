# The two commands: `make run` (install, start the database, load the sample league, build, serve)
# and `make test`. Everything is installed from this repository's own files into .venv.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: run install test test-compat lint format bench clean

# The demo's `source: excel` runs reload the sample league's files.
SAMPLE := .benchsight/sample

run: $(STAMP)
	@$(BIN)/benchsight up
	@BENCHSIGHT_WORKBOOK_PATH=$(SAMPLE)/BLB_TABLES.xlsx BENCHSIGHT_TRACKER_DIR=$(SAMPLE)/tracker \
		$(BIN)/benchsight serve --with-worker

# Re-installs only when the dependency files change (or the venv is missing).
$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "BenchSight needs Python 3.11 or newer: '$(PYTHON)' was not found (set PYTHON=/path/to/python3.11)" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "BenchSight needs Python 3.11 or newer; $(PYTHON) is " + sys.version.split()[0] + " (set PYTHON=/path/to/python3.11)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	@$(BIN)/pytest; status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; \
	exit $$status

# The database-backed tests on Debian's PostgreSQL 15 and through PgBouncer in transaction mode
# (both installed with apt when missing): tests/run_compat.py. ARGS="..." picks other tests.
test-compat: $(STAMP)
	@$(BIN)/python tests/run_compat.py $(ARGS)

# ruff for the Python, sqlfluff (.sqlfluff: jinja templater, offline, no database) for the dbt
# project's SQL. migrations/ are in .sqlfluffignore: applied by checksum, never edited.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint models macros data-tests --processes 2 --disable-progress-bar

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	-@test -x $(BIN)/benchsight && $(BIN)/benchsight db stop
	rm -rf $(VENV) target logs
