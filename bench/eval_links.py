"""How well the link reader types links, measured on text it was not trained on.

- Real commit histories (tests/data/real_git/, text from ../shared/real_git): leave one history out. For each
  history, the reader is trained on the other four and the written sets, then reads the held-out history's
  labelled mentions. Precision and recall per relation, their mean over histories and the pooled figures, beside
  the clause rules alone (the reader before it was trained) as the baseline.
- Written report sentences: each round in tests/data/link_rounds/ read by a reader trained on everything
  written before it (its first reading, replayed), and the written sets as the shipped reader reads them.

A mention counts as read right when its relation and, for revert, regression and follow-up, its direction are
right. As in the warehouse (warehouse/models/intermediate/link_claims.sql), a number the text calls an issue
is an issue unless git history knows it as a PR of the repository; a number git history never merged is no PR
that a revert or a fix could undo (an issue); and of several readings of one number in a text the strongest
stands.

    python bench/eval_links.py [--errors] [--history NAME] [--c C]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import link_training as lt  # noqa: E402
from etl.parsing import link_model, parse_bytes  # noqa: E402

RELATIONS = ("revert", "regression", "follow_up", "reference", "issue")
LINKS = ("revert", "regression", "follow_up")
STRENGTH = {"revert": 0, "regression": 1, "follow_up": 2, "reference": 3}
# What the issue asks of the held-out means: (precision, recall) per relation; None: not asked.
BARS = {"revert": (None, 0.95), "regression": (0.85, 0.75), "follow_up": (0.85, 0.75)}


def predict(example: lt.Example, model: link_model.LinkModel | None) -> tuple[str, str | None]:
    """(relation, referenced_is) the warehouse would store for the example's mention; 'missed' if none."""
    raw = example.raw
    with link_model.using(model):
        if example.source == "report":
            found = [(r.kind, r.relation, r.referenced_is)
                     for r in parse_bytes(lt.report_document(raw["own"], raw["text"], raw["repo"])).references
                     if r.number == example.number and lt._ours(r.repo, raw["repo"])]
        else:
            title, body = (raw["title"], raw["body"]) if "title" in raw else raw["text"].partition("\n")[::2]
            claims, _ = lt.read_commit(title, body, raw["repo"], raw["own"])
            wanted = raw.get("ref_repo")
            found = [(c.ref_kind, c.relation, c.referenced_is) for c in claims if c.ref_number == example.number
                     and (lt._ours(c.ref_repo, raw["repo"]) if wanted is None
                          else (c.ref_repo or "").lower() == wanted.lower())]
    if not found:
        return "missed", None
    as_pr = [f for f in found if f[0] == "pr"]
    if not as_pr or (len(as_pr) < len(found) and not example.known_pr):
        if not example.known_pr:
            return "issue", None  # a number the text calls an issue, and no PR git history knows
        as_pr = [("pr", "reference", "earlier")]
    _, relation, direction = min(as_pr, key=lambda f: STRENGTH[f[1]])
    if example.known_pr is False and relation in ("revert", "regression") and direction == "earlier" \
            and raw.get("ref_repo") is None:
        return "issue", None  # what a fix or a revert undoes was merged: a number history never merged is an issue
    return relation, direction


def score(examples: list[lt.Example], model: link_model.LinkModel | None) -> dict:
    counts: dict[str, Counter] = defaultdict(Counter)
    errors, right, linked_refs = [], 0, Counter()
    for example in examples:
        relation, direction = predict(example, model)
        gold, _, gold_side = example.label.partition(":")
        if gold == "none" and relation == "missed":
            relation = "none"
        ok = relation == gold and (gold not in LINKS or direction == gold_side)
        right += ok
        if gold == "reference":
            linked_refs["all"] += 1
            linked_refs["causal"] += relation in ("revert", "regression")
        if ok:
            counts[gold]["tp"] += 1
        else:
            counts[gold]["fn"] += 1
            counts[relation]["fp"] += 1
            errors.append((example, relation, direction))
    return {
        "examples": len(examples), "accuracy": _ratio(right, len(examples)), "errors": errors,
        "reference_as_causal": _ratio(linked_refs["causal"], linked_refs["all"]),
        **{r: {"precision": _ratio(counts[r]["tp"], counts[r]["tp"] + counts[r]["fp"]),
               "recall": _ratio(counts[r]["tp"], counts[r]["tp"] + counts[r]["fn"]),
               "support": counts[r]["tp"] + counts[r]["fn"], "tp": counts[r]["tp"], "fp": counts[r]["fp"],
               "fn": counts[r]["fn"]} for r in (*RELATIONS, "none")},
    }


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def _fmt(value: float | None) -> str:
    return "  -  " if value is None else f"{value:.2f}"


def written_sets() -> list[lt.Example]:
    return [e for path in lt.WRITTEN for e in lt.written_examples(path)]


def leave_one_history_out(c: float, only: str | None = None) -> dict[str, dict]:
    """Per history: the reader trained without it, and the rules alone, reading its labelled mentions."""
    available = [h for h in lt.HISTORIES if (lt.REAL_LABELS / f"{h}.jsonl").exists()]
    by_history = {h: lt.real_examples(h) for h in available}
    written = written_sets() + [e for path in lt.rounds() for e in lt.written_examples(path)]
    results = {}
    for held_out in available:
        if only and held_out != only:
            continue
        training = written + [e for h in available if h != held_out for e in by_history[h]]
        model = lt.train(training, c=c)
        results[held_out] = {"reader": score(by_history[held_out], model),
                             "rules": score(by_history[held_out], None)}
    return results


def print_history_table(results: dict[str, dict]) -> None:
    print(f"\n{'history':26} {'reader':6} " + " ".join(f"{r[:10]:>10} P    R  " for r in RELATIONS)
          + "  ref→causal  right")
    for name, pair in results.items():
        for who in ("rules", "reader"):
            s = pair[who]
            cells = " ".join(f"{_fmt(s[r]['precision']):>6} {_fmt(s[r]['recall']):>5}({s[r]['support']:>3})"
                             for r in RELATIONS)
            print(f"{name:26} {who:6} {cells}  {_fmt(s['reference_as_causal']):>9}  {_fmt(s['accuracy'])}")
    for who in ("rules", "reader"):
        means = []
        for r in RELATIONS:
            ps = [p[who][r]["precision"] for p in results.values() if p[who][r]["precision"] is not None
                  and p[who][r]["support"]]
            rs = [p[who][r]["recall"] for p in results.values() if p[who][r]["support"]]
            means.append((sum(ps) / len(ps) if ps else None, sum(rs) / len(rs) if rs else None))
        refs = [p[who]["reference_as_causal"] for p in results.values() if p[who]["reference_as_causal"] is not None]
        print(f"{'mean over histories':26} {who:6} " + " ".join(f"{_fmt(p):>6} {_fmt(r):>5}     " for p, r in means)
              + f"  {_fmt(sum(refs) / len(refs) if refs else None):>9}")
        pooled = Counter()
        for p in results.values():
            for r in RELATIONS:
                for k in ("tp", "fp", "fn"):
                    pooled[(r, k)] += p[who][r][k]
        print(f"{'pooled':26} {who:6} " + " ".join(
            f"{_fmt(_ratio(pooled[(r, 'tp')], pooled[(r, 'tp')] + pooled[(r, 'fp')])):>6} "
            f"{_fmt(_ratio(pooled[(r, 'tp')], pooled[(r, 'tp')] + pooled[(r, 'fn')])):>5}     " for r in RELATIONS))


def print_errors(name: str, s: dict) -> None:
    for example, relation, direction in s["errors"]:
        raw = example.raw
        where = f"{raw.get('sha', raw.get('own'))} #{example.number}"
        print(f"- [{name}] {where}: gold {example.label}, read {relation}/{direction}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--errors", action="store_true", help="list the mentions read wrong")
    parser.add_argument("--history", help="only this held-out history")
    parser.add_argument("--c", type=float, default=lt.C, help="the regularisation to train with")
    args = parser.parse_args()
    started = time.perf_counter()
    print(f"link reading ({os.cpu_count()} cores)")
    if not lt.REAL_GIT.is_dir():
        print(f"real histories not found at {lt.REAL_GIT}: only the written sets are measured")
    else:
        results = leave_one_history_out(args.c, args.history)
        print("\nreal commit histories, leave one history out: precision, recall (support) per relation")
        print_history_table(results)
        if args.errors:
            for name, pair in results.items():
                print_errors(name, pair["reader"])
    shipped = link_model.active_model()
    print(f"\nwritten sets, read by the shipped reader ({shipped.version if shipped else 'no model file'})")
    for path in lt.WRITTEN:
        s = score(lt.written_examples(path), shipped)
        print(f"  {path.name:34} {s['examples']:>4} examples, read right {_fmt(s['accuracy'])}; " + ", ".join(
            f"{r} {_fmt(s[r]['precision'])}/{_fmt(s[r]['recall'])}" for r in LINKS))
    earlier = written_sets() + ([e for h in lt.HISTORIES if (lt.REAL_LABELS / f"{h}.jsonl").exists()
                                 for e in lt.real_examples(h)] if lt.REAL_GIT.is_dir() else [])
    for path in lt.rounds():
        examples = lt.written_examples(path)
        s = score(examples, lt.train(earlier, c=args.c))
        print(f"  first reading of {path.name:20} {s['examples']:>4} examples, read right {_fmt(s['accuracy'])}; "
              + ", ".join(f"{r} {_fmt(s[r]['precision'])}/{_fmt(s[r]['recall'])} ({s[r]['support']})"
                          for r in LINKS)
              + f"; reference→causal {_fmt(s['reference_as_causal'])}")
        if args.errors:
            print_errors(path.stem, s)
        earlier += examples
    print(f"\n{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
