# Everything a fresh machine needs: a pinned toolchain (uv), the locked environment, then the job.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
export DAGSTER_HOME := $(CURDIR)
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/.venv
RUN := $(UV) run --frozen --no-sync

.PHONY: demo test bench bench-git bench-github lint dagster setup clean

demo: .venv/.synced ## build the sample warehouse (warehouse/pr_atlas.duckdb)
	$(RUN) pr-atlas demo

test: .venv/.synced ## run the test suite
	$(RUN) pytest -q

bench: .venv/.synced ## time a full build and an incremental rerun on synthetic reports
	$(RUN) python bench/bench_ingest.py

bench-git: .venv/.synced ## time a full and an incremental load of a 20,000-commit synthetic repository
	$(RUN) python bench/bench_git.py

bench-github: .venv/.synced ## time the GitHub collector against a local API server (first run, nothing new, 1% updated)
	$(RUN) python bench/bench_github.py

lint: .venv/.synced
	$(RUN) ruff check .
	$(RUN) dg check defs

dagster: .venv/.synced ## the Dagster UI with the asset graph, on http://localhost:3000
	$(RUN) dg dev

setup: .venv/.synced

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet uv==$(UV_VERSION)

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode
	@touch $@

clean:
	rm -rf .venv .tools .dagster warehouse/*.duckdb warehouse/*.duckdb.wal warehouse/sample_clone
