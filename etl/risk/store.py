"""The risk step's reads and writes: the versions it may reuse, and, in one transaction, the new versions, which
versions are in force and the scores that changed (a row is rewritten only when its content changed, so a run
with nothing new writes nothing)."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pandas as pd

from etl.db import transaction, utc_now
from etl.ingest.arrow_rows import RowBuffer

from .scoring import RepoResult, StoredVersion, library, pickled
from .training import Version, method_digest

SCORE_COLUMNS = ["pr_key", "repo", "model_version", "score", "band", "top_factors", "reason"]


def pooled_base_rate(frame: pd.DataFrame) -> float | None:
    """The share of bug-introducing PRs among every PR with a known outcome, all repos together: the prior of a
    repo that knows none yet (None while no repo does)."""
    known = frame["introduced_bug"].dropna()
    return (float(known.sum()) + 0.5) / (len(known) + 1) if len(known) else None


def lookup(con):
    """A function finding a stored version by (repo, cut-off, data digest, method digest), unpickled; None when
    there is none, or when this scikit-learn cannot read it back (it is then trained again)."""
    def find(repo: str, cutoff: pd.Timestamp, data: str, method: str) -> StoredVersion | None:
        row = con.execute("""
            select model_version, algorithm, features, train_prs, train_bugs, base_rate, validation, reason,
                   thresholds, reference, model, trained_from, trained_through, library
            from risk.model_versions
            where repo = ? and cutoff = ? and data_digest = ? and method_digest = ?
            order by trained_at desc limit 1""", [repo, cutoff.to_pydatetime(), data, method]).fetchone()
        if row is None or (row[10] is not None and row[13] != library()):
            return None
        (key, algorithm, features, prs, bugs, base_rate, validation, reason, thresholds, reference, model,
         since, through, _) = row
        try:
            pipeline = pickle.loads(model) if model is not None else None
        except Exception:  # noqa: BLE001 - any failure to read it back means: train it again
            return None
        typical = {name: float("nan") if value is None else value
                   for name, value in json.loads(reference or "{}").items()}
        version = Version(algorithm, list(features), prs, bugs, base_rate, pipeline, typical,
                          json.loads(thresholds or "{}"), json.loads(validation or "{}"), reason)
        return StoredVersion(key, repo, cutoff, version, data, pd.Timestamp(since) if since else None,
                             pd.Timestamp(through) if through else None)
    return find


def save(con, results: list[RepoResult]) -> dict[str, int]:
    """Write what changed; returns counts of versions added and score rows written and removed."""
    now = utc_now()
    versions = RowBuffer("risk.model_versions")
    for result in results:
        for stored in result.versions:
            if stored.new:
                versions.add(**_version_row(stored, now))
    scores = pd.concat([r.scores for r in results if r.scores is not None and len(r.scores)], ignore_index=True) \
        if any(r.scores is not None and len(r.scores) for r in results) else pd.DataFrame(columns=SCORE_COLUMNS)
    in_force = sorted({stored.key for result in results for stored in result.versions})
    before = con.execute(f"select {', '.join(SCORE_COLUMNS)} from risk.pr_scores").df()
    changed, removed = _changes(before, scores)
    with transaction(con):
        added = versions.insert(con, on_conflict="ignore")
        con.execute("update risk.model_versions set in_force = list_contains(?, model_version) "
                    "where in_force <> list_contains(?, model_version)", [in_force, in_force])
        if removed:
            con.execute("delete from risk.pr_scores where list_contains(?, pr_key)", [removed])
        rows = RowBuffer("risk.pr_scores")
        for row in changed.itertuples(index=False):
            values = row._asdict()
            values["score"] = None if pd.isna(values["score"]) else float(values["score"])  # NaN is not null
            rows.add(**values, scored_at=now)
        written = rows.insert(con, on_conflict="replace")
    return {"versions_added": added, "scores_written": written, "scores_removed": len(removed)}


def _changes(before: pd.DataFrame, after: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The rows of `after` that are new or differ from `before`, and the keys `before` has and `after` lacks."""
    def comparable(frame: pd.DataFrame) -> list[tuple]:
        scores = [None if pd.isna(s) else round(float(s), 9) for s in frame["score"]]
        factors = [tuple(f) if f is not None else () for f in frame["top_factors"]]
        reasons = [r if isinstance(r, str) else None for r in frame["reason"]]
        return list(zip(frame["model_version"], scores, frame["band"], factors, reasons, strict=True))
    old = dict(zip(before["pr_key"], comparable(before), strict=True))
    keep = np.array([old.get(key) != value for key, value in zip(after["pr_key"], comparable(after), strict=True)],
                    dtype=bool)
    removed = sorted(set(old) - set(after["pr_key"]))
    return after[keep], removed


def _version_row(stored: StoredVersion, now) -> dict:
    version = stored.version
    typical = {name: None if value != value else value for name, value in version.reference.items()}  # NaN: no JSON
    return {"model_version": stored.key, "repo": stored.repo, "cutoff": stored.cutoff.to_pydatetime(),
            "trained_from": _moment(stored.trained_from), "trained_through": _moment(stored.trained_through),
            "algorithm": version.algorithm, "features": version.features, "train_prs": version.train_prs,
            "train_bugs": version.train_bugs, "base_rate": version.base_rate,
            "validation": json.dumps(version.validation), "reason": version.reason,
            "thresholds": json.dumps(version.thresholds), "reference": json.dumps(typical),
            "model": pickled(version), "data_digest": stored.data_digest, "method_digest": method_digest(),
            "library": library(), "in_force": True, "trained_at": now}



def _moment(value: pd.Timestamp | None):
    return value.to_pydatetime() if value is not None else None
