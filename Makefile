# Yulu: the only things a fresh machine needs are python3 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Paths from the environment (see .env.example) are made absolute here, so that they mean the
# same in every process, whatever its working directory.
export YULU_DATA_DIR := $(abspath $(or $(YULU_DATA_DIR),data))
ifneq ($(strip $(YULU_REFERENCE_DIR)),)
export YULU_REFERENCE_DIR := $(abspath $(YULU_REFERENCE_DIR))
endif
ifneq ($(strip $(DAGSTER_HOME)),)
export DAGSTER_HOME := $(abspath $(DAGSTER_HOME))
endif
# The sample's delivery days (yulu sample's defaults: 3 days from 2026-11-30).
SAMPLE_FROM := 2026-11-30
SAMPLE_TO := 2026-12-02
DAGSTER_PORT ?= 3000

.PHONY: setup demo test check lint dev clean bench bench-read

$(BIN)/yulu: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==0.13.9
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

setup: $(BIN)/yulu

# The shared warehouse needs YULU_PSEUDONYM_KEY; unless it is set, demo and dev use a local demo
# key, made once in $(YULU_DATA_DIR)/.demo_pseudonym_key (owner-only), and say so. The key goes
# to the command's environment only, never onto the screen.
WITH_KEY = if [ -z "$$YULU_PSEUDONYM_KEY" ]; then \
	  key_file=$$($(CURDIR)/$(BIN)/yulu demo-key) && \
	  YULU_PSEUDONYM_KEY=$$(cat "$$key_file") && export YULU_PSEUDONYM_KEY; fi

demo: setup
	$(BIN)/yulu sample
	@$(WITH_KEY) && $(BIN)/yulu run --from $(SAMPLE_FROM) --to $(SAMPLE_TO)

test: setup
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

check: lint test

# The Dagster UI and daemon on 127.0.0.1; run history lives in $(YULU_DATA_DIR)/dagster.
# Started from inside $DAGSTER_HOME, so Dagster does not warn about the template dagster.yaml here;
# with umask 077, so that the webserver's and daemon's run storage is owner-only too.
dev: setup
	$(BIN)/python -c "from pipelines.instance import prepare_dagster_home; \
	from pipelines.settings import load_settings; prepare_dagster_home(load_settings())"
	@$(WITH_KEY) && umask 077 && home=$${DAGSTER_HOME:-$(YULU_DATA_DIR)/dagster} && \
	  cd "$$home" && DAGSTER_HOME="$$home" \
	  $(CURDIR)/$(BIN)/dagster dev -h 127.0.0.1 -p $(DAGSTER_PORT) -m pipelines.definitions

# Staging one large CSV extract (issue 3): prints time per phase, rows/s, peak memory and the
# ledger. The synthetic file and its DuckDB go outside the tree.
BENCH_ROWS ?= 1000000
BENCH_DIR ?= $(or $(TMPDIR),/tmp)/yulu-bench
bench-read: setup
	$(BIN)/python -m tests.benchmarks.read_large_csv --rows $(BENCH_ROWS) --workdir $(BENCH_DIR)/read

# A province's day (issue 7): `yulu sample --province` (kept between runs), then the full day,
# the following day, the floor, the naive pandas peer and the county through Dagster, in one
# run; prints the figures and ratios and writes them to $(YULU_DATA_DIR)/bench/.
BENCH_HOUSEHOLDS ?= 2000000
bench: setup
	$(BIN)/python -m tests.benchmarks.province --households $(BENCH_HOUSEHOLDS) \
	  --workdir $(BENCH_DIR)/province --out $(YULU_DATA_DIR)/bench

clean:
	rm -rf $(VENV)
