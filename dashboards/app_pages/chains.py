import streamlit as st

from dashboards import graph, queries, ui

st.title("Regression chains")
st.caption("A chain is a PR, the PR that fixed (or reverted, or followed up) it, the fix of that fix, and so on.")
version = ui.version()
scope = ui.scope()
chains = queries.chains(version, scope.repo, scope.start, scope.end)
if chains.empty:
    st.info("No regression chains in scope: no report links one of these PRs to a later fix, revert or follow-up.")
    st.stop()

total = queries.chain_count(version, scope.repo, scope.start, scope.end)
st.caption(("Select a row to draw its chain. " if len(chains) > 1 else "") +
           (f"The {len(chains)} longest of {total:,} chains; every PR page links to its own chain."
            if total > len(chains) else f"{total:,} chain(s) with a member merged in the range."))


def pick_row() -> None:
    rows = st.session_state["chain_table"]["selection"]["rows"]
    if rows:
        ui.set_url(chain=chains["chain_id"].iloc[rows[0]])


st.dataframe(chains, hide_index=True, width="stretch", key="chain_table", on_select=pick_row,
             selection_mode="single-row", column_config={
                 "chain_id": None,
                 "member_numbers": st.column_config.ListColumn("PRs in order", width="medium"),
                 "first_title": st.column_config.TextColumn("first PR", width="large"),
                 "length": st.column_config.NumberColumn("PRs", width="small"),
                 "days_to_fix": st.column_config.NumberColumn("days to fix", format="%.1f", width="small"),
                 "first_merged_at": st.column_config.DatetimeColumn("first merged", format="YYYY-MM-DD"),
                 "relations": st.column_config.ListColumn("links"), "modules": st.column_config.ListColumn("modules"),
                 "repo": st.column_config.TextColumn("repo", width="small")})

# options are the chain ids themselves (a bound widget puts its option's text in the URL); a chain linked
# from a PR page is offered even when it is not among the longest
options = chains["chain_id"].tolist()
linked = st.query_params.get("chain")
if linked and linked not in options and not queries.chain_nodes(version, linked).empty:
    options.append(linked)
chain_id = ui.url_choice(st.selectbox, "Chain (its first PR)", options, "chain")
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
