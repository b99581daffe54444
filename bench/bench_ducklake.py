"""The DuckDB file against DuckLake (SQLite catalog) on this machine: two synthetic repositories collected by
two worker processes at once into the lake, against one after the other into a file (a file has one
writer), then the reports, marts, search index and publication on both.

    python bench/bench_ducklake.py [--commits 20000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from phases import isolate  # noqa: E402
from synthetic_git import build_repo  # noqa: E402

isolate()

from etl.db import connect  # noqa: E402


def ingest(target: str, *args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "PR_ATLAS_DATABASE")}
    env["PR_ATLAS_CONFIG"] = str(ROOT / "tests" / "pr_atlas.test.toml")
    return subprocess.Popen([sys.executable, "-m", "etl.cli", "ingest", "--db", target, *args], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait(*processes: subprocess.Popen) -> None:
    for process in processes:
        _, err = process.communicate()
        if process.returncode:
            raise SystemExit(err[-2000:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commits", type=int, default=20000, help="commits per repository")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        repos = {"acme/alpha": build_repo(tmp / "alpha", args.commits, seed=1),
                 "acme/beta": build_repo(tmp / "beta", args.commits, seed=2)}
        clones = [f"{name}={path}" for name, path in repos.items()]
        targets = {"duckdb file": str(tmp / "w.duckdb"), "ducklake (sqlite)": f"ducklake:sqlite:{tmp / 'lake.sqlite'}"}
        reports = str(ROOT / "samples" / "reports")
        print(f"{len(repos)} repositories x {args.commits} commits, {os.cpu_count()} cores")
        for label, target in targets.items():
            wait(ingest(target, "--reports", reports))  # schema and catalog in place first
            started = time.perf_counter()
            if label.startswith("ducklake"):
                wait(*(ingest(target, "--collect-only", "--git", clone) for clone in clones))
            else:
                for clone in clones:
                    wait(ingest(target, "--collect-only", "--git", clone))
            collect = time.perf_counter() - started
            started = time.perf_counter()
            wait(ingest(target, "--reports", reports))
            build = time.perf_counter() - started
            with connect(target, read_only=True) as con:
                commits = con.execute("select count(*) from staging.git_commits").fetchone()[0]
                prs = con.execute("select count(*) from pull_requests").fetchone()[0]
            size = sum(p.stat().st_size for p in tmp.rglob("*") if p.is_file() and (
                p.name.startswith("w.duckdb") if label.startswith("duckdb") else "lake" in str(p)))
            print(f"{label:18}  collect two repos {collect:6.1f} s ({commits / collect:,.0f} commits/s, "
                  f"{'parallel' if 'lake' in label else 'one after the other'}) | reports, marts, index, "
                  f"publish {build:5.1f} s | {prs:,} PRs | {size / 1e6:,.0f} MB")


if __name__ == "__main__":
    main()
