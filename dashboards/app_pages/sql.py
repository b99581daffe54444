import pandas as pd
import streamlit as st

from dashboards import queries, ui
from dashboards.examples import documented_views, example_queries
from dashboards.warehouse import connection
from etl import user_sql

ROW_LIMIT = 10_000
TIME_LIMIT_SECONDS = 10

st.title("SQL")
st.caption(f"Read-only SQL on the warehouse snapshot: the public views listed below (described in "
           f"warehouse/README.md) and the layers beneath. One statement, at most {ROW_LIMIT:,} rows shown and "
           f"{TIME_LIMIT_SECONDS} s per query; files, extensions and settings are out of reach. The query is part "
           f"of the address, so a result can be shared.")
examples = example_queries()
version = ui.version()


def load_example() -> None:
    if st.session_state.get("example"):
        st.session_state["sql_text"] = examples[st.session_state["example"]]


query_side, schema_side = st.columns([3, 1])
with query_side:
    st.selectbox("Example queries", [None, *examples], key="example", on_change=load_example,
                 placeholder="Start from an example: it runs at once")
    sql = st.text_area("Query", key="sql_text", height=180, bind="query-params",
                       placeholder="Type a query, e.g. select * from regression_chains, then press Run")
    run = st.button("Run", type="primary", icon=":material/play_arrow:")
    if run and not sql.strip():
        st.info("The box is empty: type a query or pick an example.")
    # a query in the box runs on Run, and whenever the page opens with one (a shared address)
    elif sql.strip():
        try:
            result = user_sql.run(connection(version), sql, row_limit=ROW_LIMIT, seconds=TIME_LIMIT_SECONDS)
        # the message can quote the query, which a shared address sets: shown as text, like the data
        except user_sql.RefusedQuery as exc:
            st.error(ui.as_text(str(exc)), icon=":material/block:")
        except user_sql.QueryFailed as exc:
            st.error(ui.as_text(str(exc)), icon=":material/error:")
        else:
            more = f" (only the first {ROW_LIMIT:,} are shown)" if result.truncated else ""
            st.caption(f"{len(result.frame):,} rows{more} in {result.seconds * 1000:.0f} ms")
            ui.data_table(result.frame, hide_index=True, placeholder="NULL")  # SQL's own word for it
            st.download_button("Download CSV (lists as JSON arrays)", user_sql.as_csv(result.frame).encode("utf-8"),
                               "pr_atlas_query.csv", mime="text/csv", icon=":material/download:",
                               on_click="ignore")

with schema_side:
    st.markdown("**Public views**")
    columns = queries.view_columns(version)
    for name, view in documented_views().items():
        with st.expander(name):
            st.caption(ui.as_text(view.description))
            present = columns[columns["view"] == name]
            ui.data_table(pd.DataFrame({
                "column": present["column"],
                "type": [view.columns.get(c, (t, ""))[0] or t for c, t in zip(present["column"], present["type"],
                                                                                  strict=True)],
                "meaning": [view.columns.get(c, ("", ""))[1] for c in present["column"]]}),
                hide_index=True, width="stretch")
