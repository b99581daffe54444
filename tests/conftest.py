import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from etl import settings
from etl.db import apply_schema, size_in_bytes
from tests.local_server import chromium

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Set before any fixture runs (session fixtures included) and inherited by every subprocess.
os.environ["PR_ATLAS_CONFIG"] = str(Path(__file__).resolve().parent / "pr_atlas.test.toml")
# Runs go to throwaway instances, session fixtures' included (the Makefile exports the project's DAGSTER_HOME).
os.environ.pop("DAGSTER_HOME", None)
SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"
SAMPLES = PROJECT_ROOT / "samples" / "reports"


@pytest.fixture
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.skip(f"seed reports not found at {SEEDS} (shared/ is expected beside the checkout)")
    return SEEDS


@pytest.fixture(autouse=True)
def _throwaway_dagster_instance(monkeypatch):
    """Tests never write runs into the developer's Dagster instance."""
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    for name in ("PR_ATLAS_DATABASE", "PR_ATLAS_REPORTS", "PR_ATLAS_INCLUDE_SAMPLE", "PR_ATLAS_EXTRA_GITHUB_REPOS",
                 "PR_ATLAS_EXTRA_GIT_CLONES", "PR_ATLAS_REPORT_SITE", "GITHUB_TOKEN", "PR_ATLAS_GITHUB_API"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _fresh_settings():
    """Each test builds the settings from its own environment and files (on first use), as a new process would."""
    settings.use(None)
    yield
    settings.use(None)


@pytest.fixture(autouse=True)
def _no_stale_dagster_state_storage():
    """A Dagster instance sets itself as the current definitions-state storage while entered; schedule contexts
    that are collected late can restore a closed test instance there, and the next `load_from_defs_folder`
    then opens its deleted folder. Every test starts with none."""
    yield
    from dagster._core.storage.defs_state import base

    base._current_storage.set(None)


@pytest.fixture(autouse=True)
def _keep_main_module(monkeypatch):
    """AppTest (the dashboard tests, the health-page test of test_faults) leaves the app script installed as
    __main__; a process pool spawned later in this test process (the parser's) would then start its workers
    by running the app. Put the real one back after every test."""
    monkeypatch.setitem(sys.modules, "__main__", sys.modules["__main__"])


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DAGSTER_HOME", "PR_ATLAS_DATABASE", "PR_ATLAS_REPORTS", "PR_ATLAS_INCLUDE_SAMPLE")}
    return env


def run_cli(*args: str, check: bool = True, env_extra: dict[str, str] | None = None,
            **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "etl.cli", *args], capture_output=True, text=True,
                            cwd=PROJECT_ROOT, env={**cli_env(), **(env_extra or {})}, timeout=300, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(f"pr-atlas {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def buffer_limit(con) -> float:
    """The memory limit DuckDB's buffer manager holds, in bytes: what `pragma database_size` reports, which
    `current_setting('memory_limit')` does not always match (after `reset memory_limit`, say)."""
    return size_in_bytes(con.execute("pragma database_size").fetchall()[0][-1])


@pytest.fixture
def con(tmp_path):
    """An empty warehouse with the schema applied, for tests of one loader."""
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    apply_schema(connection)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def dashboard_db(tmp_path_factory) -> Path:
    """The dashboards' fixture warehouse (tests/dashboard_warehouse.py), built once per session."""
    from .dashboard_warehouse import build

    return build(tmp_path_factory.mktemp("dashboard"))


@pytest.fixture(scope="session")
def risk_dashboard_db(tmp_path_factory) -> Path:
    """The risk dashboards' fixture warehouse (tests/risk_warehouse.py), built once per session."""
    from .risk_warehouse import build

    return build(tmp_path_factory.mktemp("risk_dashboard"))


# The browser tests' Chromium (one per test module) and a fresh page for each test, which keeps the messages of
# the dialogs it dismissed (`page.dialogs`: a page's script must never open one).
@pytest.fixture(scope="module")
def browser():
    try:
        with chromium() as launched:
            yield launched
    except FileNotFoundError as exc:
        pytest.fail(str(exc))


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.dialogs = []
    tab.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
    yield tab
    context.close()
