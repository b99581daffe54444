"""Versions over time: a repo's history is cut at the start of each period (month or quarter); the version of a
cut-off is trained on the PRs whose 90-day outcome was known by then (label_due_at <= cut-off) and scores the
PRs merged from that cut-off to the next. Every PR is thus scored by a model that could have existed when it
merged, never by one that saw its outcome; an open PR is scored by the latest version."""

from __future__ import annotations

import numpy as np
import pandas as pd

PERIODS = {"month": "MS", "quarter": "QS"}
# A version learns from at most this many of the latest PRs with a known outcome: recent history says more of
# what comes next than old history (models decay, McIntosh and Kamei 2018), and training stays bounded on a long
# history (a version of a 20,000-PR repository then trains in well under a second).
WINDOW_PRS = 6000


def cutoffs(frame: pd.DataFrame, period: str) -> list[pd.Timestamp]:
    """The period starts from the one holding the repo's first merge to the one holding its last."""
    merged = frame["merged_at"].dropna()
    if merged.empty:
        return [pd.Timestamp("1970-01-01")]
    first = merged.min().to_period(PERIODS[period][0]).start_time
    return list(pd.date_range(first, merged.max(), freq=PERIODS[period]))


def in_force(frame: pd.DataFrame, starts: list[pd.Timestamp]) -> np.ndarray:
    """The index into `starts` of the version that scores each PR: the latest cut-off at or before its merge;
    an open PR (no merge) gets the last."""
    bounds = np.array(starts, dtype="datetime64[ns]")
    merged = frame["merged_at"].to_numpy(dtype="datetime64[ns]")
    index = np.searchsorted(bounds, merged, side="right") - 1
    return np.where(np.isnat(merged), len(bounds) - 1, np.maximum(index, 0))


def training_rows(frame: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """The latest WINDOW_PRS PRs whose outcome was known at `cutoff`, oldest first, with `bug`: found bad within
    the horizon."""
    known = frame[frame["label_due_at"].notna() & (frame["label_due_at"] <= cutoff)]
    known = known.sort_values(["merged_at", "pr_key"], kind="stable").tail(WINDOW_PRS)
    return known.assign(bug=(known["found_at"].notna() & (known["found_at"] <= known["label_due_at"])).astype(int))
