import streamlit as st

from dashboards import queries, ui

st.title("Trends")
version = ui.version()
first, last = queries.week_bounds(version)
filters = st.columns([2, 2, 2])
with filters[0]:
    repo = ui.repo_filter(version)
with filters[1]:
    chosen = st.date_input("Merged between", value=(first, last), min_value=first, max_value=last, key="dates",
                           bind="query-params")
with filters[2]:
    module = st.selectbox("Module", [queries.ALL_MODULES, *queries.modules(version, repo)], key="module",
                          bind="query-params")
start, end = (chosen if isinstance(chosen, (tuple, list)) and len(chosen) == 2 else (first, last))

figures = queries.headline(version, repo, start, end, module)
cells = st.columns(5)
cells[0].metric("PRs merged", f"{int(figures['prs']):,}")
cells[1].metric("With a report", f"{int(figures['reports']):,}")
share = figures["share_flagged"]
cells[2].metric("Reports flagged", "–" if share is None else f"{share:.0%}",
                help="Share of reported PRs that carry at least one risk flag.")
cells[3].metric("Regressions fixed", f"{int(figures['regression_fixes']):,}")
days = figures["median_days_to_fix"]
cells[4].metric("Median days to fix", "–" if days is None else f"{days:.1f}",
                help="From the merge of the PR that introduced a regression to the merge of its fix.")

weeks = queries.weekly(version, repo, start, end, module)
st.subheader("Merged PRs by risk level")
st.bar_chart(weeks, x="week", y=["high", "medium", "low", "unknown"], stack=True,
             color=["#d62728", "#ff7f0e", "#2ca02c", "#b0b0b0"], x_label="week", y_label="PRs")
left, right = st.columns(2)
with left:
    st.subheader("Flags by canonical flag")
    flags = queries.weekly_flags(version, repo, start, end, module)
    if flags.empty:
        st.caption("No flagged PRs in this range.")
    else:
        st.bar_chart(flags, x="week", y="prs", color="canonical_flag", stack=True, x_label="week", y_label="PRs")
with right:
    st.subheader("Regression fixes and reverts")
    st.line_chart(weeks, x="week", y=["regression_fixes", "reverts"], x_label="week", y_label="PRs")
