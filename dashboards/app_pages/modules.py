import altair as alt
import streamlit as st

from dashboards import queries, ui

st.title("Module risk")
version = ui.version()
repo = ui.repo_filter(version)
top = st.slider("Modules in the heatmap (most flagged first)", 5, 60, 25, key="top")

matrix = queries.module_flag_matrix(version, repo, top)
if matrix.empty:
    st.caption("No risk flags recorded yet.")
else:
    order = matrix.drop_duplicates("module")["module"].tolist()
    heatmap = alt.Chart(matrix).mark_rect().encode(
        x=alt.X("canonical_flag:N", title="canonical flag", axis=alt.Axis(labelAngle=-40)),
        y=alt.Y("module:N", title=None, sort=order),
        color=alt.Color("prs:Q", title="PRs", scale=alt.Scale(scheme="orangered")),
        tooltip=["module", "canonical_flag", "prs"],
    ).properties(height=max(200, 22 * len(order)))
    st.altair_chart(heatmap, width="stretch")

risk = queries.module_risk(version, repo)
st.subheader("All modules")
st.caption("Click a column header to sort. `% later fixed` is the share of the module's PRs that a later PR "
           "fixed or reverted.")
st.dataframe(risk, hide_index=True, column_config={
    "pct_later_fixed": st.column_config.NumberColumn("% later fixed", format="%.1f %%"),
    "prs": "PRs", "flagged_prs": "flagged", "high_risk_prs": "high", "medium_risk_prs": "medium",
    "low_risk_prs": "low", "regressions_introduced": "introduced a regression", "reverted_prs": "reverted",
    "regressions_fixed": "fixed a regression"})

module = st.selectbox("PRs of module", [None, *risk["module"].drop_duplicates().tolist()], key="module",
                      bind="query-params", placeholder="Choose a module")
if module:
    prs = queries.module_prs(version, repo, module)
    st.caption(f"{len(prs)} PR(s){' (latest 500)' if len(prs) == 500 else ''} touching `{module}`.")
    st.dataframe(ui.link_column(prs), hide_index=True, column_config={
        "page": st.column_config.LinkColumn("PR", display_text=r"pr=(?:[^%]*%2F)*[^%]*%23(\d+)$"),
        "pr_key": None})
