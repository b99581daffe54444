"""Precision and recall of the link reading, per relation and per source, with the direction accuracy, on
the project's own labelled examples (tests/data/link_relations.jsonl: Chinese report sentences in the
seeds' layout, English commit and PR texts, and negatives that only look like links), and on mentions in
real commit messages labelled by hand (tests/data/real_git_*.jsonl, the text read from ../shared/real_git;
relation `none` marks a number that is no link of the repository's own: another repository's PR, the
commit's own PR, "attempt #2").

Each example runs through the code the warehouse uses: a report sentence is put in a small report (a
`- PR #N title: ...` bullet under 关联脉络, anything else under 功能与动机) and parsed; a commit or PR text is
read by the git and GitHub claim reader. Offline; prints the figures.

    python bench/eval_links.py [--data FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from etl.parsing import parse_bytes  # noqa: E402
from etl.parsing.pr_text import text_claims  # noqa: E402

TESTS = Path(__file__).resolve().parent.parent / "tests"
DATA = TESTS / "data" / "link_relations.jsonl"
HOLDOUT = TESTS / "data" / "link_relations_holdout.jsonl"
REAL_LABELS = TESTS / "data" / "real_git_labels.jsonl"
# Mentions sampled at random after the rules were written, 30 commits a history in each of three draws (seeds
# 20261201, 777 and 4242, each excluding the ones before), each labelled before the reader's answers were
# looked at.
REAL_HOLDOUT = TESTS / "data" / "real_git_holdout.jsonl"
REAL_GIT = TESTS.parent.parent / "shared" / "real_git"  # others' text: read here, never copied into the project
RELATIONS = ("revert", "regression", "follow_up", "reference", "issue")
REPO = "sgl-project/sglang"
LINKS = ("revert", "regression", "follow_up")  # the relations that have a direction
HISTORY_REPOS = {"pytorch-ao": "pytorch/ao", "text-generation-inference": "huggingface/text-generation-inference"}


def predict(example: dict) -> tuple[str, str | None]:
    """(relation, referenced_is) the warehouse would store for the example's mention; 'missed' if none. A
    label with `ref_repo` counts only what is read as that repository's PR or issue."""
    repo = example.get("repo", REPO)
    if example["source"] == "report":
        section = "关联脉络" if example["text"].lstrip().startswith("- PR #") else "功能与动机"
        document = (f"# PR #{example['own']} 完整报告\n\n{repo}\n\n## 执行摘要\n\n- 一句话: 测试。\n\n"
                    f"## {section}\n\n{example['text']}\n")
        found = [(r.kind, r.relation, r.referenced_is) for r in parse_bytes(document.encode()).references
                 if r.number == example["ref"]]
    else:
        title, _, body = example["text"].partition("\n")
        found = [(c.ref_kind, c.relation, c.referenced_is)
                 for c in text_claims(title, body, repo=repo, own=example["own"])
                 if c.ref_number == example["ref"] and example.get("ref_repo", c.ref_repo) == (c.ref_repo or repo)]
    if not found:
        return "missed", None
    if any(kind == "issue" for kind, _, _ in found):
        return "issue", None  # a number the text calls an issue anywhere is kept as an issue (as the SQL does)
    _, relation, direction = min(found, key=lambda f: RELATIONS.index(f[1]))
    return relation, direction


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def real_examples(labels: Path = REAL_LABELS, histories: Path = REAL_GIT) -> list[dict]:
    """The labelled mentions of real commit messages, their text read from ../shared/real_git (empty when
    that folder is not beside the checkout)."""
    import gzip

    from etl.parsing.pr_text import own_number
    from etl.sources.git_log import pr_reference

    wanted = load(labels)
    commits = {}
    for name in {w["history"] for w in wanted}:
        path = histories / f"{name}.jsonl.gz"
        if not path.exists():
            return []
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                commit = json.loads(line)
                commits[(name, commit["sha"][:12])] = commit
    examples = []
    for label in wanted:
        commit = commits[(label["history"], label["sha"])]
        own = pr_reference(commit["subject"], len(commit["parents"]))[0] or own_number(commit["body"])
        examples.append({**label, "source": "git", "own": own, "repo": HISTORY_REPOS[label["history"]],
                         "text": commit["subject"] + "\n" + (commit["body"] or "")})
    return examples


def evaluate(path: Path | list = DATA) -> dict:
    examples = load(path) if isinstance(path, Path) else path
    scores: dict[str, dict] = {}
    errors = []
    for source in ("report", "git", "github", "all"):
        chosen = [e for e in examples if source in ("all", e["source"])]
        counts: dict[str, Counter] = defaultdict(Counter)
        right_direction = linked = right = 0
        for example in chosen:
            relation, direction = predict(example)
            gold = example["relation"]
            if gold == "none" and relation == "missed":
                relation = "none"  # rightly no link
            right += relation == gold and (gold not in LINKS or direction == example["referenced_is"])
            if relation == gold:
                counts[gold]["tp"] += 1
                if gold in LINKS:
                    linked += 1
                    right_direction += direction == example["referenced_is"]
                    if direction != example["referenced_is"] and source == "all":
                        errors.append((example, relation, direction))
            else:
                counts[gold]["fn"] += 1
                counts[relation]["fp"] += 1
                if source == "all":
                    errors.append((example, relation, direction))
        scores[source] = {
            "examples": len(chosen),
            "accuracy": _ratio(right, len(chosen)),  # relation and direction both right; a negative left alone
            "direction": right_direction / linked if linked else None,
            "negatives": {"right": counts["none"]["tp"], "of": counts["none"]["tp"] + counts["none"]["fn"]},
            **{r: {"precision": _ratio(counts[r]["tp"], counts[r]["tp"] + counts[r]["fp"]),
                   "recall": _ratio(counts[r]["tp"], counts[r]["tp"] + counts[r]["fn"]),
                   "support": counts[r]["tp"] + counts[r]["fn"]} for r in RELATIONS},
        }
    scores["errors"] = errors
    return scores


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="one labelled file instead of the four sets")
    parser.add_argument("--errors", action="store_true", help="list the examples read wrong")
    args = parser.parse_args()
    sets = [(f"{args.data.name}", load(args.data))] if args.data else [
        ("labelled set (tests/data/link_relations.jsonl)", load(DATA)),
        ("second set, written after the rules (link_relations_holdout.jsonl)", load(HOLDOUT)),
        ("real commit messages (real_git_labels.jsonl, text from ../shared/real_git)", real_examples()),
        ("real commit messages sampled after the rules (real_git_holdout.jsonl)", real_examples(REAL_HOLDOUT))]
    print(f"link reading ({os.cpu_count()} cores)")
    for title, examples in sets:
        if not examples:
            print(f"\n{title}: not available")
            continue
        scores = evaluate(examples)
        print(f"\n{title}: {len(examples)} examples")
        print(f"{'source':8} {'relation':11} {'precision':>9} {'recall':>7} {'support':>7}")
        for source in ("report", "git", "github", "all"):
            if not scores[source]["examples"]:
                continue
            for relation in RELATIONS:
                s = scores[source][relation]
                if s["support"] or s["precision"] is not None:
                    print(f"{source:8} {relation:11} {_fmt(s['precision']):>9} {_fmt(s['recall']):>7} "
                          f"{s['support']:>7}")
            print(f"{source:8} {'direction':11} {_fmt(scores[source]['direction']):>9}   (of links read with the "
                  f"right relation)")
            if scores[source]["negatives"]["of"]:
                print(f"{source:8} {'no link':11} {scores[source]['negatives']['right']:>5} of "
                      f"{scores[source]['negatives']['of']} numbers that are no link of the repository's read as none")
        print(f"all examples read right (relation and direction): {_fmt(scores['all']['accuracy'])}")
        if args.errors:
            for example, relation, direction in scores["errors"]:
                print(f"- [{example['source']}] gold {example['relation']}/{example['referenced_is']}, read "
                      f"{relation}/{direction}: {example['text'][:110]!r}")
    return 0


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


if __name__ == "__main__":
    sys.exit(main())
