from datetime import timedelta

import streamlit as st

from dashboards import charts, queries, ui

FIX_COLUMNS = {"regression_fixes": "regression", "reverts": "revert"}  # weekly counts: the `fixes` they count
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
    cells[2].metric("Reports flagged", ui.ABSENT if share is None else f"{share:.0%}", delta("share_flagged", 100),
                    delta_color="inverse", help="Share of reported PRs that carry at least one risk flag "
                                                "(its change in percentage points).")
    cells[3].metric("Regressions fixed", f"{int(figures['regression_fixes']):,}", delta("regression_fixes"))
    cells[4].metric("Median days to fix", ui.ABSENT if days is None else f"{days:.1f}", delta("median_days_to_fix"),
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


PICKS = ("risk", "flag", "fixes")  # what a click on a bar can choose besides its week; one at a time


def pick_from(chart_key: str, field: str, url_key: str, values: dict | None = None) -> None:
    """A click on a bar chooses its week and its risk level, flag or kind of fix (and so lists those PRs
    below); `values` turns the bar's label into the URL's value."""
    mark = charts.picked(chart_key)
    if mark:
        value = (values or {}).get(mark.get(field), mark.get(field))
        others = dict.fromkeys(key for key in PICKS if key != url_key)
        ui.set_url(week=mark.get("week_label"), **{url_key: None if value == queries.OTHER_FLAGS else value},
                   **others)


st.subheader("Merged PRs by risk level")
st.caption("Click a bar to list its PRs below.")
by_risk = weeks.melt(id_vars=["week", "week_label", "week_start"], value_vars=list(RISK_COLOURS),
                     var_name="risk_level", value_name="prs")
st.altair_chart(charts.weekly_stack(by_risk, "risk_level", "risk level", RISK_COLOURS), width="stretch",
                key="risk_weeks", on_select=lambda: pick_from("risk_weeks", "risk_level", "risk"),
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
                        on_select=lambda: pick_from("flag_weeks", "canonical_flag", "flag"),
                        selection_mode=charts.PICK)
with right:
    st.subheader("Regression fixes and reverts")
    labels = {column: queries.FIXES[kind] for column, kind in FIX_COLUMNS.items()}
    fixes = weeks.rename(columns=labels).melt(id_vars=["week", "week_label", "week_start"],
                                              value_vars=list(labels.values()), var_name="kind", value_name="prs")
    colours = dict(zip(labels.values(), ("#9467bd", "#8c564b"), strict=True))
    by_label = {label: kind for kind, label in queries.FIXES.items()}
    st.altair_chart(charts.weekly_stack(fixes, "kind", "merged PRs that", colours), width="stretch",
                    key="fix_weeks", on_select=lambda: pick_from("fix_weeks", "kind", "fixes", by_label),
                    selection_mode=charts.PICK)

st.subheader("PRs behind the charts")
cells = st.columns(4)
with cells[0]:
    week = ui.url_choice(st.selectbox, "Week", [None, *week_starts], "week", placeholder="any week in the range")
with cells[1]:
    risk = ui.url_choice(st.selectbox, "Risk level", [None, *queries.RISK_LEVELS], "risk", placeholder="any")
with cells[2]:
    flag = ui.url_choice(st.selectbox, "Flag", [None, *queries.canonical_flags(version)], "flag", placeholder="any")
with cells[3]:
    fixed = ui.url_choice(st.selectbox, "Fixed or reverted", [None, *queries.FIXES], "fixes", placeholder="any",
                          format_func=lambda key: queries.FIXES.get(key, str(key)))
if week or risk or flag or fixed:
    monday = week_starts[week] if week else None
    # The charts count whole weeks: so does the list, from the first week's Monday to the last one's Sunday.
    first_day, last_day = (monday, monday) if week else (start, end)
    where = ui.Scope(scope.repo, first_day - timedelta(days=first_day.weekday()),
                     last_day + timedelta(days=6 - last_day.weekday()))
    what = ", ".join(part for part in (f"week {week}" if week else None, f"{risk} risk" if risk else None,
                                       f"flag {flag}" if flag else None,
                                       f"that {queries.FIXES[fixed]}" if fixed else None) if part)
    ui.prs_behind(what, where, module=None if module == queries.ALL_MODULES else module, risk=risk,
                  flag=flag, fixes=fixed)
else:
    st.caption("Click a bar, or choose a week, a risk level, a flag or a kind of fix, to list the PRs it counts.")
