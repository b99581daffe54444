"""The git history loader, and the whole of git ingestion (the loader, the commit messages' claims and line
history), beside Perceval's git backend (GrimoireLab's well-known collector), on the same clone: wall time and
peak memory of each, each in its own process. Perceval is a reference, not a
dependency: it is installed into a throwaway virtual environment under bench/out/ on first use (from the
package index; nothing else is fetched).

    python bench/bench_git_perceval.py [CLONE] [--commits 3000]

Without CLONE, a synthetic repository of --commits commits (bench/synthetic_git.py) is built. Perceval
reads a bare copy of the clone, made beforehand and not timed, as it would a mirror it keeps.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from phases import isolate, offline_env  # noqa: E402

isolate()
from bench_git import PHASE as OURS  # noqa: E402  the history load as bench_git times it
from synthetic_git import build_repo  # noqa: E402

# The whole of git ingestion as a run does it, without Dagster: the loader, the claims of the commit messages,
# line history for the fixes they name.
WHOLE = """
import json, sys, time
import duckdb
from etl.db import APPEND_MEMORY_LIMIT, apply_schema
from etl.ingest.git_history import load_history
from etl.ingest.szz import analyse
from etl.ingest.text_claims import read_claims
from tree_memory import PeakTreeMemory
with PeakTreeMemory() as memory:
    con = duckdb.connect(sys.argv[1])
    apply_schema(con)
    start = time.perf_counter()
    load_history(con, sys.argv[2], "bench/history", memory_limit=APPEND_MEMORY_LIMIT)
    loaded = time.perf_counter()
    claims = read_claims(con)
    read = time.perf_counter()
    szz = analyse(con, "bench/history", sys.argv[2])
    elapsed = time.perf_counter() - start
    con.close()
print(json.dumps({"seconds": elapsed, "load": loaded - start, "claims": read - loaded, "szz": start + elapsed - read,
                  "texts": claims.texts_read, "fixes": szz.fixes, "peak_mb": memory.peak_total_mb}))
"""
PERCEVAL_VERSION = "1.6.1"
PERCEVAL_VENV = BENCH_DIR / "out" / f"perceval-{PERCEVAL_VERSION}"
PERCEVAL = """
import json, sys, time
sys.path.insert(0, sys.argv[3])
from tree_memory import PeakTreeMemory
from perceval.backends.core.git import Git
with PeakTreeMemory() as memory:
    start = time.perf_counter()
    commits = files = 0
    for item in Git(uri=sys.argv[1], gitpath=sys.argv[2]).fetch():
        commits += 1
        files += len(item["data"].get("files", []))
    elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "commits": commits, "files": files, "peak_mb": memory.peak_total_mb, "rss_sum_mb": memory.peak_rss_sum_mb}))
"""


def perceval_python() -> Path:
    python = PERCEVAL_VENV / "bin" / "python"
    if not python.exists():
        print(f"installing perceval=={PERCEVAL_VERSION} into {PERCEVAL_VENV} (once)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(PERCEVAL_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", f"perceval=={PERCEVAL_VERSION}"], check=True)
    return python


def run(python: str, script: str, *args: str) -> dict:
    env = {**offline_env(), "PYTHONPATH": str(BENCH_DIR)}
    started = time.perf_counter()
    out = subprocess.run([python, "-c", script, *args], capture_output=True, text=True, env=env,
                         cwd=BENCH_DIR.parent)
    if out.returncode:
        raise SystemExit(f"{python} failed:\n{out.stderr[-2000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_seconds"] = time.perf_counter() - started
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("clone", nargs="?", type=Path, help="any local clone (default: a synthetic one)")
    parser.add_argument("--commits", type=int, default=3000, help="size of the synthetic repository")
    parser.add_argument("--runs", type=int, default=2, help="runs of each; the best is shown")
    args = parser.parse_args()
    python = perceval_python()
    work = Path(tempfile.mkdtemp(prefix="pr-atlas-perceval-"))
    try:
        clone = args.clone.resolve() if args.clone else work / "clone"
        if not args.clone:
            build_repo(clone, args.commits)
        bare = work / "bare.git"
        subprocess.run(["git", "clone", "--quiet", "--bare", str(clone), str(bare)], check=True)
        ours = whole = perceval = None
        for _ in range(args.runs):
            database = work / "w.duckdb"
            database.unlink(missing_ok=True)
            run_ours = run(sys.executable, OURS, str(database), str(clone))
            database.unlink(missing_ok=True)
            for graph in (clone / ".git" / "objects" / "info").glob("commit-graph*"):  # line history writes git's
                shutil.rmtree(graph) if graph.is_dir() else graph.unlink()          # cache: each run starts without
            run_whole = run(sys.executable, WHOLE, str(database), str(clone))
            run_theirs = run(str(python), PERCEVAL, str(clone), str(bare), str(BENCH_DIR))
            ours = min(filter(None, [ours, run_ours]), key=lambda r: r["seconds"])
            whole = min(filter(None, [whole, run_whole]), key=lambda r: r["seconds"])
            perceval = min(filter(None, [perceval, run_theirs]), key=lambda r: r["seconds"])
        git = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
        print(f"clone: {clone} ({ours['read']:,} commits); {os.cpu_count()} cores; {git}")
        print(f"pr-atlas loader: {ours['seconds']:6.2f} s, peak {ours['peak_mb']:5.0f} MB PSS ({ours['rss_sum_mb']:.0f} MB RSS) "
              f"({ours['file_rows']:,} file rows, into DuckDB)")
        print(f"perceval git:    {perceval['seconds']:6.2f} s, peak {perceval['peak_mb']:5.0f} MB PSS ({perceval['rss_sum_mb']:.0f} MB RSS) "
              f"({perceval['commits']:,} commits, {perceval['files']:,} file entries, items in memory)")
        print(f"git ingestion:   {whole['seconds']:6.2f} s, peak {whole['peak_mb']:5.0f} MB PSS (loader {whole['load']:.2f} s, "
              f"claims of {whole['texts']:,} messages {whole['claims']:.2f} s, line history of {whole['fixes']} fixes "
              f"{whole['szz']:.2f} s)")
        print(f"perceval's time over ours: loader {perceval['seconds'] / ours['seconds']:.2f}x, whole ingestion "
              f"{perceval['seconds'] / whole['seconds']:.2f}x (ours {whole['seconds'] / perceval['seconds']:.2f}x "
              f"Perceval's; best of {args.runs} runs each)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
