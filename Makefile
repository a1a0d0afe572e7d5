# One documented command per common task. `make dev` runs the whole system,
# `make test` runs everything CI runs. Both create the virtualenv when needed.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: venv node-peers schema dev test bench-quick lint typecheck pytest format bench bench-micro clean compiled clean-compiled

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

NODE_STAMP := tests/node/node_modules/.installed-stamp

$(NODE_STAMP): tests/node/package.json tests/node/package-lock.json
	npm ci --prefix tests/node --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

venv: $(STAMP)

# Peer implementations (Apollo Gateway, The Guild's composition) the tests compare against.
node-peers: $(NODE_STAMP)

# make runs this command directly (no shell in between) and waits for it. It passes
# SIGTERM on to it but not SIGINT or SIGHUP (it expects the terminal to signal the whole
# process group, as Ctrl-C does), and a make killed outright would leave it running:
# --stop-with-parent makes `supergraph dev` stop, with every subgraph, when make is gone.
# `make dev CONFIG=router.yaml` passes a router configuration; ARGS="..." any other flags.
dev: $(STAMP)
	$(BIN)/supergraph dev --stop-with-parent $(if $(CONFIG),--config $(CONFIG)) $(ARGS)

# Recompose schema.graphql from the bundled subgraphs (a test fails when it is stale).
schema: $(STAMP)
	$(BIN)/supergraph compose --config supergraph.yaml --output schema.graphql

# ruff (style, bugs, complexity ceiling C901) and the import-linter contracts in
# pyproject.toml (the DESIGN's import arrow; tests/architecture shows they can break);
# the schema design rules of lint.yaml on the bundled subgraphs and supergraph (docs/lint.md).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/supergraph lint --config lint.yaml --subgraphs supergraph.yaml schema.graphql

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) $(NODE_STAMP)
	sh scripts/ensure-debian-packages.sh chromium wrk prometheus
	$(BIN)/pytest

test: lint typecheck pytest

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Side-by-side benchmark against Apollo Gateway and Hive Gateway (bench/README.md).
bench: $(STAMP)
	bench/ensure-tools.sh
	$(BIN)/python -m bench

bench-quick: $(STAMP)
	bench/ensure-tools.sh
	$(BIN)/python -m bench --quick

bench-micro: $(STAMP)
	$(BIN)/pytest -m benchmark -p no:cacheprovider tests/benchmarks

# Optional: the hot executor modules compiled with mypyc into supergraph/_compiled/
# (needs gcc and the Python headers; about 30 s). Loaded only while every source it was
# built from is unchanged (a stale build is refused); SUPERGRAPH_PURE_PYTHON=1 ignores
# it; `supergraph version` says which path runs (bench/README.md, "mypyc build").
compiled: $(STAMP)
	$(BIN)/python scripts/build_compiled.py --out supergraph/_compiled

clean-compiled:
	rm -rf supergraph/_compiled

clean: clean-compiled
	rm -rf $(VENV) data .mypy_cache .ruff_cache .pytest_cache
