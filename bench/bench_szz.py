"""Line history (SZZ) on a synthetic repository with known introducers: how many of the non-ghost fixes get
their true introducer as a candidate (and as the top one), and what blaming costs, cold and on a rerun with
nothing new. Offline; the repository is built in a temporary folder.

    python bench/bench_szz.py [--commits 20000]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import duckdb  # noqa: E402

from bench.phases import isolate  # noqa: E402

isolate()

from bench.synthetic_szz import REPO, build  # noqa: E402
from etl.db import apply_schema  # noqa: E402
from etl.ingest.git_history import load_history  # noqa: E402
from etl.ingest.szz import analyse  # noqa: E402
from etl.ingest.text_claims import read_claims  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commits", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pr_atlas_szz_") as tmp:
        clone = Path(tmp) / "clone"
        started = time.perf_counter()
        truth = build(clone, commits=args.commits)
        built = time.perf_counter() - started
        con = duckdb.connect(str(Path(tmp) / "w.duckdb"))
        apply_schema(con)
        started = time.perf_counter()
        load_history(con, clone, REPO)
        loaded = time.perf_counter() - started
        read_claims(con)  # the fixes are what the commit messages claim
        started = time.perf_counter()
        stats = analyse(con, REPO, clone)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        again = analyse(con, REPO, clone)
        rerun = time.perf_counter() - started
        candidates: dict[int, list[tuple[int, int]]] = {}
        for fix, introducer, lines in con.execute(
                "select fix_number, introducer_number, lines from staging.szz_candidates").fetchall():
            candidates.setdefault(fix, []).append((lines, introducer))
        ghosts = {r[0] for r in con.execute("select fix_number from meta.szz_fixes where fix_lines = 0").fetchall()}
    real = {fix: intro for fix, intro in truth.fixes.items() if fix not in truth.ghost_fixes}
    found = sum(intro in {i for _, i in candidates.get(fix, [])} for fix, intro in real.items())
    top = sum(bool(candidates.get(fix)) and max(candidates[fix])[1] == intro for fix, intro in real.items())
    wrongly_blamed_ghosts = sum(fix in candidates for fix in truth.ghost_fixes)
    print(f"SZZ on a synthetic repository of {args.commits:,} commits ({os.cpu_count()} cores)")
    print(f"  built in {built:.1f} s (git fast-import), history loaded in {loaded:.1f} s")
    print(f"  fixes claimed by their text: {len(truth.fixes)} ({len(truth.ghost_fixes)} only add lines)")
    print(f"  blamed cold: {stats.fixes} fixes in {cold:.2f} s ({cold / max(1, stats.fixes) * 1000:.1f} ms a fix), "
          f"{stats.candidates} candidate introducers")
    print(f"  rerun with nothing new: {again.fixes} fixes blamed in {rerun * 1000:.0f} ms")
    print(f"  introducer found for {found}/{len(real)} non-ghost fixes ({found / max(1, len(real)):.1%}); "
          f"the top candidate for {top} ({top / max(1, len(real)):.1%})")
    print(f"  ghost fixes recorded as such: {len(ghosts & truth.ghost_fixes)}/{len(truth.ghost_fixes)}; "
          f"ghost fixes given a candidate: {wrongly_blamed_ghosts}")
    print(f"  peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
