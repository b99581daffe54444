import streamlit as st

from dashboards import graph, queries, ui

st.title("Regression chains")
st.caption("A chain is a PR, the PR that fixed (or reverted, or followed up) it, the fix of that fix, and so on.")
version = ui.version()
repo = ui.repo_filter(version)
chains = queries.chains(version, repo)
if chains.empty:
    st.info("No regression chains yet: no report links one PR to a later fix, revert or follow-up.")
    st.stop()

st.dataframe(chains.drop(columns=["member_titles"]), hide_index=True, column_config={
    "chain_id": "chain (first PR)", "member_numbers": "PRs in order", "days_to_fix": "days to fix"})

# options are the chain ids themselves: a bound widget puts its option's text in the URL
chain_id = st.selectbox("Chain (its first PR)", chains["chain_id"].tolist(), key="chain", bind="query-params")
nodes = queries.chain_nodes(version, chain_id)
edges = queries.chain_edges(version, chain_id)
st.graphviz_chart(graph.chain_dot(nodes, edges))

st.markdown("**Members, oldest first**")
for node in nodes.itertuples():
    ui.pr_link(node.pr_key, graph.node_label(node))
