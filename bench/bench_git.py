"""Git history benchmark: a synthetic repository of N commits, a full load into a fresh warehouse, then
an incremental load after 1% more commits land. Prints commits per second, wall times and peak memory.

    python bench/bench_git.py [--commits 20000] [--keep]

Each load runs in its own process through the real loader (`etl.ingest.git_history.load_history`:
one streamed `git log`, DuckDB file on disk). Target: at least 5x a well-known Python git-history
collector, which needs about 7 s for 3,000 commits on this kind of machine (430 commits/s), so
>= 2,150 commits/s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from phases import BENCH_DIR, isolate, run_phase  # the script's folder is on sys.path

isolate()
from synthetic_git import append_commits, build_repo  # noqa: E402

PHASE = """
import json, sys, time
import duckdb
from etl.db import APPEND_MEMORY_LIMIT, apply_schema
from etl.ingest.git_history import load_history
from tree_memory import PeakTreeMemory
with PeakTreeMemory() as memory:
    con = duckdb.connect(sys.argv[1])
    apply_schema(con)
    start = time.perf_counter()
    stats = load_history(con, sys.argv[2], "sgl-project/sglang", memory_limit=APPEND_MEMORY_LIMIT)
    elapsed = time.perf_counter() - start
    files = con.execute("select count(*) from staging.git_commit_files").fetchone()[0]
    con.close()
print(json.dumps({"seconds": elapsed, "read": stats.commits_read, "added": stats.commits_added,
                  "files_added": stats.files_added, "with_pr": stats.with_pr_number, "file_rows": files,
                  "peak_mb": memory.peak_total_mb, "rss_sum_mb": memory.peak_rss_sum_mb}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description="Time a full and an incremental git history load.")
    parser.add_argument("--commits", type=int, default=int(os.environ.get("COMMITS", 20000)))
    parser.add_argument("--keep", action="store_true", help="keep the repository and warehouse under bench/out/")
    args = parser.parse_args()

    work = BENCH_DIR / "out" if args.keep else Path(tempfile.mkdtemp(prefix="pr-atlas-bench-git-"))
    clone, database = work / f"repo_{args.commits}", work / "bench_git.duckdb"
    try:
        shutil.rmtree(clone, ignore_errors=True)
        started = time.perf_counter()
        build_repo(clone, args.commits)
        print(f"built a synthetic repository of {args.commits} commits in {time.perf_counter() - started:.1f} s")
        for stale in (database, database.with_name(database.name + ".wal")):
            stale.unlink(missing_ok=True)

        full = run_phase(PHASE, str(database), str(clone))
        extra = max(1, args.commits // 100)
        append_commits(clone, extra, start_commit=args.commits)
        incremental = run_phase(PHASE, str(database), str(clone))
        nothing = run_phase(PHASE, str(database), str(clone))
        assert incremental["added"] == incremental["read"] > 0 and nothing["read"] == 0

        print(f"machine: {os.cpu_count()} cores; {subprocess.run(['git', '--version'], capture_output=True, text=True).stdout.strip()}")
        print(f"full load:    {full['seconds']:6.2f} s  ->  {full['read'] / full['seconds']:7.0f} commits/s  "
              f"({full['read']} commits, {full['file_rows']} file rows, {full['with_pr']} with a PR number; "
              f"process incl. start-up {full['process_seconds']:.2f} s)")
        print(f"incremental:  {incremental['seconds']:6.2f} s  ({incremental['read']} new commits read, "
              f"{incremental['added']} added)")
        print(f"nothing new:  {nothing['seconds']:6.2f} s")
        print(f"peak memory:  {full['peak_mb']:.0f} MB (full load, whole process tree incl. git, PSS; resident sizes "
              f"summed {full['rss_sum_mb']:.0f} MB)")
        print(f"reference:    430 commits/s (7 s for 3,000); speed-up {full['read'] / full['seconds'] / 430:.1f}x")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
