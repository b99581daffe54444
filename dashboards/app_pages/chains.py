import streamlit as st

from dashboards import graph, queries, ui

SHOWN = {"fixes": "with a regression or revert", "all": "all, follow-ups only too"}  # URL value: label
ORDERS = {"recent": "most recent first", "size": "most PRs first", "slowest": "slowest to fix first"}

st.title("Regression chains")
st.caption("A chain is a PR, the PR that fixed (or reverted, or followed up) it, the fix of that fix, and so on.")
version = ui.version()
scope = ui.scope()
choices = st.columns(2)
shown = ui.url_choice(choices[0].selectbox, "Chains", list(SHOWN), "show", format_func=SHOWN.get)
order = ui.url_choice(choices[1].selectbox, "Order", list(ORDERS), "order", format_func=ORDERS.get,
                      help="Most recent: by the latest merge among its PRs. Slowest to fix: by the days from the "
                           "first PR's merge to the merge of the first PR that fixed, reverted or followed it up.")
counts = queries.chain_counts(version, scope.repo, scope.start, scope.end)
chains = queries.chains(version, scope.repo, scope.start, scope.end, shown == "all", order)
follow_ups_only = counts["all"] - counts["with_fix"]
hidden = (f" {follow_ups_only:,} chain(s) of follow-ups only are not listed: choose “{SHOWN['all']}” to see them."
          if shown != "all" and follow_ups_only else "")
if chains.empty:
    st.info("No regression chains in scope: no report links one of these PRs to a later fix, revert or follow-up."
            + hidden)
    st.stop()

total = counts["all"] if shown == "all" else counts["with_fix"]
kind = "" if shown == "all" else f" {SHOWN[shown]}"
in_range = " with a member merged in the chosen range" if scope.start or scope.end else ""
listed = f" (the first {len(chains):,} listed)" if total > len(chains) else ""
st.caption(f"{total:,} chain(s){kind}{in_range}{listed}, {ORDERS[order]}. "
           + ("Select a row to draw its chain. " if len(chains) > 1 else "") + hidden)
chains = chains.assign(first_title=chains["first_title"].fillna(ui.NO_TITLE))


def pick_row() -> None:
    rows = st.session_state["chain_table"]["selection"]["rows"]
    if rows:
        ui.set_url(chain=chains["chain_id"].iloc[rows[0]])


ui.data_table(chains, hide_index=True, width="stretch", key="chain_table", on_select=pick_row,
              selection_mode="single-row", column_config={
                  "chain_id": None,
                  "members": st.column_config.ListColumn("PRs in order", width="medium"),
                  "first_title": st.column_config.TextColumn("first PR", width="large"),
                  "length": st.column_config.NumberColumn("PRs", width="small"),
                  "days_to_fix": st.column_config.NumberColumn("days to fix", format="%.1f", width="small"),
                  "first_merged_at": st.column_config.DatetimeColumn("first merged", format="YYYY-MM-DD"),
                  "last_merged_at": st.column_config.DatetimeColumn("last merged", format="YYYY-MM-DD"),
                  "relations": st.column_config.ListColumn("links"),
                  "modules": st.column_config.ListColumn("modules"),
                  "repo": st.column_config.TextColumn("repo", width="small")})

# options are the chain ids themselves (a bound widget puts its option's text in the URL); a chain linked
# from a PR page is offered even when it is not listed
titles = dict(zip(chains["chain_id"], chains["first_title"], strict=True))
options = chains["chain_id"].tolist()
linked = st.query_params.get("chain")
if linked and linked not in options and not queries.chain_nodes(version, linked).empty:
    options.append(linked)
chain_id = ui.url_choice(st.selectbox, "Chain (its first PR)", options, "chain",
                         format_func=lambda key: f"{key} · {titles[key]}" if key in titles else key)
nodes = queries.chain_nodes(version, chain_id)
edges = queries.chain_edges(version, chain_id)
st.graphviz_chart(graph.chain_dot(nodes, edges))
st.markdown("**Links, with the sentence that makes each**")
for edge in edges.itertuples():
    said = f" “{edge.evidence}”" if ui.present(edge.evidence) else ""
    st.caption(ui.as_text(f"{edge.from_key} → {edge.to_key}: {edge.relation} ({edge.status}; "
                          f"{', '.join(edge.sources)}){said}"))

st.markdown("**Members, oldest first**")
for node in nodes.itertuples():
    ui.pr_link(node.pr_key, graph.node_label(node))
