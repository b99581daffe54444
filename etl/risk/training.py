"""Train one model version of a repo: PRs whose outcome was known by the version's cut-off, two candidates
(logistic regression, gradient boosting) compared on the latest fourth of those PRs after training on the
rest (a time split), the chosen one refitted on all of them. Too few bug-introducing PRs to learn from give
a prior version instead: the repo's base rate, marked as such. Everything is seeded: the same data gives the
same version."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from .features import DIRECTION

SEED = 29
MIN_BUGS = 10  # bug-introducing PRs a version needs before it learns; fewer: the prior
# Bug-introducing PRs the validation fourth needs for the candidates to be compared at all; with fewer, a
# ROC-AUC is too uncertain (standard error about 0.15 with 3) and logistic regression is taken.
MIN_VALIDATION_BUGS = 8
# Gradient boosting must beat logistic regression by this much ROC-AUC on the validation fourth to be chosen:
# it holds few bug-introducing PRs, so a smaller lead is mostly chance, and logistic regression is the
# better calibrated and the steadier over time (bench/eval_risk.py: 0.744 against 0.707 on pytorch/ao, each alone).
BOOSTING_MARGIN = 0.03
VALIDATION_SHARE = 0.25  # the latest fourth of the training PRs, by merge time
BAND_QUANTILES = {"high": 0.9, "medium": 0.6}  # of the training PRs' scores: the top 10% high, the next 30% medium
LOGISTIC = "logistic_regression"
BOOSTING = "gradient_boosting"
PRIOR = "prior"


def _signed_log(values):
    return np.sign(values) * np.log1p(np.abs(values))


def candidates(features: list[str]) -> dict[str, Pipeline]:
    """The two learners, unfitted, both held back hard: a repo knows tens of bug-introducing PRs, not
    thousands. Counts are long-tailed: logistic regression reads their logarithm, with an indicator for each
    unknown value, and a strong penalty (C=0.01 ranked best of 0.1, 0.03, 0.01 and 0.003 on the real histories).
    Gradient boosting reads values as they are, in shallow trees, and may only move the score the way
    features.DIRECTION says where it says one: on so few examples it otherwise learns noise backwards."""
    logistic = make_pipeline(
        SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
        FunctionTransformer(_signed_log),
        StandardScaler(),
        LogisticRegression(C=0.01, max_iter=2000),
    )
    boosting = make_pipeline(HistGradientBoostingClassifier(
        max_iter=100, learning_rate=0.05, max_depth=2, min_samples_leaf=40, l2_regularization=1.0,
        monotonic_cst=[DIRECTION.get(name, 0) for name in features], early_stopping=False, random_state=SEED))
    return {LOGISTIC: logistic, BOOSTING: boosting}


def method_digest() -> str:
    """What identifies the training method: a version trained another way is another version."""
    def plain(value):  # a function by its name: its repr carries a memory address
        return f"{value.__module__}.{value.__qualname__}" if callable(value) and hasattr(value, "__qualname__") \
            else repr(value)

    described = {name: {key: plain(value) for key, value in pipeline.get_params(deep=True).items()
                        if "__" in key}  # the steps' own parameters, not the step objects
                 for name, pipeline in candidates([]).items()}
    described.update(min_bugs=MIN_BUGS, validation=VALIDATION_SHARE, bands=BAND_QUANTILES, seed=SEED,
                     margin=BOOSTING_MARGIN, validation_bugs=MIN_VALIDATION_BUGS)
    return hashlib.sha256(json.dumps(described, sort_keys=True, default=str).encode()).hexdigest()[:12]


@dataclass
class Version:
    """A trained model (or the prior) with what it was trained on and how it was chosen."""
    algorithm: str
    features: list[str]
    train_prs: int
    train_bugs: int
    base_rate: float | None
    pipeline: Pipeline | None = None
    reference: dict[str, float] = field(default_factory=dict)  # the typical value of each feature (its median)
    thresholds: dict[str, float] = field(default_factory=dict)  # band -> the lowest score in it
    validation: dict = field(default_factory=dict)  # candidate -> its figures on the validation fourth
    reason: str = ""

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        if self.pipeline is None:
            return np.full(len(frame), np.nan if self.base_rate is None else self.base_rate)
        return self.pipeline.predict_proba(frame[self.features].to_numpy(dtype=float))[:, 1]

    def band(self, scores: np.ndarray) -> np.ndarray:
        if self.pipeline is None:
            return np.full(len(scores), "unknown", dtype=object)
        return np.where(scores >= self.thresholds["high"], "high",
                        np.where(scores >= self.thresholds["medium"], "medium", "low")).astype(object)


def figures(labels: np.ndarray, scores: np.ndarray) -> dict[str, float | None]:
    """ROC-AUC, PR-AUC and Brier score (ranking figures need both outcomes present)."""
    both = 0 < labels.sum() < len(labels)
    return {"roc_auc": float(roc_auc_score(labels, scores)) if both else None,
            "pr_auc": float(average_precision_score(labels, scores)) if both else None,
            "brier": float(brier_score_loss(labels, scores)) if len(labels) else None,
            "prs": int(len(labels)), "bugs": int(labels.sum())}


def train(train_frame: pd.DataFrame, features: list[str], fallback_rate: float | None,
          only: str | None = None) -> Version:
    """A version from the training PRs (merged_at, the features, and `bug`: their outcome, known), oldest
    first. `fallback_rate` is the prior when the repo knows no outcome at all. `only` names the candidate to
    fit without comparing (bench/eval_risk.py measures each alone)."""
    labels = train_frame["bug"].to_numpy(dtype=int)
    bugs, prs = int(labels.sum()), len(labels)
    base_rate = (bugs + 0.5) / (prs + 1) if prs else fallback_rate
    if bugs < MIN_BUGS or prs - bugs < MIN_BUGS:
        return Version(PRIOR, features, prs, bugs, base_rate,
                       reason=f"{bugs} bug-introducing PR(s) among {prs} with a known outcome: fewer than "
                              f"{MIN_BUGS} to learn from, so the score is the repo's base rate")
    # a feature no training PR has a value of (review figures without GitHub data) is left out of this version
    features = [name for name in features if train_frame[name].notna().any()]
    x = train_frame[features].to_numpy(dtype=float)
    validation, chosen = _compare(x, labels, features) if only is None else ({}, only)
    pipeline = candidates(features)[chosen]
    pipeline.fit(x, labels)
    scores = pipeline.predict_proba(x)[:, 1]
    thresholds = {band: float(np.quantile(scores, q)) for band, q in BAND_QUANTILES.items()}
    reference = {name: float(train_frame[name].median()) for name in features}
    reason = _why(chosen, validation) if only is None else f"{chosen.replace('_', ' ')} alone, as asked"
    return Version(chosen, features, prs, bugs, base_rate, pipeline, reference, thresholds, validation, reason)


def _compare(x: np.ndarray, labels: np.ndarray, features: list[str]) -> tuple[dict, str]:
    """Each candidate trained on the older PRs and scored on the latest VALIDATION_SHARE of them."""
    cut = int(len(labels) * (1 - VALIDATION_SHARE))
    fit_x, fit_y, val_x, val_y = x[:cut], labels[:cut], x[cut:], labels[cut:]
    validation = {}
    if fit_y.sum() < 2 or val_y.sum() < MIN_VALIDATION_BUGS or val_y.sum() == len(val_y):
        return validation, LOGISTIC
    for name, pipeline in candidates(features).items():
        pipeline.fit(fit_x, fit_y)
        validation[name] = figures(val_y, pipeline.predict_proba(val_x)[:, 1])
    lead = validation[BOOSTING]["roc_auc"] - validation[LOGISTIC]["roc_auc"]
    return validation, BOOSTING if lead >= BOOSTING_MARGIN else LOGISTIC


def _why(chosen: str, validation: dict) -> str:
    if not validation:
        return (f"{chosen.replace('_', ' ')}: too few bug-introducing PRs in the latest fourth of the training "
                "data to compare the candidates")
    parts = ", ".join(f"{name.replace('_', ' ')} {v['roc_auc']:.3f}" for name, v in validation.items())
    return (f"{chosen.replace('_', ' ')}: ROC-AUC on the latest fourth of the training PRs {parts} (gradient "
            f"boosting needs a lead of {BOOSTING_MARGIN})")
