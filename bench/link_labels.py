"""The labelling aid for real commit histories (tests/data/README.md says the protocol).

`draw` picks the commits to label from one history in ../shared/real_git, deterministically: every commit whose
title reverts, relands, fixes or hotfixes something and mentions a number other than its own PR's, then a random
draw of the other commits that mention one. It prints each commit's text with the numbers it mentions and the
facts git history knows about each number (is it a PR of this repository, merged before or after this commit).
It never runs the link reader: labels are made blind to what the reader says.

`pr` prints the subject and merge time of the commits that merged the given PR numbers, for context.

`check` validates a label file against the draw: every drawn mention labelled once, known fields only.

    python bench/link_labels.py draw HISTORY [--extra N] [--seed S] [--part K/M] [--sample N]
    python bench/link_labels.py check HISTORY [LABELS]
    python bench/link_labels.py pr HISTORY N [N ...]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL_GIT = ROOT.parent / "shared" / "real_git"  # others' text: read here, never copied into the project
LABELS = ROOT / "tests" / "data" / "real_git"
# The repository each history is of, and names it went by before (GitHub redirects them).
HISTORIES = {
    "pytorch-ao": ("pytorch/ao", ("pytorch-labs/ao",)),
    "text-generation-inference": ("huggingface/text-generation-inference", ()),
    "deepspeed": ("deepspeedai/DeepSpeed", ("microsoft/DeepSpeed",)),
    "torchtitan": ("pytorch/torchtitan", ()),
    "lightllm": ("ModelTC/lightllm", ()),
}
# How many commits of the rest each history's draw adds to the titled ones (all of them where there are fewer).
EXTRA = {"pytorch-ao": 200, "text-generation-inference": 1000, "deepspeed": 160, "torchtitan": 110,
         "lightllm": 1000}
SEED = 20261206
RELATIONS = ("revert", "regression", "follow_up", "reference", "issue", "none")

_TITLE = re.compile(r"\b(?:revert\w*|re-?land\w*|(?:hot|bug)?fix\w*)\b", re.I)
_REPO = r"[A-Za-z0-9][\w.-]*/[\w.-]+"
_MENTION = re.compile(
    rf"(?:https?://)?(?:www\.)?github\.com/(?P<urepo>{_REPO})/(?:pull|issues)/(?P<unum>\d+)"
    rf"|(?P<xrepo>{_REPO})#(?P<xnum>\d+)"
    r"|(?<![\w&/])#(?P<num>\d+)"
    r"|\b(?:PR|pull request|issue)\s*#?\s*(?P<knum>\d{2,})\b", re.I)
_SQUASH = re.compile(r"\(#(\d+)\)\s*$")
_MERGE = re.compile(r"^Merge pull request #(\d+) from ")


@dataclass(frozen=True)
class Mention:
    repo: str | None  # None: this repository (a bare #N or PR N); else as written
    number: int


def load(history: str) -> list[dict]:
    with gzip.open(REAL_GIT / f"{history}.jsonl.gz", "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def own_pr(commit: dict) -> int | None:
    m = (_MERGE.match(commit["subject"]) if len(commit["parents"]) > 1 else None) or _SQUASH.search(commit["subject"])
    return int(m[1]) if m else None


def mentions(commit: dict, history: str) -> list[Mention]:
    """Every number the commit's text mentions, once each, its own PR's number (squash or merge) left out."""
    repo, old_names = HISTORIES[history]
    ours = {repo.lower(), *(name.lower() for name in old_names)}
    text = commit["subject"] + "\n" + (commit["body"] or "")
    found: dict[Mention, None] = {}
    for m in _MENTION.finditer(text):
        written = m["urepo"] or m["xrepo"]
        number = int(m["unum"] or m["xnum"] or m["num"] or m["knum"])
        found[Mention(None if not written or written.lower() in ours else written, number)] = None
    own = own_pr(commit)
    return [mention for mention in found if not (mention.repo is None and mention.number == own)]


def draw(history: str, extra: int | None = None, seed: int = SEED) -> list[tuple[dict, list[Mention]]]:
    """The commits to label, newest first: the titled ones, then `extra` drawn from the rest."""
    commits = [(c, mentions(c, history)) for c in load(history)]
    with_mentions = [(c, m) for c, m in commits if m]
    titled = [(c, m) for c, m in with_mentions if _TITLE.search(c["subject"])]
    rest = [(c, m) for c, m in with_mentions if not _TITLE.search(c["subject"])]
    count = EXTRA[history] if extra is None else extra
    picked = {c["sha"] for c, _ in random.Random(seed).sample(rest, min(count, len(rest)))}
    return titled + [(c, m) for c, m in rest if c["sha"] in picked]


def pr_facts(history: str) -> dict[int, datetime]:
    """PR number → when the commit that merged it was committed, as git history knows it."""
    facts = {}
    for commit in load(history):
        if (number := own_pr(commit)) is not None:
            facts.setdefault(number, datetime.fromisoformat(commit["committed_at"]))
    return facts


def show(history: str, extra: int | None, seed: int, part: str | None, sample: int | None = None) -> None:
    chosen = draw(history, extra, seed)
    if sample:  # a second labeller's random share of the draw's mentions, to measure agreement
        picked = set(random.Random(seed + 1).sample([(c["sha"], m) for c, found in chosen for m in found], sample))
        chosen = [(c, kept) for c, found in chosen if (kept := [m for m in found if (c["sha"], m) in picked])]
    if part:
        k, m = (int(x) for x in part.split("/"))
        size = -(-len(chosen) // m)
        chosen = chosen[(k - 1) * size:k * size]
    facts = pr_facts(history)
    repo = HISTORIES[history][0]
    print(f"# {history} ({repo}): {len(chosen)} commits, {sum(len(m) for _, m in chosen)} mentions")
    for commit, found in chosen:
        print("=" * 100)
        print(f"sha {commit['sha'][:12]}  committed {commit['committed_at']}  own PR "
              f"{own_pr(commit) or '-'}  parents {len(commit['parents'])}")
        print(commit["subject"])
        if commit["body"]:
            print(commit["body"].rstrip())
        print("-- mentions to label:")
        for mention in found:
            if mention.repo:
                print(f"   ref {mention.number} ref_repo {mention.repo}")
                continue
            merged = facts.get(mention.number)
            when = datetime.fromisoformat(commit["committed_at"])
            where = ("not a PR merged in this history" if merged is None else
                     f"PR merged {merged:%Y-%m-%d %H:%M %z} ({'before' if merged < when else 'after'} this commit)")
            print(f"   ref {mention.number}: {where}")


def show_prs(history: str, numbers: list[int]) -> None:
    merged = {own_pr(c): c for c in load(history) if own_pr(c) is not None}
    for number in numbers:
        commit = merged.get(number)
        print(f"#{number}: " + (f"{commit['sha'][:12]} {commit['committed_at']} {commit['subject']}" if commit
                                 else "no commit of this history merged it"))


def check(history: str, path: Path) -> int:
    wanted = {(c["sha"][:12], m.number, m.repo) for c, found in draw(history) for m in found}
    seen, problems = set(), []
    for line_number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        label = json.loads(line)
        key = (label.get("sha"), label.get("ref"), label.get("ref_repo"))
        if set(label) - {"history", "sha", "ref", "ref_repo", "relation", "referenced_is"}:
            problems.append(f"line {line_number}: unknown fields {sorted(set(label) - {'history', 'sha', 'ref'})}")
        if label.get("history") != history or label.get("relation") not in RELATIONS \
                or label.get("referenced_is") not in ("earlier", "later"):
            problems.append(f"line {line_number}: history, relation or referenced_is is off: {label}")
        if key in seen:
            problems.append(f"line {line_number}: labelled twice: {key}")
        seen.add(key)
    missing = wanted - seen
    problems += [f"not labelled: sha {sha} ref {ref} ref_repo {ref_repo}" for sha, ref, ref_repo in sorted(
        missing, key=str)]
    for problem in problems:
        print(problem)
    print(f"{history}: {len(seen)} labels, {len(wanted)} drawn mentions, {len(missing)} not labelled, "
          f"{len(seen - wanted)} beyond the draw")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("draw")
    d.add_argument("history", choices=HISTORIES)
    d.add_argument("--extra", type=int)
    d.add_argument("--seed", type=int, default=SEED)
    d.add_argument("--part", help="K/M: the K-th of M equal parts of the draw")
    d.add_argument("--sample", type=int, help="only N of the draw's mentions, at random (a second labelling)")
    c = sub.add_parser("check")
    c.add_argument("history", choices=HISTORIES)
    c.add_argument("labels", nargs="?", type=Path)
    p = sub.add_parser("pr")
    p.add_argument("history", choices=HISTORIES)
    p.add_argument("numbers", nargs="+", type=int)
    args = parser.parse_args()
    if args.command == "pr":
        show_prs(args.history, args.numbers)
        return 0
    if args.command == "draw":
        show(args.history, args.extra, args.seed, args.part, args.sample)
        return 0
    return check(args.history, args.labels or LABELS / f"{args.history}.jsonl")


if __name__ == "__main__":
    sys.exit(main())
