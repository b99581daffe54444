"""The DuckLake backend: the same pipeline, SQL and dashboards on a lake catalog, and two workers collecting
two repos at once while the dashboards read. SQLite catalog always; PostgreSQL too when
PR_ATLAS_TEST_POSTGRES names a reachable server (`.ci/run` starts one)."""

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from etl.db import connect

from .conftest import PROJECT_ROOT, cli_env, run_cli

sys.path.insert(0, str(PROJECT_ROOT / "bench"))
from synthetic_git import build_repo  # noqa: E402

# A libpq string without dbname for a role that may create databases, e.g. "host=localhost user=atlas".
POSTGRES = os.environ.get("PR_ATLAS_TEST_POSTGRES")


def _lake(tmp_path: Path, kind: str) -> tuple[str, dict]:
    """A new, empty lake: its catalog target and the environment its processes need."""
    if kind == "sqlite":
        return f"ducklake:sqlite:{tmp_path / 'lake.sqlite'}", {}
    if not POSTGRES:
        pytest.skip("no PostgreSQL server: set PR_ATLAS_TEST_POSTGRES (`.ci/run` does)")
    database = f"pr_atlas_test_{uuid.uuid4().hex[:10]}"
    subprocess.run(["psql", f"{POSTGRES} dbname=postgres", "-qc", f"create database {database}"], check=True)
    return f"ducklake:postgres:{POSTGRES} dbname={database}", {"PR_ATLAS_LAKE_DATA_PATH": f"{tmp_path}/pg-files/"}


def _rev_count(repo: Path) -> int:
    return int(subprocess.run(["git", "-C", str(repo), "rev-list", "--count", "HEAD"], capture_output=True,
                              text=True, check=True).stdout)


@pytest.mark.slow
def test_sample_pipeline_gives_the_same_public_views_on_duckdb_and_ducklake(tmp_path):
    file_db = tmp_path / "w.duckdb"
    lake_db = f"ducklake:sqlite:{tmp_path / 'lake.sqlite'}"
    run_cli("ingest", "--db", str(file_db), "--sample")
    run_cli("ingest", "--db", lake_db, "--sample")
    rerun = run_cli("ingest", "--db", lake_db, "--sample")  # idempotent on the lake too
    assert ", 0 new, 0 parsed" in rerun.stdout
    views = ["pull_requests", "pr_files", "pr_links", "regression_chains", "module_risk", "weekly_trends",
             "pr_risk_flags", "report_matches"]
    for view in views:
        query = f"select * from {view} order by all"
        with connect(str(file_db), read_only=True) as con:
            expected = con.execute(query).fetchall()
        with connect(lake_db, read_only=True) as con:
            assert con.execute(query).fetchall() == expected, view
    hits = run_cli("sql", "select count(*) as n from search.postings where term = '内存'", "--db", lake_db)
    assert hits.stdout.split()[-1] != "0"


@pytest.mark.slow
@pytest.mark.parametrize("catalog_kind", ["sqlite", "postgres"])
def test_two_workers_collect_two_repos_at_once_while_dashboards_read(tmp_path, catalog_kind):
    target, extra_env = _lake(tmp_path, catalog_kind)
    repos = {"acme/alpha": build_repo(tmp_path / "alpha", 1500, seed=1),
             "acme/beta": build_repo(tmp_path / "beta", 1200, seed=2)}
    # The catalog exists before the workers race to create it.
    run_cli("ingest", "--db", target, "--reports", str(PROJECT_ROOT / "samples" / "reports"), env_extra=extra_env)

    from etl.user_sql import locked_lake

    reads, errors, stop = [], [], threading.Event()

    def dashboard_reader():
        """What a dashboard does while the workers commit: pin the latest snapshot and query it."""
        while not stop.is_set():
            try:
                with connect(target, read_only=True) as probe:
                    version = probe.execute("select max(snapshot_id) from ducklake_snapshots('lake')").fetchone()[0]
                con = locked_lake(target, version)
                con.execute("use lake")
                reads.append(con.execute("select count(*) from pull_requests").fetchone()[0])
                con.close()
            except Exception as exc:  # noqa: BLE001 - every failure is a finding
                errors.append(repr(exc))
            time.sleep(0.05)

    os.environ.update(extra_env)  # the reader thread runs in this process
    reader = threading.Thread(target=dashboard_reader)
    reader.start()
    try:
        workers = [subprocess.Popen([sys.executable, "-m", "etl.cli", "ingest", "--db", target, "--collect-only",
                                     "--git", f"{name}={path}"], cwd=PROJECT_ROOT, env={**cli_env(), **extra_env},
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                   for name, path in repos.items()]
        outputs = [w.communicate(timeout=300) for w in workers]
    finally:
        stop.set()
        reader.join()
        for name in extra_env:
            os.environ.pop(name, None)
    for worker, (out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, out + err[-3000:]
    assert not errors, errors[:3]
    assert len(reads) >= 3 and all(n == reads[0] for n in reads)  # sample PRs; no half-written state seen

    run_cli("ingest", "--db", target, "--reports", str(PROJECT_ROOT / "samples" / "reports"), env_extra=extra_env)
    with connect(target, read_only=True) as con:
        for name, path in repos.items():
            commits, distinct = con.execute("select count(*), count(distinct sha) from staging.git_commits "
                                            "where repo = ?", [name]).fetchone()
            assert commits == distinct == _rev_count(path), name
            files = con.execute("select count(*) from (select distinct * from staging.git_commit_files "
                                "where repo = ?)", [name]).fetchone()[0]
            assert files == con.execute("select count(*) from staging.git_commit_files where repo = ?",
                                        [name]).fetchone()[0]
            prs, distinct_prs = con.execute("select count(*), count(distinct number) from pull_requests "
                                            "where repo = ?", [name]).fetchone()
            git_prs = con.execute("select count(distinct pr_number) from staging.git_commits where repo = ? "
                                  "and pr_number is not null", [name]).fetchone()[0]
            assert prs == distinct_prs == git_prs > 0, name
