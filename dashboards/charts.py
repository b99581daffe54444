"""The Altair charts the pages draw: weekly stacked bars, the module × flag heatmap and the risk model's
calibration. Each names its fields in tooltips and axes, labels weeks as ISO weeks, and the first two carry a
point selection named `pick` whose clicked mark the page turns into a list of PRs (read back with `picked`)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from .queries import OTHER_FLAGS

PICK = "pick"


def with_week_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """Adds `week_label` (2026-W18) next to `week` (its Monday): bars per week, labelled per week."""
    weeks = pd.to_datetime(frame["week"])
    iso = weeks.dt.isocalendar()
    return frame.assign(week_label=iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2),
                        week_start=weeks.dt.strftime("%Y-%m-%d"))


def weekly_stack(frame: pd.DataFrame, field: str, title: str, colours: dict[str, str] | None = None) -> alt.Chart:
    """Stacked bars of `prs` per week and `field`; the legend lists every value of `field`."""
    order = list(colours) if colours else sorted(frame[field].unique(), key=lambda v: (v == OTHER_FLAGS, v))
    colour_scale = alt.Scale(domain=order, range=list(colours.values())) if colours else alt.Scale(domain=order)
    pick = alt.selection_point(name=PICK, fields=["week_label", field])
    weeks = frame["week_label"].drop_duplicates().tolist()
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("week_label:O", title="ISO week", sort=weeks,
                axis=alt.Axis(labelAngle=-50, labelOverlap="greedy")),
        y=alt.Y("prs:Q", title="PRs", stack=True),
        color=alt.Color(f"{field}:N", title=title, scale=colour_scale,
                        legend=alt.Legend(orient="top", columns=5, labelLimit=220, symbolLimit=0)),
        order=alt.Order(f"{field}:N"),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.45)),
        tooltip=[alt.Tooltip("week_label:N", title="week"), alt.Tooltip("week_start:N", title="starts"),
                 alt.Tooltip(f"{field}:N", title=title), alt.Tooltip("prs:Q", title="PRs", format=",")],
    ).add_params(pick).properties(height=320)


def heatmap(matrix: pd.DataFrame) -> alt.Chart:
    """Modules (rows, most flagged first) by canonical flag (columns), coloured by PRs; every row and
    column labelled in full."""
    rows = matrix.drop_duplicates("module")["module"].tolist()
    pick = alt.selection_point(name=PICK, fields=["module", "canonical_flag"])
    return alt.Chart(matrix).mark_rect(stroke="white", strokeWidth=1).encode(
        x=alt.X("canonical_flag:N", title="canonical risk flag",
                axis=alt.Axis(labelAngle=-40, labelLimit=260, orient="top", labelOverlap=False)),
        y=alt.Y("module:N", title=None, sort=rows, axis=alt.Axis(labelLimit=320, labelOverlap=False)),
        color=alt.Color("prs:Q", title="flagged PRs", scale=alt.Scale(scheme="orangered")),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.55)),
        tooltip=[alt.Tooltip("module:N", title="module"), alt.Tooltip("canonical_flag:N", title="flag"),
                 alt.Tooltip("prs:Q", title="PRs with this flag", format=","),
                 alt.Tooltip("flagged:Q", title="flagged PRs in the module", format=",")],
    ).add_params(pick).properties(height=alt.Step(24))


def calibration(frame: pd.DataFrame) -> alt.Chart:
    """Per risk band, the mean predicted chance of a bug beside the share of PRs that introduced one (over
    the PRs whose outcome is known): a calibrated model's two bars are alike."""
    long = frame.melt(id_vars=["band", "prs", "bugs"], value_vars=["predicted", "observed"], var_name="measure",
                      value_name="share")
    return alt.Chart(long).mark_bar().encode(
        x=alt.X("band:N", title="risk band", sort=list(frame["band"]), axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("measure:N", sort=["predicted", "observed"]),
        y=alt.Y("share:Q", title="share of PRs that introduced a bug", axis=alt.Axis(format="%")),
        color=alt.Color("measure:N", title=None, sort=["predicted", "observed"],
                        scale=alt.Scale(range=["#4c78a8", "#e45756"]), legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("band:N"), alt.Tooltip("measure:N"), alt.Tooltip("share:Q", format=".1%"),
                 alt.Tooltip("prs:Q", title="PRs with a known outcome", format=","),
                 alt.Tooltip("bugs:Q", title="of which introduced a bug", format=",")],
    ).properties(height=280)


def picked(key: str) -> dict | None:
    """The mark last clicked in the chart drawn with `key` (its fields and values), or None."""
    event = st.session_state.get(key)
    points = (event or {}).get("selection", {}).get(PICK) or []
    return points[0] if points else None
