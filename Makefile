# UMIS — two commands: `make run` and `make test`. Everything else is here for them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
# Set to a PostgreSQL URL to run the suite a second time on PostgreSQL, e.g.
#   UMIS_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres make test
UMIS_TEST_POSTGRES_URL ?=
PYTEST_ARGS ?=

.PHONY: run test install lint typecheck unit bench lock clean

$(VENV)/.installed: requirements.lock pyproject.toml package.json package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/umis migrate --noinput
	$(BIN)/umis setup_demo --port $(PORT)
	PORT=$(PORT) $(BIN)/umis serve --port $(PORT)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy

unit: install
	bash scripts/ensure-chromium.sh
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck unit
	@if [ -n "$(UMIS_TEST_POSTGRES_URL)" ]; then \
		echo "== the suite again on PostgreSQL =="; \
		DATABASE_URL="$(UMIS_TEST_POSTGRES_URL)" $(BIN)/pytest $(PYTEST_ARGS); \
	fi

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

# Re-pin dependencies after editing pyproject.toml.
lock: install
	$(BIN)/pip-compile --quiet --extra dev --strip-extras --allow-unsafe --generate-hashes --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) node_modules var
