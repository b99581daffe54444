"""Training data and training for the link reader (etl/parsing/link_model.py), shared by `make train-links`
(bench/train_links.py) and `make eval-links` (bench/eval_links.py).

An example is one labelled mention read through the code the warehouse runs: a commit message through the git
and GitHub claim reader, a report sentence through the report parser. While it reads, the reader hands out
the features of every mention (`link_model.capturing`); the features of the labelled number become the
example. Real commit text is read from ../shared/real_git and never stored; labels keep only identifiers
(tests/data/README.md)."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from etl.parsing import link_model, parse_bytes
from etl.parsing.link_model import CLASSES, READER_FILES, LinkModel
from etl.parsing.pr_text import own_number, text_claims
from etl.sources.git_log import pr_reference

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
REAL_GIT = ROOT.parent / "shared" / "real_git"
REAL_LABELS = DATA / "real_git"  # one file a history: tests/data/README.md says how they were labelled
WRITTEN = (DATA / "link_relations.jsonl", DATA / "link_relations_holdout.jsonl",
           *sorted((DATA / "written_commits").glob("*.jsonl")))
ROUNDS = DATA / "link_rounds"
HISTORIES = {"pytorch-ao": "pytorch/ao", "text-generation-inference": "huggingface/text-generation-inference",
             "deepspeed": "deepspeedai/DeepSpeed", "torchtitan": "pytorch/torchtitan", "lightllm": "ModelTC/lightllm"}
# Names a repository went by before (GitHub redirects them): mentions under them are the repository's own.
FORMER_NAMES = {"deepspeedai/DeepSpeed": ("microsoft/DeepSpeed",), "pytorch/ao": ("pytorch-labs/ao",)}
REPORT_REPO = "sgl-project/sglang"
C = 0.5            # inverse regularisation strength (leave-one-history-out: 0.2 to 2 read alike)
MIN_COUNT = 2      # a feature seen fewer times in training carries no weight
REAL_WEIGHT = 2.0  # a mention of a real history counts twice a written one (follow-up precision 0.55 -> 0.61)


@dataclass
class Example:
    """One labelled mention and what the reader saw of it (no features: the reader did not find it)."""
    source: str            # report | git | github
    group: str             # the history it comes from, or the written set
    label: str             # a class of link_model.CLASSES, or issue
    number: int
    known_pr: bool | None  # git history knows the number as a PR of the repository (None: no history)
    features: list[list[str]] = field(default_factory=list)  # one list per time the text mentions it
    raw: dict = field(default_factory=dict)


def label_class(label: dict) -> str:
    relation = label["relation"]
    if relation in ("revert", "regression", "follow_up"):
        return f"{relation}:{label.get('referenced_is') or 'earlier'}"
    return relation


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@cache
def history(name: str) -> dict[str, dict]:
    """A history's commits by their sha's first 12 characters."""
    with gzip.open(REAL_GIT / f"{name}.jsonl.gz", "rt", encoding="utf-8") as lines:
        return {c["sha"][:12]: c for c in map(json.loads, lines)}


@cache
def known_prs(name: str) -> frozenset[int]:
    """The PR numbers git history knows (squash subjects and merge commits), as the warehouse does."""
    return frozenset(number for c in history(name).values()
                     if (number := pr_reference(c["subject"], len(c["parents"]))[0]) is not None)


def _ours(ref_repo: str | None, repo: str) -> bool:
    return ref_repo is None or ref_repo.lower() in {repo.lower(), *(n.lower() for n in FORMER_NAMES.get(repo, ()))}


def read_commit(title: str, body: str, repo: str, own: int | None) -> tuple[list, list]:
    """The claims the reader makes of a commit message, and every mention's features as it read them."""
    with link_model.capturing() as seen:
        claims = text_claims(title, body, repo=repo, own=own)
    return claims, list(seen)


def report_document(own: int, text: str, repo: str = REPORT_REPO) -> bytes:
    """A small report holding a written sentence: a `- PR #N title: ...` bullet under 关联脉络, anything else
    under 功能与动机."""
    section = "关联脉络" if text.lstrip().startswith("- PR #") else "功能与动机"
    return (f"# PR #{own} 完整报告\n\n{repo}\n\n## 执行摘要\n\n- 一句话: 测试。\n\n## {section}\n\n{text}\n").encode()


def real_examples(name: str, labels: Iterable[dict] | None = None) -> list[Example]:
    """The labelled mentions of one history, read from its commits."""
    repo = HISTORIES[name]
    commits = history(name)
    known = known_prs(name)
    examples = []
    for label in labels if labels is not None else load_jsonl(REAL_LABELS / f"{name}.jsonl"):
        commit = commits[label["sha"]]
        own = pr_reference(commit["subject"], len(commit["parents"]))[0] or own_number(commit["body"])
        with link_model.using(None):  # features do not depend on a model; the read is the rules' alone
            _, seen = read_commit(commit["subject"], commit["body"] or "", repo, own)
        wanted_repo = label.get("ref_repo")
        found = [f for r, number, f in seen if number == label["ref"]
                 and (_ours(r, repo) if wanted_repo is None else (r or "").lower() == wanted_repo.lower())]
        examples.append(Example("git", name, label_class(label), label["ref"], label["ref"] in known, found,
                                {**label, "repo": repo, "own": own, "title": commit["subject"],
                                 "body": commit["body"] or "", "ref_repo": wanted_repo}))
    return examples


def written_examples(path: Path, group: str | None = None) -> list[Example]:
    """The project's written examples (report sentences, short commit and PR texts)."""
    examples = []
    for row in load_jsonl(path):
        repo = row.get("repo", REPORT_REPO)
        with link_model.using(None):  # features do not depend on a model; the read is the rules' alone
            if row["source"] == "report":
                with link_model.capturing() as seen:
                    parse_bytes(report_document(row["own"], row["text"], repo))
            else:
                title, _, body = row["text"].partition("\n")
                _, seen = read_commit(title, body, repo, row["own"])
        wanted_repo = row.get("ref_repo")
        found = [f for r, number, f in seen if number == row["ref"]
                 and (_ours(r, repo) if wanted_repo is None else (r or "").lower() == wanted_repo.lower())]
        examples.append(Example(row["source"], group or path.stem, label_class(row), row["ref"], None, found,
                                {**row, "repo": repo}))
    return examples


def rounds() -> list[Path]:
    """The written rounds of report sentences, in the order they were written."""
    return sorted(ROUNDS.glob("round_*.jsonl")) if ROUNDS.is_dir() else []


def label_files() -> list[Path]:
    return sorted([*REAL_LABELS.glob("*.jsonl"), *WRITTEN, *rounds()])


def inputs_digest() -> str:
    """A digest of what a trained model depends on: the labels and the code that makes its features (the model
    file records it; a test fails when they no longer match)."""
    digest = hashlib.sha256()
    for path in [*label_files(), *READER_FILES]:
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def train(examples: list[Example], c: float = C, version: str = "dev") -> LinkModel:
    """A multinomial logistic regression per kind of text (report sentences, commit and PR texts) over the
    examples' features, exported as the reader's weights."""
    parts = {}
    for source in ("report", "text"):
        chosen = [e for e in examples if (e.source == "report") == (source == "report")]
        parts[source] = _fit(chosen, c)
    return LinkModel({"version": version, "classes": list(CLASSES), "parts": parts})


def _fit(examples: list[Example], c: float) -> dict:
    import numpy as np
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    rows, targets, weights = [], [], []
    for example in examples:
        if example.label not in CLASSES:
            continue  # an issue or no link: the text's form and the repository's PRs say that, not the model
        if example.features:  # every place the text names the number, read together (as pr_text does)
            rows.append(dict.fromkeys({f for features in example.features for f in features}, 1))
            targets.append(example.label)
            weights.append(REAL_WEIGHT if example.group in HISTORIES else 1.0)
    counts: dict[str, int] = {}
    for row in rows:
        for feature in row:
            counts[feature] = counts.get(feature, 0) + 1
    kept = [{f: 1 for f in row if counts[f] >= MIN_COUNT or f == "bias"} for row in rows]
    vectorizer = DictVectorizer()
    matrix = vectorizer.fit_transform(kept)
    classes = [c for c in CLASSES if c in set(targets)]
    fit = LogisticRegression(C=c, max_iter=2000, class_weight="balanced", random_state=0)
    fit.fit(matrix, [classes.index(t) for t in targets], sample_weight=weights)
    coef = np.zeros((len(CLASSES), matrix.shape[1]))
    intercept = np.full(len(CLASSES), -30.0)  # a class never seen in training is never read
    for row, cls in enumerate(fit.classes_):
        coef[CLASSES.index(classes[cls])] = fit.coef_[row] if len(fit.classes_) > 2 else (
            fit.coef_[0] if row else -fit.coef_[0])
        intercept[CLASSES.index(classes[cls])] = fit.intercept_[row] if len(fit.classes_) > 2 else 0.0
    kept_weights = {name: [round(float(w), 4) for w in coef[:, j]]
                    for j, name in enumerate(vectorizer.feature_names_) if np.any(np.abs(coef[:, j]) >= 1e-4)}
    return {"intercept": [round(float(b), 4) for b in intercept], "weights": kept_weights}
