"""Every PR in scope (the sidebar's repo and merge range), filtered, sorted and paged: the list a maintainer
starts from. Each filter is in the URL."""

import streamlit as st

from dashboards import queries, ui
from etl.user_sql import as_csv  # list columns as JSON arrays, as the SQL page and `pr-atlas sql` write them

PAGE_SIZE = 100
CSV_LIMIT = 200_000
ANY = "any"
YES_NO = {ANY: None, "yes": True, "no": False}

st.title("Pull requests")
version = ui.version()

scope = ui.scope()
waiting = queries.open_prs_by_risk(version, scope.repo)
if not waiting.empty:
    st.subheader("Open PRs: review these first")
    st.caption(f"The {len(waiting)} open PR(s) on GitHub{' in ' + scope.repo if scope.repo else ''} with the "
               "highest predicted regression risk first, with what raised it.")
    ui.pr_table(waiting)
    st.subheader("All PRs")
more = st.columns(7)
module = ui.url_choice(more[0].selectbox, "Module", [None, *queries.modules(version, scope.repo)], "module",
                         placeholder="any")
flag = ui.url_choice(more[1].selectbox, "Risk flag", [None, *queries.canonical_flags(version)], "flag",
                       placeholder="any")
risk = ui.url_choice(more[2].selectbox, "Risk level", [None, *queries.RISK_LEVELS], "risk", placeholder="any")
has_report = YES_NO[ui.url_choice(more[3].selectbox, "Has a report", list(YES_NO), "report")]
in_chain = YES_NO[ui.url_choice(more[4].selectbox, "In a regression chain", list(YES_NO), "chain")]
fixes = ui.url_choice(more[5].selectbox, "Fixed or reverted", [None, *queries.FIXES], "fixes", placeholder="any",
                      format_func=lambda key: queries.FIXES.get(key, str(key)))
author = more[6].text_input("Author contains", key="author", bind="query-params")
sort = ui.url_choice(st.selectbox, "Sort by", list(queries.BROWSE_SORTS), "sort")

filters = queries.PrFilter(repo=scope.repo, start=scope.start, end=scope.end, module=module, flag=flag, risk=risk,
                           has_report=has_report, in_chain=in_chain, author=author or None, fixes=fixes)
total = queries.browse_count(version, filters)
pages = max(1, -(-total // PAGE_SIZE))
page = st.number_input(f"Page (of {pages})", min_value=1, max_value=pages, value=1, key="page",
                       bind="query-params")
shown = queries.browse_prs(version, filters, sort, PAGE_SIZE, (page - 1) * PAGE_SIZE)
st.caption(f"{total:,} PR(s) match; showing {len(shown):,} from #{(page - 1) * PAGE_SIZE + 1:,}.")
ui.pr_table(shown)


def all_matching_as_csv() -> bytes:
    """Built when the button is pressed, not on every render: on 100,000 PRs it is the slow part. Not cached: up to
    CSV_LIMIT rows, read once."""
    return as_csv(queries.matching_prs(version, filters, sort, CSV_LIMIT)).encode("utf-8")


st.download_button(f"Download all matching PRs (CSV, up to {CSV_LIMIT:,})", all_matching_as_csv, file_name="prs.csv",
                   mime="text/csv", icon=":material/download:", on_click="ignore")
