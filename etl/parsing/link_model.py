"""The trained link reader: a linear model over the features of etl/parsing/link_features.py, trained by
`make train-links` (bench/train_links.py) on labelled real commit histories and the project's written report
sentences, and stored as a small JSON file beside this module (weights per feature and class, the version, what
it was trained on, and its leave-one-history-out score). Reading is plain Python: sum the weights of the
features present, take the best class. Deterministic, no numeric library at read time, so the parser's worker
processes stay small.

Classes are a relation with the side the other PR is on (`regression:earlier`), or `reference`. Whether a number
is a PR of the repository at all is not the model's to say: the text's form tells it (`issue #N`, a closing
keyword, "attempt #2", the text's own PR), and the warehouse settles it against what git history and GitHub know
of the repository's PRs, so the model reads every mention as if it were a PR's."""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

MODEL_FILE = Path(__file__).with_name("link_model.json")
# The code that reads links: a change to it, or to the model file, changes what every stored claim would be.
READER_FILES = tuple(Path(__file__).with_name(name) for name in (
    "link_features.py", "references.py", "relations.py", "pr_text.py", "link_model.py"))
PR_CLASSES = ("revert:earlier", "revert:later", "regression:earlier", "regression:later", "follow_up:earlier",
              "follow_up:later", "reference")
CLASSES = PR_CLASSES


@dataclass(frozen=True)
class Reading:
    relation: str        # revert | regression | follow_up | reference | none
    referenced_is: str   # earlier | later
    confidence: float    # the model's probability of the relation read


class LinkModel:
    """Weights per kind of text: report sentences (Chinese prose in the reports' layout) and commit or PR texts
    (English, git's and GitHub's forms) share no words, so each has its own. A mention's features say which
    kind of text it stands in (`src:report` or `src:text`)."""

    def __init__(self, document: dict):
        self.version: str = document["version"]
        self.classes: tuple[str, ...] = tuple(document["classes"])
        self.parts: dict[str, tuple[list[float], dict[str, list[float]]]] = {
            source: (part["intercept"], part["weights"]) for source, part in document["parts"].items()}
        self.document = document

    def probabilities(self, features: list[str] | set[str]) -> list[float]:
        intercept, weights = self.parts["report" if "src:report" in features else "text"]
        scores = list(intercept)
        for feature in set(features):
            row = weights.get(feature)
            if row is not None:
                for i, w in enumerate(row):
                    scores[i] += w
        top = max(scores)
        exp = [math.exp(s - top) for s in scores]
        total = sum(exp)
        return [e / total for e in exp]

    def read(self, features: list[str] | set[str]) -> Reading:
        p = self.probabilities(features)
        best = max(range(len(p)), key=lambda i: (p[i], -i))
        relation, _, side = self.classes[best].partition(":")
        return Reading(relation, side or "earlier", round(p[best], 3))


@cache
def _stored() -> LinkModel | None:
    return LinkModel(json.loads(MODEL_FILE.read_text(encoding="utf-8"))) if MODEL_FILE.exists() else None


_active: list[LinkModel | None] = []
# While `capturing`, every mention read appends (its repository, its number, its features) here.
capture: list[tuple[str | None, int, list[str]]] | None = None


def active_model() -> LinkModel | None:
    """The model the reader uses: one set by `using` (training and evaluation), else the stored one."""
    return _active[-1] if _active else _stored()


@contextlib.contextmanager
def using(model: LinkModel | None) -> Iterator[None]:
    """Read with `model` (None: the clause rules alone) inside the block."""
    _active.append(model)
    try:
        yield
    finally:
        _active.pop()


@contextlib.contextmanager
def capturing() -> Iterator[list[tuple[str | None, int, list[str]]]]:
    """The features of every mention read inside the block, in reading order (for training)."""
    global capture
    capture, earlier = [], capture
    try:
        yield capture
    finally:
        capture = earlier


@cache
def reader_version() -> str:
    """A digest of the reading code and the model file: claims read by another version are read again
    (etl/ingest/text_claims.py, and the parse step for reports)."""
    digest = hashlib.sha256()
    for path in (*READER_FILES, MODEL_FILE):
        digest.update(path.name.encode() + b"\0" + (path.read_bytes() if path.exists() else b"") + b"\0")
    return digest.hexdigest()[:12]
