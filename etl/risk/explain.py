"""Why a PR scored what it did: each feature in turn is set back to its typical value (the training PRs'
median) and the PR scored again; the features whose own value raised the score most are its top factors, said
in words. The same for either learner, and cheap enough for every PR: one prediction per feature."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .features import describe
from .training import Version

TOP = 3
MIN_RAISE = 0.002  # a feature must raise the score by this much (0.2 points of probability) to be named


def top_factors(version: Version, frame: pd.DataFrame, scores: np.ndarray) -> list[list[str]]:
    """Up to TOP phrases per PR, the feature that raised its score most first; none for a prior version."""
    if version.pipeline is None or frame.empty:
        return [[] for _ in range(len(frame))]
    x = frame[version.features].to_numpy(dtype=float)
    raises = np.zeros_like(x)
    for column, name in enumerate(version.features):
        typical = version.reference.get(name, float("nan"))
        if typical != typical:  # no training PR had a value: nothing to compare with
            continue
        changed = ~np.isclose(x[:, column], typical, equal_nan=True)
        if not changed.any():
            continue
        moved = x[changed].copy()
        moved[:, column] = typical
        raises[changed, column] = scores[changed] - version.pipeline.predict_proba(moved)[:, 1]
    order = np.argsort(-raises, axis=1, kind="stable")[:, :TOP]
    return [[describe(version.features[c], x[row, c]) for c in order[row] if raises[row, c] >= MIN_RAISE]
            for row in range(len(frame))]
