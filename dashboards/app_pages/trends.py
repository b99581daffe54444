from datetime import timedelta

import streamlit as st

from dashboards import charts, queries, ui

FIX_KINDS = {"regression_fixes": "fixed a regression", "reverts": "reverted a PR"}
RISK_COLOURS = {"high": "#d62728", "medium": "#ff7f0e", "low": "#2ca02c", "unknown": "#b0b0b0"}

st.title("Trends")
version = ui.version()
scope = ui.scope()
first, last = queries.week_bounds(version)
start, end = scope.start or first, scope.end or last
choices = st.columns(2)
with choices[0]:
    module = ui.url_choice(st.selectbox, "Module", [queries.ALL_MODULES, *queries.modules(version, scope.repo)],
                             "module")
with choices[1]:
    other = ui.period_to_compare(start, end)


def show_headline(figures: dict, before: dict | None) -> None:
    def delta(name: str, scale: float = 1.0):
        if before is None or figures[name] is None or before[name] is None:
            return None
        return round((figures[name] - before[name]) * scale, 1)

    share, days = figures["share_flagged"], figures["median_days_to_fix"]
    cells = st.columns(5)
    cells[0].metric("PRs merged", f"{int(figures['prs']):,}", delta("prs"))
    cells[1].metric("With a report", f"{int(figures['reports']):,}", delta("reports"))
    cells[2].metric("Reports flagged", "–" if share is None else f"{share:.0%}", delta("share_flagged", 100),
                    delta_color="inverse", help="Share of reported PRs that carry at least one risk flag "
                                                "(its change in percentage points).")
    cells[3].metric("Regressions fixed", f"{int(figures['regression_fixes']):,}", delta("regression_fixes"))
    cells[4].metric("Median days to fix", "–" if days is None else f"{days:.1f}", delta("median_days_to_fix"),
                    delta_color="inverse",
                    help="From the merge of the PR that introduced a regression to the merge of its fix.")


figures = queries.headline(version, scope.repo, start, end, module)
before = queries.headline(version, scope.repo, *other, module) if other else None
if other:
    st.caption(f"{ui.period_label(start, end)}, with the change since {ui.period_label(*other)}.")
show_headline(figures, before)

weeks = charts.with_week_labels(queries.weekly(version, scope.repo, start, end, module))
week_starts = dict(zip(weeks["week_label"], weeks["week"].dt.date, strict=True))
flags = queries.weekly_flags(version, scope.repo, start, end, module)


def pick_from(chart_key: str, field: str, widget_key: str, clear: str) -> None:
    """A click on a bar chooses its week and its risk level or flag (and so lists those PRs below)."""
    mark = charts.picked(chart_key)
    if mark:
        value = mark.get(field)
        ui.set_url(week=mark.get("week_label"), **{widget_key: None if value == queries.OTHER_FLAGS else value,
                                                   clear: None})


st.subheader("Merged PRs by risk level")
st.caption("Click a bar to list its PRs below.")
by_risk = weeks.melt(id_vars=["week", "week_label", "week_start"], value_vars=list(RISK_COLOURS),
                     var_name="risk_level", value_name="prs")
st.altair_chart(charts.weekly_stack(by_risk, "risk_level", "risk level", RISK_COLOURS), width="stretch",
                key="risk_weeks", on_select=lambda: pick_from("risk_weeks", "risk_level", "risk", "flag"),
                selection_mode=charts.PICK)
left, right = st.columns(2)
with left:
    st.subheader("Flagged PRs by canonical flag")
    if flags.empty:
        st.caption("No flagged PRs in this range.")
    else:
        st.caption(f"The {queries.TOP_FLAGS} most frequent flags of the range; the rest are summed as “other flags”.")
        st.altair_chart(charts.weekly_stack(charts.with_week_labels(flags), "canonical_flag", "flag"),
                        width="stretch", key="flag_weeks",
                        on_select=lambda: pick_from("flag_weeks", "canonical_flag", "flag", "risk"),
                        selection_mode=charts.PICK)
with right:
    st.subheader("Regression fixes and reverts")
    fixes = weeks.rename(columns=FIX_KINDS).melt(id_vars=["week", "week_label", "week_start"],
                                                 value_vars=list(FIX_KINDS.values()), var_name="kind", value_name="prs")
    colours = dict(zip(FIX_KINDS.values(), ("#9467bd", "#8c564b"), strict=True))
    st.altair_chart(charts.weekly_stack(fixes, "kind", "merged PRs that", colours), width="stretch")

st.subheader("PRs behind the charts")
cells = st.columns(3)
with cells[0]:
    week = ui.url_choice(st.selectbox, "Week", [None, *week_starts], "week", placeholder="any week in the range")
with cells[1]:
    risk = ui.url_choice(st.selectbox, "Risk level", [None, *queries.RISK_LEVELS], "risk", placeholder="any")
with cells[2]:
    flag = ui.url_choice(st.selectbox, "Flag", [None, *queries.canonical_flags(version)], "flag", placeholder="any")
if week or risk or flag:
    monday = week_starts[week] if week else None
    where = ui.Scope(scope.repo, *((monday, monday + timedelta(days=6)) if week else (start, end)))
    what = ", ".join(part for part in (f"week {week}" if week else None, f"{risk} risk" if risk else None,
                                       f"flag {flag}" if flag else None) if part)
    ui.prs_behind(what, where, module=None if module == queries.ALL_MODULES else module, risk=risk,
                  flag=flag)
else:
    st.caption("Click a bar, or choose a week, a risk level or a flag, to list the PRs it counts.")
