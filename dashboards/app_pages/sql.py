import streamlit as st

from dashboards import ui
from dashboards.examples import example_queries
from dashboards.warehouse import connection
from etl import user_sql

ROW_LIMIT = 10_000
TIME_LIMIT_SECONDS = 10

st.title("SQL")
st.caption(f"Read-only SQL on the warehouse snapshot: the public views (`pull_requests`, `pr_files`, "
           f"`regression_chains`, … described in warehouse/README.md) and the layers beneath. One statement, "
           f"at most {ROW_LIMIT:,} rows shown and {TIME_LIMIT_SECONDS} s per query; files, extensions and "
           f"settings are out of reach.")
examples = example_queries()


def load_example() -> None:
    if st.session_state.get("example"):
        st.session_state["sql_text"] = examples[st.session_state["example"]]


st.selectbox("Example queries", [None, *examples], key="example", on_change=load_example,
             placeholder="Start from an example")
sql = st.text_area("Query", key="sql_text", height=180, placeholder="select * from regression_chains",
                   bind="query-params")  # the query is part of the address, so a result can be shared
if st.button("Run", type="primary", icon=":material/play_arrow:") and sql.strip():
    try:
        result = user_sql.run(connection(ui.version()), sql, row_limit=ROW_LIMIT, seconds=TIME_LIMIT_SECONDS)
    except user_sql.RefusedQuery as exc:
        st.error(str(exc), icon=":material/block:")
    except user_sql.QueryFailed as exc:
        st.error(str(exc), icon=":material/error:")
    else:
        more = f" (only the first {ROW_LIMIT:,} are shown)" if result.truncated else ""
        st.caption(f"{len(result.frame):,} rows{more} in {result.seconds * 1000:.0f} ms")
        st.dataframe(result.frame, hide_index=True)
        st.download_button("Download CSV", user_sql.as_csv(result.frame).encode("utf-8"), "pr_atlas_query.csv",
                           mime="text/csv", icon=":material/download:")
