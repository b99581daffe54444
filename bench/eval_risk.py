"""How well the regression-risk model ranks the PRs that introduced a bug, on the real histories of
../shared/real_git, with time-aware splits: train on everything before each quarter whose outcome was known by
then, test on the quarter (only PRs whose 90-day outcome is known count).

Each history's warehouse is built through the real pipeline: its commits become a git clone (the bundle where
there is one, with its real file contents; else bench/replay_history.py, with made-up contents of the real sizes),
then `pr-atlas ingest` loads it, builds the models and runs the risk step with quarterly versions
(PR_ATLAS_RETRAIN_EVERY=quarter). The scores measured are the warehouse's own (pr_risk): each PR scored by
the version of its quarter, trained before it. Features and labels are the warehouse's too; labels come from
the project's link reader. Printed per history: ROC-AUC (over all tested quarters, and the mean of the
quarters' own), PR-AUC, the recall of bug-introducing PRs within the top 20% of changed lines (the PRs taken by
score until they hold a fifth of the quarter's lines), the Brier score, each with a bootstrap interval
(resampling PRs within each quarter), beside logistic regression and gradient boosting each alone and the
baselines: lines added alone, files changed alone, the report's risk level where reports exist. Then how many
labels each history has, and how the link reader's bug links compare with the mentions labelled by hand.

    python bench/eval_risk.py [--histories pytorch-ao,deepspeed] [--bootstrap 1000] [--keep]
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from phases import BENCH_DIR, isolate, run_phase  # the script's folder is on sys.path
from threadpoolctl import threadpool_limits

isolate()
sys.path.insert(0, str(BENCH_DIR.parent))
from replay_history import REAL_GIT, replay  # noqa: E402

from etl.risk import features as risk_features  # noqa: E402
from etl.risk import walk  # noqa: E402
from etl.risk.training import BOOSTING, LOGISTIC, train  # noqa: E402
from etl.sources.git_log import pr_reference  # noqa: E402

HISTORIES = {"pytorch-ao": "pytorch/ao", "text-generation-inference": "huggingface/text-generation-inference",
             "deepspeed": "deepspeedai/DeepSpeed", "torchtitan": "pytorch/torchtitan", "lightllm": "ModelTC/lightllm"}
PERIOD = "quarter"
EFFORT = 0.2  # the share of changed lines a reviewer gets through
ENOUGH_BUGS = 20  # bug-introducing PRs in the tested quarters for a history's figures to be held to the targets
MIN_QUARTER_BUGS = 2  # for a quarter's own ROC-AUC
TARGET_AUC, TARGET_GAIN, TARGET_RECALL = 0.80, 0.05, 0.5
HAND_LABELS = [BENCH_DIR.parent / "tests" / "data" / name for name in ("real_git_labels.jsonl",
                                                                        "real_git_holdout.jsonl")]
HAND_LABEL_DIR = BENCH_DIR.parent / "tests" / "data" / "real_git"

BUILD = """
import json, os, sys, time
os.environ["PR_ATLAS_RETRAIN_EVERY"] = "quarter"
from etl.pipeline import run_ingest
start = time.perf_counter()
summary = run_ingest(sys.argv[1], locations=[], include_sample=False, github_repos=[], git_clones=[sys.argv[2]])
print(json.dumps({"seconds": time.perf_counter() - start, "success": summary.success, "error": summary.error,
                  "failed_checks": summary.failed_checks, "steps": summary.step_seconds}))
"""


# ---- figures ------------------------------------------------------------------------------------------

def roc_auc(y: np.ndarray, s: np.ndarray) -> float:
    """Mann-Whitney: the chance a bug-introducing PR outranks another (ties count half)."""
    positives = y.sum()
    negatives = len(y) - positives
    if not positives or not negatives:
        return float("nan")
    ranks = pd.Series(s).rank(method="average").to_numpy()
    return float((ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def pr_auc(y: np.ndarray, s: np.ndarray) -> float:
    """Average precision: precision at each bug-introducing PR, down the ranking (ties broken by order)."""
    if not y.sum():
        return float("nan")
    ranked = y[np.argsort(-s, kind="stable")]
    hits = np.cumsum(ranked)
    return float((hits / np.arange(1, len(y) + 1))[ranked == 1].mean())


def recall_at_effort(y: np.ndarray, s: np.ndarray, lines: np.ndarray) -> float:
    """The share of bug-introducing PRs among those taken by score (highest first; on a tie the smaller first)
    until they hold EFFORT of all changed lines."""
    if not y.sum():
        return float("nan")
    order = np.lexsort((lines, -s))
    taken = np.cumsum(lines[order]) <= EFFORT * lines.sum()
    return float(y[order][taken].sum() / y.sum())


def brier(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean((p - y) ** 2))


def measures(test: pd.DataFrame, column: str, probability: bool) -> dict[str, float]:
    y, s = test["bug"].to_numpy(), test[column].to_numpy(dtype=float)
    quarters = [roc_auc(g["bug"].to_numpy(), g[column].to_numpy(dtype=float))
                for _, g in test.groupby("quarter") if MIN_QUARTER_BUGS <= g["bug"].sum() < len(g)]
    lines = test["lines"].to_numpy(dtype=float)
    return {"roc_auc": roc_auc(y, s), "quarter_auc": float(np.mean(quarters)) if quarters else float("nan"),
            "pr_auc": pr_auc(y, s), "recall20": recall_at_effort(y, s, lines),
            # the same budget taken by expected bugs per changed line: a probability's own effort-aware order
            "recall20_per_line": recall_at_effort(y, s / np.maximum(lines, 1), lines) if probability
            else float("nan"),
            "brier": brier(y, s) if probability else float("nan")}


def bootstrap(test: pd.DataFrame, column: str, probability: bool, rounds: int, seed: int = 29) -> dict:
    """2.5th and 97.5th percentiles of each measure over `rounds` resamplings of PRs within their quarter."""
    rng = np.random.default_rng(seed)
    groups = [g.index.to_numpy() for _, g in test.groupby("quarter")]
    draws = []
    for _ in range(rounds):
        picked = np.concatenate([rng.choice(g, size=len(g), replace=True) for g in groups])
        draws.append(measures(test.loc[picked].reset_index(drop=True), column, probability))
    frame = pd.DataFrame(draws)
    return {name: (frame[name].quantile(0.025), frame[name].quantile(0.975)) for name in frame.columns}


# ---- one history --------------------------------------------------------------------------------------

def build(name: str, folder: Path) -> tuple[Path, str, dict]:
    """The history's clone and warehouse, through `pr-atlas ingest`; returns the database, how the clone was
    made and the run's figures."""
    clone, database = folder / "clone", folder / "warehouse.duckdb"
    bundle = REAL_GIT / f"{name}.bundle"
    if not clone.exists():
        if bundle.exists():
            subprocess.run(["git", "clone", "--quiet", str(bundle), str(clone)], check=True, capture_output=True)
        else:
            replay(name, clone)
    made = "the bundle (real file contents)" if bundle.exists() else "replayed (made-up file contents)"
    run = run_phase(BUILD, str(database), f"{HISTORIES[name]}={clone}")
    if not run["success"] or run["failed_checks"]:
        raise SystemExit(f"{name}: the ingestion failed: {run['error'] or run['failed_checks']}")
    return database, made, run


def scored(database: Path) -> pd.DataFrame:
    """Every PR with a known outcome, with the warehouse's score, its version's cut-off (the quarter), and
    the baselines' inputs."""
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute("""
            select r.pr_key, r.score, r.algorithm, r.cutoff as quarter, r.introduced_bug::int as bug,
                   f.lines_added, f.files_changed, f.lines_added + f.lines_deleted as lines,
                   case p.risk_level when 'low' then 1 when 'medium' then 2 when 'high' then 3 end as report_risk,
                   l.found_by
            from pr_risk r
            join marts.pr_risk_features f using (pr_key)
            join pull_requests p using (pr_key)
            join marts.pr_risk_labels l using (pr_key)
            where r.introduced_bug is not null and p.merged_at is not null
            order by p.merged_at, r.pr_key""").df()


def each_alone(database: Path, test: pd.DataFrame) -> pd.DataFrame:
    """The tested PRs scored by logistic regression alone and gradient boosting alone, trained as the
    warehouse's versions are (same cut-offs, same training rows, same code)."""
    with duckdb.connect(str(database), read_only=True) as con:
        names = risk_features.feature_names(con)
        frame = risk_features.read_frame(con, names)
    frame = frame[frame["merged_at"].notna()].reset_index(drop=True)
    starts = walk.cutoffs(frame, PERIOD)
    index = walk.in_force(frame, starts)
    wanted = set(test["pr_key"])
    scores = {LOGISTIC: {}, BOOSTING: {}}
    for position, cutoff in enumerate(starts):
        rows = frame.iloc[np.flatnonzero(index == position)]
        rows = rows[rows["pr_key"].isin(wanted)]
        if rows.empty:
            continue
        training = walk.training_rows(frame, cutoff)
        for algorithm in scores:
            with threadpool_limits(1):  # as the risk step trains (etl/risk/scoring.py)
                version = train(training, names, None, only=algorithm)
            scores[algorithm].update(zip(rows["pr_key"], version.predict(rows), strict=True))
    return test.assign(**{algorithm: test["pr_key"].map(found) for algorithm, found in scores.items()})


def hand_checked(name: str, database: Path) -> dict | None:
    """The warehouse's bug links (in_chains, revert or regression) against the mentions of this history labelled
    by hand: a mention labelled revert or regression should be such a link between the two PRs, any other
    label should not."""
    labels = [json.loads(line) for path in [*HAND_LABELS, *sorted(HAND_LABEL_DIR.glob("*.jsonl"))]
              for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    labels = [label for label in labels if label["history"] == name
              and label.get("ref_repo", HISTORIES[name]) == HISTORIES[name]]
    if not labels:
        return None
    with gzip.open(REAL_GIT / f"{name}.jsonl.gz", "rt", encoding="utf-8") as lines:
        number_of = {}
        for line in lines:
            commit = json.loads(line)
            number_of[commit["sha"][:12]] = pr_reference(commit["subject"], len(commit["parents"]))[0]
    with duckdb.connect(str(database), read_only=True) as con:
        links = {frozenset(pair) for pair in con.execute(
            "select from_number, to_number from pr_links where in_chains and relation in ('revert', 'regression') "
            "and from_repo = $repo and to_repo = $repo", {"repo": HISTORIES[name]}).fetchall()}
    counts = {"tp": 0, "fp": 0, "fn": 0, "tn": 0, "mentions": 0}
    seen = set()
    for label in labels:
        own = number_of.get(label["sha"][:12])
        pair = frozenset((own, label["ref"]))
        if own is None or (label["sha"], label["ref"]) in seen:
            continue
        seen.add((label["sha"], label["ref"]))
        truth, read = label["relation"] in ("revert", "regression"), pair in links
        counts["mentions"] += 1
        counts[("t" if truth == read else "f") + ("p" if read else "n")] += 1
    return counts


def evaluate(name: str, folder: Path, rounds: int) -> dict:
    started = time.perf_counter()
    database, made, run = build(name, folder)
    everything = scored(database)
    test = everything[everything["algorithm"] != "prior"].reset_index(drop=True)
    result = {"name": name, "made": made, "build_seconds": run["seconds"],
              "risk_seconds": sum(v for k, v in run["steps"].items() if k == "risk"),
              "known": len(everything), "bugs": int(everything["bug"].sum()),
              "reverted": int((everything["bug"] == 1).mul(everything["found_by"] == "revert").sum()),
              "test_prs": len(test), "test_bugs": int(test["bug"].sum()),
              "quarters": int(test["quarter"].nunique()),
              "algorithms": test.groupby("quarter")["algorithm"].first().value_counts().to_dict(),
              "hand": hand_checked(name, database), "rows": {}}
    if result["test_bugs"]:
        test = each_alone(database, test)
        candidates = {"model (warehouse)": ("score", True), "logistic regression alone": (LOGISTIC, True),
                      "gradient boosting alone": (BOOSTING, True), "lines added alone": ("lines_added", False),
                      "files changed alone": ("files_changed", False),
                      # what a reviewer with a budget of lines does without any model: the smallest changes first
                      "smaller changes first": ("smallness", False)}
        if test["report_risk"].notna().any():
            candidates["report risk level"] = ("report_risk", False)
        for label, (column, probability) in candidates.items():
            frame = test.assign(smallness=1 / (1 + test["lines"]))
            frame = frame.assign(**{column: frame[column].fillna(0)})
            result["rows"][label] = (measures(frame, column, probability),
                                     bootstrap(frame, column, probability, rounds))
    result["seconds"] = time.perf_counter() - started
    return result


# ---- printing -----------------------------------------------------------------------------------------

def cell(value: float, interval: tuple[float, float] | None) -> str:
    if value != value:
        return "      —       "
    return f"{value:.3f} [{interval[0]:.2f}–{interval[1]:.2f}]" if interval else f"{value:.3f}"


def report(results: list[dict]) -> None:
    print("\nTime-split evaluation: versions cut each quarter; a PR counts once its 90-day outcome is known; "
          "bootstrap intervals 95%.\n")
    header = (f"  {'':28}{'ROC-AUC (all quarters)':>24}{'ROC-AUC (mean of quarters)':>28}{'PR-AUC':>20}"
              f"{'recall @20% lines':>20}{'… by score per line':>22}{'Brier':>20}")
    for result in results:
        print(f"{result['name']} ({HISTORIES[result['name']]}; clone from {result['made']}): "
              f"{result['known']:,} PRs with a known outcome, {result['bugs']} introduced a bug "
              f"({result['reverted']} reverted, {result['bugs'] - result['reverted']} named by a regression fix); "
              f"tested: {result['test_prs']:,} PRs in {result['quarters']} quarter(s) with a model, "
              f"{result['test_bugs']} bug-introducing; versions chosen per quarter: {result['algorithms'] or '-'}; "
              f"built in {result['build_seconds']:.0f} s (risk step {result['risk_seconds']:.1f} s)")
        if not result["rows"]:
            print("  nothing to test: no quarter had a model (too few bug-introducing PRs known before it)\n")
            continue
        print(header)
        for label, (figures, intervals) in result["rows"].items():
            print(f"  {label:28}" + "".join(f"{cell(figures[m], intervals[m]):>{w}}" for m, w in (
                ("roc_auc", 24), ("quarter_auc", 28), ("pr_auc", 20), ("recall20", 20), ("recall20_per_line", 22),
                ("brier", 20))))
        print()
    judged = [r for r in results if r["test_bugs"] >= ENOUGH_BUGS]
    print(f"Targets (on histories with at least {ENOUGH_BUGS} bug-introducing PRs in tested quarters: "
          f"{', '.join(r['name'] for r in judged) or 'none'}):")
    for r in judged:
        model, lines = r["rows"]["model (warehouse)"][0], r["rows"]["lines added alone"][0]
        auc = model["quarter_auc"] if model["quarter_auc"] == model["quarter_auc"] else model["roc_auc"]
        base = lines["quarter_auc"] if lines["quarter_auc"] == lines["quarter_auc"] else lines["roc_auc"]
        print(f"  {r['name']}: mean time-split ROC-AUC {auc:.3f} (target >= {TARGET_AUC}: "
              f"{'met' if auc >= TARGET_AUC else 'NOT met'}), {auc - base:+.3f} over lines added alone "
              f"(target >= +{TARGET_GAIN}: {'met' if auc - base >= TARGET_GAIN else 'NOT met'}), recall within the "
              f"top 20% of changed lines {model['recall20']:.3f} by score, {model['recall20_per_line']:.3f} by score "
              f"per line (target >= {TARGET_RECALL}: "
              f"{'met' if max(model['recall20'], model['recall20_per_line']) >= TARGET_RECALL else 'NOT met'})")
    tested = [r for r in results if r["rows"]]
    if tested:
        print("Mean over the histories with a tested quarter ("
              f"{', '.join(r['name'] for r in tested)}):")
        for label in tested[0]["rows"]:
            values = pd.DataFrame([r["rows"][label][0] for r in tested if label in r["rows"]]).mean()
            print(f"  {label:28} ROC-AUC {values['roc_auc']:.3f}, mean of quarters {values['quarter_auc']:.3f}, "
                  f"PR-AUC {values['pr_auc']:.3f}, recall @20% {values['recall20']:.3f}"
                  + (f" ({values['recall20_per_line']:.3f} by score per line)"
                     if values["recall20_per_line"] == values["recall20_per_line"] else "")
                  + (f", Brier {values['brier']:.4f}" if values["brier"] == values["brier"] else ""))
    print("\nLabels: PRs reverted, or named by a claimed or confirmed link as having introduced a regression, within "
          "90 days (marts.pr_risk_labels, read from pr_links). Their links against the mentions labelled by hand "
          "(tests/data/real_git*):")
    for r in results:
        hand = r["hand"]
        if not hand:
            print(f"  {r['name']}: {r['bugs']} labels; no hand-labelled mentions of this history")
            continue
        precision = hand["tp"] / (hand["tp"] + hand["fp"]) if hand["tp"] + hand["fp"] else float("nan")
        recall = hand["tp"] / (hand["tp"] + hand["fn"]) if hand["tp"] + hand["fn"] else float("nan")
        print(f"  {r['name']}: {r['bugs']} labels; of {hand['mentions']} hand-labelled mentions, "
              f"{hand['tp'] + hand['fn']} are a revert or regression: the warehouse links {hand['tp']} of them "
              f"(recall {recall:.2f}) and {hand['fp']} other mention(s) as one (precision {precision:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description="Time-split evaluation of the regression-risk model.")
    parser.add_argument("--histories", default=",".join(HISTORIES), help="comma-separated names")
    parser.add_argument("--bootstrap", type=int, default=1000, help="resamplings for the intervals")
    parser.add_argument("--keep", action="store_true", help="keep clones and warehouses under bench/out/eval_risk/")
    args = parser.parse_args()
    work = BENCH_DIR / "out" / "eval_risk" if args.keep else Path(tempfile.mkdtemp(prefix="pr-atlas-eval-risk-"))
    results = []
    try:
        for name in args.histories.split(","):
            folder = work / name
            folder.mkdir(parents=True, exist_ok=True)
            results.append(evaluate(name, folder, args.bootstrap))
            print(f"{name}: done in {results[-1]['seconds']:.0f} s", file=sys.stderr)
        report(results)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
