import pandas as pd
import streamlit as st

from dashboards import charts, queries, ui

COUNTS = ("merged_prs", "regressions_introduced", "regressions_fixed")  # the period figures that count PRs
RATES = ("pct_flagged", "median_days_to_fix")

st.title("Module risk")
version = ui.version()
scope = ui.scope()
top = st.slider("Modules in the heatmap (most flagged first)", 5, 60, 25, key="top")
figures = queries.module_figures(version, scope.repo, scope.start, scope.end)


def choose(module: str | None, flag: str | None) -> None:
    ui.set_url(module=module, flag=flag)


def pick_cell() -> None:
    """A heatmap cell chooses its module and flag."""
    mark = charts.picked("heatmap")
    if mark:
        choose(mark.get("module"), mark.get("canonical_flag"))


def pick_row() -> None:
    """A table row chooses its module (any flag)."""
    rows = st.session_state["module_table"]["selection"]["rows"]
    if rows:
        choose(figures["module"].iloc[rows[0]], None)


matrix = queries.module_flag_matrix(version, scope.repo, scope.start, scope.end, top)
if matrix.empty:
    st.caption("No report risk flags recorded for the PRs in scope; the table below still shows each module's "
               "predicted and observed bug rates.")
else:
    st.caption("Click a cell to list the module's PRs that carry the flag.")
    st.altair_chart(charts.heatmap(matrix), width="stretch", key="heatmap", on_select=pick_cell,
                    selection_mode=charts.PICK)

st.subheader("All modules")
st.caption("Select a row to list the module's PRs; click a column header to sort. `% later fixed` is the share of "
           "the module's PRs that a later PR fixed or reverted. `% predicted` is the mean regression-risk score of "
           "its PRs; `% observed`, the share of those whose 90-day outcome is known that introduced a bug.")
ui.data_table(figures, hide_index=True, width="stretch", key="module_table", on_select=pick_row,
              selection_mode="single-row", column_config={
                  "module": st.column_config.TextColumn("module", width="medium", pinned=True),
                  "prs": st.column_config.NumberColumn("PRs", width="small"),
                  "flagged_prs": st.column_config.NumberColumn("flagged", width="small"),
                  "pct_later_fixed": st.column_config.NumberColumn("% later fixed", format="%.1f %%", width="small"),
                  "regressions_introduced": st.column_config.NumberColumn("caused a regression", width="small"),
                  "reverted_prs": st.column_config.NumberColumn("reverted", width="small"),
                  "regressions_fixed": st.column_config.NumberColumn("fixed a regression", width="small"),
                  "median_days_to_fix": st.column_config.NumberColumn("days to fix (median)", width="small"),
                  "pct_predicted": st.column_config.NumberColumn("% predicted", format="%.1f %%", width="small"),
                  "pct_observed": st.column_config.NumberColumn("% observed", format="%.1f %%", width="small"),
                  "prs_with_outcome": st.column_config.NumberColumn("outcome known", width="small"),
                  "high_risk_prs": st.column_config.NumberColumn("high risk", width="small"),
                  "medium_risk_prs": st.column_config.NumberColumn("medium", width="small"),
                  "low_risk_prs": st.column_config.NumberColumn("low", width="small"),
                  "repo": st.column_config.TextColumn("repo", width="small")})

cells = st.columns(2)
with cells[0]:
    module = ui.url_choice(st.selectbox, "PRs of module", [None, *figures["module"].drop_duplicates()], "module",
                             placeholder="Choose a module")
with cells[1]:
    flag = ui.url_choice(st.selectbox, "with flag", [None, *queries.canonical_flags(version)], "flag",
                           placeholder="any flag")
if module:
    ui.prs_behind(f"module {module}" + (f", flag {flag}" if flag else ""), scope, module=module, flag=flag)

st.subheader("Compare two periods")
first, last = queries.week_bounds(version)
start, end = scope.start or first, scope.end or last
other = ui.period_to_compare(start, end)
if other:
    now = queries.period_figures(version, scope.repo, start, end).set_index("module")
    then = queries.period_figures(version, scope.repo, *other).set_index("module")
    both = now.join(then, how="outer", suffixes=("_now", "_then"))
    # a module without PRs in a period counted none there; its share flagged and days to fix are unknown, not 0
    for name in COUNTS:
        both[[f"{name}_now", f"{name}_then"]] = both[[f"{name}_now", f"{name}_then"]].fillna(0)
    for name in (*COUNTS, *RATES):
        both[f"{name}_change"] = both[f"{name}_now"] - both[f"{name}_then"]
    both = both.sort_values("merged_prs_now", ascending=False, na_position="last").reset_index()
    st.caption(f"Per module: {ui.period_label(start, end)} (now) against {ui.period_label(*other)} (then). "
               "“(all)” counts each PR once.")
    labels = {"merged_prs": "merged PRs", "pct_flagged": "% flagged", "regressions_introduced": "caused a regression",
              "regressions_fixed": "fixed a regression", "median_days_to_fix": "days to fix"}
    config = {"module": st.column_config.TextColumn("module", pinned=True)}
    for name, label in labels.items():
        config[f"{name}_now"] = st.column_config.NumberColumn(f"{label} now")
        config[f"{name}_then"] = st.column_config.NumberColumn(f"{label} then")
        config[f"{name}_change"] = st.column_config.NumberColumn(f"{label} change", format="%+.1f"
                                                                if name in ("pct_flagged", "median_days_to_fix")
                                                                else "%+d")
    order = ["module", *(f"{name}_{when}" for name in labels for when in ("now", "then", "change"))]
    ui.data_table(pd.DataFrame(both)[order], hide_index=True, width="stretch", column_config=config)
else:
    st.caption("Choose a period to compare with: the figures of each module then and now, and the change.")
