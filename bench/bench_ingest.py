"""Ingestion benchmark: N synthetic reports in the seeds' formats, a full build into a fresh warehouse,
then a rerun with nothing new (answered without Dagster, as `pr-atlas ingest` answers it), the same rerun
forced through every Dagster step, a rebuild of the marts, and the re-read of every claim after the link
reader changed (the N reports and N commit messages, read again from what the warehouse holds). Prints
reports per second, wall times and peak memory. Then the regression-risk step on one repository of N PRs
(bench/synthetic_risk_history.py, loaded from its git clone): its first run, which trains every monthly version,
and, its scores deleted, a run of the risk step alone, which finds its versions and scores and writes every PR
again (budget: 10 s at 20,000 PRs).

    python bench/bench_ingest.py [--count 20000] [--keep]

Each phase runs in its own process through the real path (`etl.pipeline.run_ingest`: Dagster
in-process, DuckDB file on disk), so its peak memory is its own. Budgets on 2 cores (issue 15): full
build >= 2,500 reports/s, rerun with nothing new <= 1 s in-process, marts rebuild <= 2 s, peak memory of
the process tree <= 600 MB.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import duckdb
from phases import BENCH_DIR, isolate, run_phase  # the script's folder is on sys.path

isolate()
from synthetic_reports import write_corpus  # noqa: E402
from synthetic_risk_history import build as build_risk_history  # noqa: E402

EDITED_MART = "marts.weekly_flag_counts"  # no model reads it: an edit rebuilds it alone
RISK_REPO = "acme/engine"
RISK_HOURS_BETWEEN = 1.3  # 20,000 PRs in about three years: a busy repository

PHASE = """
import json, sys, time
from etl.pipeline import run_ingest
from tree_memory import PeakTreeMemory
with PeakTreeMemory() as memory:
    start = time.perf_counter()
    summary = run_ingest(sys.argv[1], locations=[sys.argv[2]], include_sample=False, github_repos=[],
                         git_clones=[], force=sys.argv[3] == "force", groups=sys.argv[4:] or None)
    elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "success": summary.success, "parsed": summary.parsed,
                  "new": summary.new_documents, "quarantined": summary.quarantined,
                  "peak_mb": memory.peak_total_mb, "main_peak_mb": memory.peak_main_mb,
                  "rss_sum_mb": memory.peak_rss_sum_mb,
                  "rows": summary.row_counts, "steps": summary.step_seconds,
                  "up_to_date": summary.up_to_date_since is not None}))
"""

RISK_PHASE = """
import json, sys, time
from etl.db import connect
from etl.pipeline import run_ingest
start = time.perf_counter()
summary = run_ingest(sys.argv[1], locations=[], include_sample=False, github_repos=[], git_clones=[sys.argv[2]],
                     groups=sys.argv[3:] or None)
elapsed = time.perf_counter() - start
with connect(sys.argv[1], read_only=True) as con:
    risk = json.loads(con.execute("select summary from meta.source_runs where source = 'risk'").fetchone()[0])
    scored = con.execute("select count(*) from risk.pr_scores").fetchone()[0]
print(json.dumps({"seconds": elapsed, "success": summary.success, "steps": summary.step_seconds, "risk": risk,
                  "scored": scored}))
"""


def risk_phases(work: Path, count: int) -> None:
    """The risk step on one repository of `count` PRs: first run, then the step alone again."""
    clone, database = work / f"risk_history_{count}", work / "bench_risk.duckdb"
    if not clone.exists():
        started = time.perf_counter()
        build_risk_history(clone, count, hours_between=RISK_HOURS_BETWEEN)
        print(f"generated a history of {count} PRs in {time.perf_counter() - started:.1f} s")
    for stale in (database, database.with_name(database.name + ".wal")):
        stale.unlink(missing_ok=True)
    first = run_phase(RISK_PHASE, str(database), f"{RISK_REPO}={clone}")
    with duckdb.connect(str(database)) as con:  # forget the scores (not the versions): time scoring every PR
        con.execute("delete from risk.pr_scores")
    again = run_phase(RISK_PHASE, str(database), f"{RISK_REPO}={clone}", "risk")
    assert first["success"] and again["success"] and first["scored"] == again["scored"]
    assert again["risk"]["versions_added"] == 0 and again["risk"]["scores_written"] == again["scored"]
    for name, phase in (("first run", first), ("scores again", again)):
        risk = phase["risk"]
        print(f"risk, {name}: {phase['scored']:,} PRs of {RISK_REPO} scored; the risk step took "
              f"{phase['steps']['risk']:.2f} s in the run: reading features {risk['read_seconds']:.2f} s, versions "
              f"({risk['versions_added']} trained) {risk['train_seconds']:.2f} s, scoring every PR with its top factors "
              f"{risk['score_seconds']:.2f} s")
    steps = sorted(first["steps"].items(), key=lambda item: -item[1])
    print("  first run steps: " + ", ".join(f"{step} {seconds:.2f} s" for step, seconds in steps))


def main() -> None:
    parser = argparse.ArgumentParser(description="Time a full build and an incremental rerun.")
    parser.add_argument("--count", type=int, default=int(os.environ.get("N", 20000)))
    parser.add_argument("--keep", action="store_true", help="keep the corpus and warehouse under bench/out/")
    args = parser.parse_args()

    work = BENCH_DIR / "out" if args.keep else Path(tempfile.mkdtemp(prefix="pr-atlas-bench-"))
    corpus, database = work / f"corpus_{args.count}", work / "bench.duckdb"
    try:
        if not corpus.exists():
            started = time.perf_counter()
            write_corpus(corpus, args.count)
            print(f"generated {args.count} synthetic reports in {time.perf_counter() - started:.1f} s")
        size_mb = sum(p.stat().st_size for p in corpus.rglob("*") if p.is_file()) / 1e6
        for stale in (database, database.with_name(database.name + ".wal")):
            stale.unlink(missing_ok=True)

        full = run_phase(PHASE, str(database), str(corpus), "")
        rerun = run_phase(PHASE, str(database), str(corpus), "")
        forced = run_phase(PHASE, str(database), str(corpus), "force")
        with duckdb.connect(str(database)) as con:  # forget the build fingerprints: time a real rebuild
            con.execute("delete from meta.model_builds")
        marts = run_phase(PHASE, str(database), str(corpus), "", "metrics")
        with duckdb.connect(str(database)) as con:  # one mart edited: only its fingerprint no longer matches
            con.execute("update meta.model_builds set fingerprint = 'edited' where model = ?", [EDITED_MART])
            built_before = dict(con.execute("select model, built_at from meta.model_builds").fetchall())
        one_mart = run_phase(PHASE, str(database), str(corpus), "", "metrics")
        with duckdb.connect(str(database)) as con:
            rebuilt = sorted(m for m, at in con.execute("select model, built_at from meta.model_builds").fetchall()
                             if built_before.get(m) != at)
        with duckdb.connect(str(database)) as con:  # N commit messages, then every claim read by an older reader
            add_commit_texts(con, args.count)
        run_phase(PHASE, str(database), str(corpus), "force", "links")
        with duckdb.connect(str(database)) as con:
            con.execute("update staging.report_versions set parser_version = 'an-older-reader'")
            con.execute("update meta.text_reads set reader_version = 'an-older-reader'")
        reread = run_phase(PHASE, str(database), str(corpus), "force", "reports", "links")
        for phase in (rerun, forced):
            assert phase["success"] and phase["new"] == 0 and phase["parsed"] == 0
        assert full["success"] and marts["success"] and rerun["up_to_date"] and not forced["up_to_date"]

        print(f"corpus: {args.count} reports, {size_mb:.1f} MB, {os.cpu_count()} cores")
        print(f"full build:   {full['seconds']:6.2f} s  ->  {args.count / full['seconds']:7.0f} reports/s  "
              f"(parsed {full['parsed']}, quarantined {full['quarantined']}; "
              f"process incl. start-up {full['process_seconds']:.2f} s)")
        print(f"incremental:  {rerun['seconds']:6.2f} s  (nothing new, so the last run stands and Dagster is not "
              f"started; process incl. start-up {rerun['process_seconds']:.2f} s)")
        print(f"  forced:     {forced['seconds']:6.2f} s  (the same, every step run through Dagster; process incl. "
              f"start-up {forced['process_seconds']:.2f} s)")
        print(f"marts rebuild: {marts['seconds']:5.2f} s  (config, intermediate, marts and views, with their checks; "
              f"the step itself {marts['steps'].get('metrics', 0):.2f} s)")
        print(f"one mart edited: {one_mart['seconds']:5.2f} s, rebuilt {', '.join(rebuilt)} (the step itself "
              f"{one_mart['steps'].get('metrics', 0):.2f} s)")
        print(f"re-read after a reader change: {reread['steps'].get('staging__reports', 0):.2f} s for {args.count} "
              f"reports (parsed again from raw: {reread['parsed']}), "
              f"{reread['steps'].get('staging__text_claims', 0):.2f} s for {args.count} commit messages "
              f"(whole run {reread['seconds']:.2f} s)")
        print(f"peak memory:  {full['peak_mb']:.0f} MB for the whole process tree (PSS; resident sizes summed "
              f"{full['rss_sum_mb']:.0f} MB; main process alone {full['main_peak_mb']:.0f} MB); rerun "
              f"{rerun['peak_mb']:.0f} MB, forced {forced['peak_mb']:.0f} MB")
        for name, phase in (("full build", full), ("forced rerun", forced), ("marts", marts), ("re-read", reread)):
            steps = sorted(phase["steps"].items(), key=lambda item: -item[1])
            print(f"  {name + ' steps:':15} " + ", ".join(f"{step} {seconds:.2f} s" for step, seconds in steps))
        print(f"warehouse:    {database.stat().st_size / 1e6:.0f} MB; rows: "
              + ", ".join(f"{k.split('.')[-1]} {v}" for k, v in full["rows"].items()))
        risk_phases(work, args.count)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def add_commit_texts(con, count: int) -> None:
    """`count` commit messages of a synthetic history, squash-merged, one in four naming an earlier PR the way
    commits do (a fix of what it broke, a revert, a follow-up, a mention)."""
    import random

    rng = random.Random(11)
    forms = ["Fix the {topic} crash introduced in #{ref}", "Revert \"Speed up {topic}\"\n\nReverts bench/history#{ref}",
             "Follow-up to #{ref}: finish the {topic} cleanup", "Tidy {topic}\n\nSee #{ref} for the background."]
    rows = []
    for i in range(count):
        number = 100_000 + i
        subject = f"Improve {rng.choice(['the scheduler', 'the cache', 'the loader'])} ({i})"
        body = ""
        if i and rng.random() < 0.25:
            subject, _, body = rng.choice(forms).format(topic="cache", ref=number - rng.randint(1, min(i, 50))
                                                         ).partition("\n")
        rows.append(("bench/history", f"{i:040x}", [], "dev", "dev@example.com", None, None,
                     f"{subject} (#{number})", body.strip(), number, "squash_subject", "bench", None))
    con.executemany("insert into staging.git_commits values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
                    [row[:-1] for row in rows])


if __name__ == "__main__":
    main()
