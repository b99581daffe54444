"""A synthetic history whose bug-introducing PRs follow a pattern a model can learn, for the risk benchmark and
the tests: squash commits "Title (#N)" and, now and then, a revert of a recent PR (`Revert "Title" (#M)`, its
body "Reverts #N: ...") or a fix of the fault it brought ("Fix the crash introduced in #N (#M)"). A PR is more
likely to be reverted or fixed the larger it is and in the kernels module, and less likely the more PRs its
author merged before. Deterministic for a seed; written with replay_history.write_repo (made-up contents).

    python bench/synthetic_risk_history.py OUT_DIR --prs 20000
"""

from __future__ import annotations

import argparse
import math
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from replay_history import write_repo  # the script's folder is on sys.path

MODULES = {"engine/core": 30, "engine/api": 30, "engine/io": 20, "engine/kernels": 20, "docs": 10, "tests": 30}
RISKY_MODULE = "engine/kernels"
WORDS = ["cache", "scheduler", "loader", "parser", "pool", "router", "stream", "kernel", "config", "metrics"]
VERBS = ["Speed up", "Simplify", "Add", "Rework", "Tidy", "Support", "Extend"]
START = datetime(2024, 1, 1, 9, tzinfo=UTC)


def bug_chance(lines: int, module: str, earlier_prs: int) -> float:
    """The chance the synthetic PR is reverted or fixed later: the pattern the model should find."""
    return 1 / (1 + math.exp(-(-3.8 + 0.55 * math.log1p(lines) + 1.4 * (module == RISKY_MODULE)
                                - 0.35 * math.log1p(earlier_prs))))


def commits(prs: int, seed: int = 11, hours_between: float = 20.0, first_number: int = 1000) -> list[dict]:
    """`prs` PRs (reverts and fixes included), oldest first, in the shape of ../shared/real_git's records."""
    rng = random.Random(seed)
    authors = [f"dev{n:02d}" for n in range(40)]
    weights = [1 / (n + 1) for n in range(len(authors))]  # a few prolific authors, many occasional ones
    merged_before: Counter[str] = Counter()
    due: list[tuple[datetime, dict]] = []  # reverts and fixes waiting for their time
    history: list[dict] = []
    moment, number = START, first_number
    while len(history) < prs:
        moment += timedelta(hours=rng.uniform(0.1, 1.9) * hours_between)
        if due and due[0][0] <= moment:
            _, record = due.pop(0)
        else:
            author = rng.choices(authors, weights)[0]
            module = rng.choice(list(MODULES))
            lines = max(1, int(rng.lognormvariate(3.2, 1.3)))
            paths = rng.sample(range(MODULES[module]), min(MODULES[module], 1 + int(rng.expovariate(0.7))))
            # about as many lines deleted as added, so files stay short and line history (SZZ) stays quick
            files = [[f"{module}/{rng.choice(WORDS)}_{p}.py", max(1, lines // len(paths)),
                      rng.randint(0, max(1, lines // len(paths)))] for p in paths]
            title = f"{rng.choice(VERBS)} the {rng.choice(WORDS)} {rng.choice(WORDS)}"
            record = {"subject": title, "body": "", "author": author, "files": files}
            if rng.random() < bug_chance(lines, module, merged_before[author]):
                later = moment + timedelta(days=rng.uniform(0.5, 40))
                due.append((later, {"reverts": title, "of": number + 1, "files": files,
                                    "author": rng.choice(authors[:5]), "revert": rng.random() < 0.7}))
                due.sort(key=lambda item: item[0])
            merged_before[author] += 1
        number += 1
        history.append(_as_commit(record, number, moment))
    return history


def _as_commit(record: dict, number: int, moment: datetime) -> dict:
    when = moment.isoformat()
    if "reverts" not in record:
        return {**record, "subject": f"{record['subject']} (#{number})", "committed_at": when, "authored_at": when}
    undone = [[path, deleted, added] for path, added, deleted in record["files"]]
    if record["revert"]:
        subject, body = f'Revert "{record["reverts"]}" (#{number})', f"Reverts #{record['of']}: the nightly run failed."
    else:
        subject, body = f"Fix the crash introduced in #{record['of']} (#{number})", "Restores the earlier check."
        undone = [[undone[0][0], 3, 2]]
    return {"subject": subject, "body": body, "author": record["author"], "files": undone, "committed_at": when,
            "authored_at": when}


def build(folder: Path, prs: int, seed: int = 11, hours_between: float = 20.0) -> Path:
    """The repository at `folder` (a git clone with no remote: name it OWNER/REPO=PATH when ingesting)."""
    write_repo(commits(prs, seed, hours_between), folder)
    return folder


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--prs", type=int, default=20000)
    parser.add_argument("--hours-between", type=float, default=20.0, help="mean hours from one PR to the next")
    args = parser.parse_args()
    build(args.out, args.prs, hours_between=args.hours_between)
    print(f"{args.prs} PRs in {args.out}")
