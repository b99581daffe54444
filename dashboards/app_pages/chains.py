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

total = queries.chain_count(version, repo)
if total > len(chains):
    st.caption(f"The {len(chains)} longest of {total:,} chains; every PR page links to its own chain.")
st.dataframe(chains, hide_index=True, column_config={
    "chain_id": "chain (first PR)", "member_numbers": "PRs in order", "days_to_fix": "days to fix",
    "first_title": "first PR"})

# options are the chain ids themselves (a bound widget puts its option's text in the URL); a chain linked
# from a PR page is offered even when it is not among the longest
options = chains["chain_id"].tolist()
linked = st.query_params.get("chain")
if linked and linked not in options:
    options.append(linked)
chain_id = st.selectbox("Chain (its first PR)", options, key="chain", bind="query-params")
nodes = queries.chain_nodes(version, chain_id)
edges = queries.chain_edges(version, chain_id)
st.graphviz_chart(graph.chain_dot(nodes, edges))
st.markdown("**Links, with the sentence that makes each**")
for edge in edges.itertuples():
    st.caption(ui.as_text(f"{edge.from_key} → {edge.to_key}: {edge.relation} ({edge.status}; "
                          f"{', '.join(edge.sources)}) “{edge.evidence}”"))

st.markdown("**Members, oldest first**")
for node in nodes.itertuples():
    ui.pr_link(node.pr_key, graph.node_label(node))
