# Everything a fresh machine needs: a pinned toolchain (uv), the locked environment, then the job.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
export DAGSTER_HOME := $(CURDIR)
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/.venv
RUN := $(UV) run --frozen --no-sync
# The browser tests drive Debian's Chromium through Playwright (never a downloaded browser); the CJK
# fonts make the screenshots of Chinese reports readable.
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo dashboard serve status test bench bench-git bench-github bench-dashboards bench-szz eval-links train-links eval-risk lint dagster setup clean

demo: .venv/.synced ## build the sample warehouse, then serve the dashboards on http://localhost:8501
	$(RUN) pr-atlas demo

dashboard: .venv/.synced ## serve the dashboards on the existing warehouse (http://localhost:8501)
	$(RUN) pr-atlas dashboard

test: .venv/.synced $(CHROMIUM) ## run the test suite
	PR_ATLAS_CHROMIUM=$(CHROMIUM) $(RUN) pytest -q

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk

bench: .venv/.synced ## time a full build and an incremental rerun on synthetic reports
	$(RUN) python bench/bench_ingest.py

bench-git: .venv/.synced ## time a full and an incremental load of a 20,000-commit synthetic repository
	$(RUN) python bench/bench_git.py

bench-dashboards: .venv/.synced ## page query p95 and render time on 100,000 PRs and 1,000,000 file rows
	$(RUN) python bench/bench_dashboards.py

bench-github: .venv/.synced ## both GitHub collectors (REST, GraphQL) side by side on 2,000 PRs: requests, points, time
	$(RUN) python bench/bench_github.py

bench-szz: .venv/.synced ## line history (SZZ) on a 20,000-commit synthetic repository with known introducers
	$(RUN) python bench/bench_szz.py

eval-links: .venv/.synced ## the link reader's precision and recall, each real history held out in turn
	$(RUN) python bench/eval_links.py

train-links: .venv/.synced ## train the link reader on the labelled examples: writes etl/parsing/link_model.json
	$(RUN) python bench/train_links.py

eval-risk: .venv/.synced ## the regression-risk model, time-split, on the five real histories of ../shared/real_git
	$(RUN) python bench/eval_risk.py

lint: .venv/.synced
	$(RUN) ruff check .
	$(RUN) dg check defs

serve: .venv/.synced ## the service: Dagster daemon (schedule, sensors, run queue), Dagster UI :3000, dashboards :8501
	$(RUN) pr-atlas serve

status: .venv/.synced ## last run per source and repo, its outcome, rows added, freshness
	$(RUN) pr-atlas status

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
	rm -rf .venv .tools .dagster warehouse/*.duckdb warehouse/*.duckdb.wal warehouse/*.snapshots warehouse/sample_clone tests/screenshots
