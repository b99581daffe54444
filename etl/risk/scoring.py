"""One run of the risk step, per repo: the versions its cut-offs need (a version already in the warehouse for the
same training rows and method is reused, else trained), then every PR scored by the version in force at its
merge, with its band and top factors. Nothing here touches Dagster."""

from __future__ import annotations

import hashlib
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sklearn
from threadpoolctl import threadpool_limits

from . import walk
from .explain import top_factors
from .training import PRIOR, Version, method_digest, train


@dataclass
class StoredVersion:
    """A version with what identifies it in risk.model_versions."""
    key: str
    repo: str
    cutoff: pd.Timestamp
    version: Version
    data_digest: str
    trained_from: pd.Timestamp | None  # the earliest merge among its training PRs
    trained_through: pd.Timestamp | None  # the latest
    new: bool = False


@dataclass
class RepoResult:
    repo: str
    versions: list[StoredVersion] = field(default_factory=list)
    scores: pd.DataFrame | None = None
    trained: int = 0
    reused: int = 0
    train_seconds: float = 0.0
    score_seconds: float = 0.0


Lookup = Callable[[str, pd.Timestamp, str, str], "StoredVersion | None"]


def data_digest(rows: pd.DataFrame, features: list[str], fallback_rate: float | None) -> str:
    """Of the training rows (their keys, feature values and outcomes, in order), and of the prior a version
    without any falls back to."""
    values = rows[["pr_key", *features, "bug"]].round(6)  # the features SQL rounds too: last bits are noise
    hashed = pd.util.hash_pandas_object(values, index=False).to_numpy()
    extra = "\n".join(features) + ("" if len(rows) else f"\n{fallback_rate}")
    return hashlib.sha256(hashed.tobytes() + extra.encode()).hexdigest()[:16]


def version_key(repo: str, cutoff: pd.Timestamp, algorithm: str, digest: str) -> str:
    return f"{repo}@{cutoff:%Y-%m-%d}.{algorithm}.{digest[:10]}"


def score_repo(repo: str, frame: pd.DataFrame, features: list[str], period: str, stored: Lookup,
               fallback_rate: float | None) -> RepoResult:
    """The repo's versions and scores. `stored` finds a version in the warehouse by (repo, cut-off, data digest,
    method digest); `fallback_rate` is the prior of a repo that knows no outcome yet.

    On one thread: a repo's training sets are thousands of rows, where gradient boosting's OpenMP threads cost
    more than they save (a fit took 1.26 s with them on a busy 2-core machine, 0.025 s without)."""
    with threadpool_limits(1):
        return _score_repo(repo, frame, features, period, stored, fallback_rate)


def _score_repo(repo: str, frame: pd.DataFrame, features: list[str], period: str, stored: Lookup,
                fallback_rate: float | None) -> RepoResult:
    result = RepoResult(repo)
    method = method_digest()
    starts = walk.cutoffs(frame, period)
    index = walk.in_force(frame, starts)
    parts = []
    for position, cutoff in enumerate(starts):
        rows = np.flatnonzero(index == position)
        if not len(rows):
            continue
        started = time.perf_counter()
        training = walk.training_rows(frame, cutoff)
        digest = data_digest(training, features, fallback_rate)
        found = stored(repo, cutoff, digest, method)
        if found is None:
            version = train(training, features, fallback_rate)
            key = version_key(repo, cutoff, version.algorithm, hashlib.sha256(f"{digest}{method}".encode()).hexdigest())
            window = (training["merged_at"].min(), training["merged_at"].max()) if len(training) else (None, None)
            found = StoredVersion(key, repo, cutoff, version, digest, *window, new=True)
            result.trained += 1
        else:
            result.reused += 1
        result.versions.append(found)
        scoring = time.perf_counter()
        result.train_seconds += scoring - started
        parts.append(_scores(found, frame.iloc[rows]))
        result.score_seconds += time.perf_counter() - scoring
    result.scores = pd.concat(parts, ignore_index=True) if parts else None
    return result


def _scores(stored: StoredVersion, prs: pd.DataFrame) -> pd.DataFrame:
    version = stored.version
    scores = version.predict(prs)
    reason = None if version.algorithm != PRIOR else version.reason + f" (as of {stored.cutoff:%Y-%m-%d})"
    return pd.DataFrame({"pr_key": prs["pr_key"].to_numpy(), "repo": stored.repo, "model_version": stored.key,
                         "score": scores, "band": version.band(scores),
                         "top_factors": top_factors(version, prs, scores), "reason": reason})


def pickled(version: Version) -> bytes | None:
    return None if version.pipeline is None else pickle.dumps(version.pipeline, protocol=5)


def library() -> str:
    return f"scikit-learn {sklearn.__version__}"
