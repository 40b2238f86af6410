# EverReach developer commands. `make run` and `make test` are the README's Quick start.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint bench mutation clean chromium supabase-sql

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

## The main job on the embedded SQLite default: ends with the dashboard on imported sample data.
SAMPLE_EXPORT ?= bench/data/sample-export
run: setup
	$(BIN)/everreach db upgrade
	$(BIN)/everreach seed
	$(BIN)/everreach dev synth-export $(SAMPLE_EXPORT) --threads 60 --messages 3000 --seed 7
	$(BIN)/everreach import $(SAMPLE_EXPORT)
	$(BIN)/everreach score
	$(BIN)/everreach status
	$(BIN)/everreach serve

## The whole test suite, on SQLite and PostgreSQL, plus ruff and mypy. Test files are spread over one worker per
## core (a file stays on one worker, so its module fixtures are built once); TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto
test: setup lint chromium
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

## Headless Chromium for the browser tests (tests/browser), from Debian.
chromium:
	test -x /usr/bin/chromium || (apt-get update -q && apt-get install -y -q chromium)

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

## Rewrite supabase/migrations/ from the Alembic revisions (a test fails when the committed files differ).
supabase-sql: setup
	$(BIN)/python -m everreach.db.supabase_sql

bench: setup
	$(BIN)/python -m bench

## Mutation testing (slow, not part of CI or `make test`): mutmut on the modules in pyproject.toml
## [tool.mutmut] only_mutate, against its test selection, one mutant at a time, on both engines (PostgreSQL-only
## code such as advisory locks needs the server; MUTATION_ENGINES=sqlite is quicker and kills less).
## One module: make mutation MUTANTS='everreach.ingest.text.*'. Survivors: $(BIN)/mutmut results; tests/MUTATION.md.
MUTATION_CHILDREN ?= 1
MUTATION_ENGINES ?= sqlite,postgresql
MUTANTS ?=
mutation: setup
	EVERREACH_TEST_ENGINES=$(MUTATION_ENGINES) $(BIN)/mutmut run --max-children $(MUTATION_CHILDREN) $(MUTANTS)
	@$(BIN)/mutmut results --all true | awk -F': ' '$$2 != "not checked" { n = $$1; sub(/^ +/, "", n); sub(/\.x[^.]*$$/, "", n); \
	  t[n]++; if ($$2 ~ /^(killed|timeout)/) k[n]++ } \
	  END { for (m in t) printf "%-28s %4d of %4d mutants killed (%.0f%%)\n", m, k[m], t[m], 100 * k[m] / t[m] }'

clean:
	rm -rf $(VENV) mutants .pytest_cache .mypy_cache .ruff_cache
