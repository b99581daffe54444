"""Every PR, filtered, sorted and paged: the list a maintainer starts from. Each filter is in the URL."""

import streamlit as st

from dashboards import queries, ui
from etl.user_sql import as_csv  # list columns as JSON arrays, as the SQL page and `pr-atlas sql` write them

PAGE_SIZE = 100
CSV_LIMIT = 200_000
ANY = "any"
YES_NO = {ANY: None, "yes": True, "no": False}

st.title("Pull requests")
version = ui.version()

top = st.columns(4)
with top[0]:
    repo = ui.repo_filter(version)
start = top[1].date_input("Merged from", value=None, key="from", bind="query-params")
end = top[2].date_input("Merged until", value=None, key="until", bind="query-params")
author = top[3].text_input("Author contains", key="author", bind="query-params")
more = st.columns(5)
module = more[0].selectbox("Module", [None, *queries.modules(version, repo)], key="module", bind="query-params",
                           placeholder="any")
flag = more[1].selectbox("Risk flag", [None, *queries.canonical_flags(version)], key="flag", bind="query-params",
                         placeholder="any")
risk = more[2].selectbox("Risk level", [None, *queries.RISK_LEVELS], key="risk", bind="query-params",
                         placeholder="any")
has_report = YES_NO[more[3].selectbox("Has a report", list(YES_NO), key="report", bind="query-params")]
in_chain = YES_NO[more[4].selectbox("In a regression chain", list(YES_NO), key="chain", bind="query-params")]
sort = st.selectbox("Sort by", list(queries.BROWSE_SORTS), key="sort", bind="query-params")

filters = (repo, start or None, end or None, module, flag, risk, has_report, in_chain, author or None)
total = queries.browse_count(version, *filters)
pages = max(1, -(-total // PAGE_SIZE))
page = st.number_input(f"Page (of {pages})", min_value=1, max_value=pages, value=1, key="page",
                       bind="query-params")
shown = queries.browse_prs(version, *filters, sort=sort, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
st.caption(f"{total:,} PR(s) match; showing {len(shown):,} from #{(page - 1) * PAGE_SIZE + 1:,}.")
st.dataframe(ui.link_column(shown), hide_index=True, width="stretch", column_config={
    "page": st.column_config.LinkColumn("PR", display_text=r"pr=(?:[^%]*%2F)*[^%]*%23(\d+)$", width="small"),
    "pr_key": None, "repo": st.column_config.TextColumn("repo", width="small"),
    "number": None, "title": st.column_config.TextColumn("title", width="large"),
    "merged_at": st.column_config.DatetimeColumn("merged (UTC)", format="YYYY-MM-DD HH:mm"),
    "risk_level": "risk", "flags": st.column_config.ListColumn("flags"),
    "has_report": "report", "in_chain": "in a chain"})



def all_matching_as_csv() -> bytes:
    """Built when the button is pressed, not on every render: on 100,000 PRs it is the slow part."""
    return as_csv(queries.browse_prs(version, *filters, sort=sort, limit=CSV_LIMIT)).encode("utf-8")


st.download_button(f"Download all matching PRs (CSV, up to {CSV_LIMIT:,})", all_matching_as_csv, file_name="prs.csv",
                   mime="text/csv", icon=":material/download:")
