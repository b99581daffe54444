"""Every dashboard page through Streamlit's AppTest, on the fixture warehouse (tests/dashboard_warehouse.py):
what each page shows, its filters, the PR page for a numbered, an unnumbered and a GitHub-only PR, search,
the SQL page's limits and refusals, the empty warehouse, and new data showing up while the warehouse
itself is locked by a writer."""

from __future__ import annotations

import re
import sys

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import ui
from etl import user_sql
from etl.snapshot import current_snapshot, publish
from etl.user_sql import READER_CONFIG

from .conftest import PROJECT_ROOT
from .dashboard_warehouse import GITHUB_ONLY, HOSTILE, NAMES_IT, ONLY_NAMED, REPO, UNNUMBERED_ONE_LINER

APP = str(PROJECT_ROOT / "dashboards" / "app.py")
PAGES = ("trends", "prs", "modules", "chains", "pr", "search", "sql", "health")


def open_page(page: str, **query) -> AppTest:
    """The page as a new tab opens its address: /<page>?<query>."""
    app = AppTest.from_file(APP, default_timeout=60)
    for name, value in query.items():
        app.query_params[name] = value
    if page != "trends":
        app.switch_page(f"app_pages/{page}.py")
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def texts(app: AppTest) -> str:
    """Everything the page wrote as text, in one string to search, without Markdown's escaping."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        parts += [str(e.value) for e in getattr(app, kind)]
    parts += [e.label for e in app.main.get("page_link")] + [b.label for b in app.button]  # PR page links: buttons
    return "\n".join(parts).replace("\\", "").replace("\u2060", "")


def plain(markdown: str) -> str:
    """What Markdown shows of `markdown` that was escaped as text (ui.as_text): the text itself."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def heading(app: AppTest) -> str:
    return plain(app.title[0].value)


def link_labels(app: AppTest) -> list[str]:
    return [plain(link.label) for link in app.main.get("page_link")]


def metric(app: AppTest, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


@pytest.fixture
def warehouse(dashboard_db, monkeypatch):
    monkeypatch.setenv("PR_ATLAS_DATABASE", str(dashboard_db))
    return dashboard_db


def scalar(database, sql: str, params=()):
    """The expected figure, asked of the warehouse itself (the pages read its snapshot)."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(sql, params).fetchone()[0]
    finally:
        con.close()


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(warehouse, page):
    app = open_page(page)
    assert app.title, "each page has a title"


def test_trends_headline_and_filters(warehouse):
    app = open_page("trends")
    merged = scalar(warehouse, "select count(*) from pull_requests where merged_at is not null")
    assert metric(app, "PRs merged") == f"{merged:,}"
    assert metric(app, "Regressions fixed") != "0"
    assert len(app.get("vega_lite_chart")) == 3

    module = open_page("trends", module="srt/mem_cache")
    in_module = scalar(warehouse, "select count(distinct pr_key) from intermediate.pr_modules join pull_requests "
                                  "using (pr_key) where module = 'srt/mem_cache' and merged_at is not null")
    assert module.selectbox(key="url:module").value == "srt/mem_cache"
    assert metric(module, "PRs merged") == f"{in_module:,}" and in_module < merged

    repo = open_page("trends", repo="flashinfer-ai/flashinfer")
    in_repo = scalar(warehouse, "select count(*) from pull_requests where repo = 'flashinfer-ai/flashinfer' "
                                "and merged_at is not null")
    assert metric(repo, "PRs merged") == str(in_repo) and 0 < in_repo < merged

    # a merge range in the URL (the sidebar's, shared by every page) narrows every figure
    narrow = open_page("trends", **{"from": "2026-05-01", "until": "2026-05-31"})
    in_may = scalar(warehouse, "select count(*) from pull_requests where merged_at >= '2026-04-27' "
                               "and merged_at < '2026-06-01'")
    assert metric(narrow, "PRs merged") == f"{in_may:,}" and 0 < in_may < merged

    # changing a filter in the page changes the figures (the browser test sees the URL follow)
    app.selectbox(key="url:module").set_value("srt/mem_cache").run()
    assert metric(app, "PRs merged") == f"{in_module:,}"


def test_modules_heatmap_table_and_drill_down(warehouse):
    app = open_page("modules")
    assert app.get("vega_lite_chart"), "the module x flag heatmap"
    table = app.dataframe[0].value
    assert {"module", "prs", "flagged_prs", "pct_later_fixed", "median_days_to_fix"} <= set(table.columns)
    all_time = table.set_index(["repo", "module"])["prs"]
    expected = scalar(warehouse, "select prs from module_risk where module = 'srt/mem_cache' and repo = $1", [REPO])
    assert all_time[(REPO, "srt/mem_cache")] == expected, "with no range, the figures are module_risk's"
    app.selectbox(key="url:module").set_value("srt/mem_cache").run()
    prs = app.dataframe[1].value
    assert 23188 in prs["number"].tolist()
    assert prs["page"].str.startswith("./pr?pr=").all()
    assert app.main.get("page_link")[0].proto.page.endswith("prs"), "and a link to all of them"

    # a heatmap cell's module and flag, as its click sets them (the browser test clicks one)
    flag = scalar(warehouse, "select canonical_flag from pr_risk_flags f join pr_modules m using (pr_key) "
                             "where m.module = 'srt/mem_cache' group by all order by count(*) desc limit 1")
    cell = open_page("modules", module="srt/mem_cache", flag=flag)
    expected = scalar(warehouse, "select count(distinct pr_key) from pr_risk_flags f join pr_modules m "
                                 "using (pr_key) where m.module = 'srt/mem_cache' and f.canonical_flag = $1", [flag])
    assert f"{expected:,} PR(s): module srt/mem_cache, flag {flag}" in texts(cell)


def test_modules_over_a_range_and_compared_with_the_period_before(warehouse):
    app = open_page("modules", **{"from": "2026-05-01", "until": "2026-05-31", "vs": "the period before"})
    table = app.dataframe[0].value.set_index(["repo", "module"])
    in_may = scalar(warehouse, "select count(distinct pr_key) from pr_modules join pull_requests p using (pr_key) "
                               "where module = 'srt/mem_cache' and p.repo = $1 and merged_at >= '2026-05-01' "
                               "and merged_at < '2026-06-01'", [REPO])
    assert table["prs"].get((REPO, "srt/mem_cache"), 0) == in_may
    compared = app.dataframe[-1].value.set_index("module")
    before = scalar(warehouse, "select count(distinct pr_key) from pull_requests where merged_at >= '2026-03-31' "
                               "and merged_at < '2026-05-01'")
    now = scalar(warehouse, "select count(distinct pr_key) from pull_requests where merged_at >= '2026-05-01' "
                            "and merged_at < '2026-06-01'")
    assert (compared.loc["(all)", "merged_prs_now"], compared.loc["(all)", "merged_prs_then"]) == (now, before)
    assert compared.loc["(all)", "merged_prs_change"] == now - before
    # a module without PRs then merged none then, but its days to fix then are unknown: no change, not now − 0
    new = compared[(compared["merged_prs_then"] == 0) & compared["median_days_to_fix_now"].notna()]
    assert not new.empty and new["median_days_to_fix_change"].isna().all()
    assert (new["merged_prs_change"] == new["merged_prs_now"]).all()


def test_trends_compares_periods_and_lists_the_prs_of_a_bar(warehouse):
    app = open_page("trends", **{"from": "2026-05-01", "until": "2026-05-31", "vs": "the period before"})
    merged = next(m for m in app.metric if m.label == "PRs merged")
    assert merged.proto.delta, "the change since the period before"
    assert "with the change since 2026-03-31" in texts(app)
    week = open_page("trends", week="2026-W19", risk="low")
    expected = scalar(warehouse, "select count(*) from pull_requests where risk_level = 'low' "
                                 "and merged_at >= '2026-05-04' and merged_at < '2026-05-11'")
    assert f"{expected:,} PR(s): week 2026-W19, low risk" in texts(week)


def test_the_prs_behind_the_fixes_chart_are_listed_and_open_in_the_pr_browser(warehouse):
    merged = ("select {} from pr_module_facts f join pull_requests p using (pr_key) "
              "where f.module = '(all)' and f.{} and p.merged_at is not null")
    fixes = scalar(warehouse, merged.format("count(*)", "fixed_regression"))
    reverts = scalar(warehouse, merged.format("count(*)", "reverted_another"))
    assert fixes and reverts, "the fixture has regression fixes and reverts"
    # Every merged fix, the last week's included: the list covers the charts' whole weeks.
    trends = open_page("trends", fixes="regression")
    assert f"{fixes:,} PR(s): that fixed a regression" in texts(trends)
    link = next(link for link in trends.main.get("page_link") if link.label == "Open in Pull requests")
    assert link.proto.page.endswith("prs") and "fixes=regression" in link.proto.query_string
    browser = open_page("prs", fixes="regression", **{"from": "2026-01-01"})
    assert f"{fixes:,} PR(s) match" in texts(browser)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        numbers = {n for (n,) in con.execute(merged.format("p.number", "fixed_regression")).fetchall()}
    finally:
        con.close()
    assert set(browser.dataframe[0].value["number"]) == numbers
    assert f"{reverts:,} PR(s) match" in texts(open_page("prs", fixes="revert", **{"from": "2026-01-01"}))


def test_unknown_values_in_the_url_are_reported(warehouse):
    app = open_page("prs", repo="nobody/nothing", module="no/such/module", until="yesterday")
    warnings = [w.value for w in app.warning]
    assert any("repo “nobody/nothing”" in w for w in warnings), warnings
    assert any("module “no/such/module”" in w for w in warnings), warnings
    assert any("until “yesterday”, which is not a date" in w for w in warnings), warnings


def test_chains_table_graph_and_links(warehouse):
    app = open_page("chains", order="size")
    chains = app.dataframe[0].value
    assert "sgl-project/sglang#20978" in chains["chain_id"].tolist()
    app.selectbox(key="url:chain").set_value("sgl-project/sglang#23140").run()
    dot = app.get("graphviz_chart")[0].proto.spec
    assert "./pr?pr=sgl-project%2Fsglang%2323188" in dot and "regression" in dot
    assert [label.split()[0] for label in link_labels(app)] == ["#23140", "#23188", "#23251"]


def chain_ids(database, where: str = "true", order: str = "last_merged_at desc nulls last, chain_id") -> list[str]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return [key for (key,) in con.execute(f"select chain_id from regression_chains where {where} order by {order}")
                .fetchall()]
    finally:
        con.close()


FOLLOW_UPS_ONLY = "sgl-project/sglang#25945"  # the fixture's chain of a PR and its follow-up, nothing fixed


def test_chains_with_a_regression_or_revert_by_default_all_on_request(warehouse):
    with_fix = chain_ids(warehouse, "list_has_any(relations, ['regression', 'revert'])")
    app = open_page("chains")
    assert app.dataframe[0].value["chain_id"].tolist() == with_fix, "most recent (latest merge) first"
    assert FOLLOW_UPS_ONLY not in with_fix
    assert "1 chain(s) of follow-ups only are not listed" in texts(app)

    every = open_page("chains", show="all")
    assert every.dataframe[0].value["chain_id"].tolist() == chain_ids(warehouse)
    assert FOLLOW_UPS_ONLY in every.dataframe[0].value["chain_id"].tolist()

    # the choice is the URL's, and choosing sets it
    app.selectbox(key="url:show").set_value("all").run()
    assert app.query_params["show"] == "all" and len(app.dataframe[0].value) == len(every.dataframe[0].value)


@pytest.mark.parametrize(("order", "sql"), [
    ("recent", "last_merged_at desc nulls last, chain_id"),
    ("size", "length desc, last_merged_at desc nulls last, chain_id"),
    ("slowest", "days_to_fix desc nulls last, last_merged_at desc nulls last, chain_id")])
def test_chains_in_the_order_chosen(warehouse, order, sql):
    app = open_page("chains", show="all", order=order)
    assert app.dataframe[0].value["chain_id"].tolist() == chain_ids(warehouse, order=sql)
    assert app.selectbox(key="url:order").value == order
    if order == "slowest":  # a chain without a fix time comes last, not first
        assert app.dataframe[0].value["chain_id"].iloc[-1] == ONLY_NAMED


def test_absent_values_read_as_absent_in_chains(warehouse):
    """A PR without a number, a chain without a fix time, a first PR without a title: none shows as 0, None or
    its key."""
    app = open_page("chains", show="all", chain=ONLY_NAMED)
    table = app.dataframe[0].value.set_index("chain_id")
    assert app.dataframe[0].proto.placeholder == ui.ABSENT, "an empty cell reads as absent, not as None"
    assert list(table.loc["sgl-project/sglang#25145", "members"]) == ["#25145", "#25470", "(no number)"]
    untitled = table.loc[ONLY_NAMED]
    assert untitled["first_title"] == ui.NO_TITLE and pd.isna(untitled["days_to_fix"])
    assert list(untitled["members"]) == ["#1490", f"#{NAMES_IT}"]
    dot = app.get("graphviz_chart")[0].proto.spec
    assert f"#1490 {ui.NO_TITLE}" in dot and f'label="{ONLY_NAMED}' not in dot
    assert link_labels(app)[0] == f"#1490 {ui.NO_TITLE}"
    assert "None" not in texts(app)
    assert heading(open_page("pr", pr=ONLY_NAMED)) == f"#1490 {ui.NO_TITLE}"


@pytest.mark.parametrize("page", PAGES)
def test_every_table_draws_absent_values_as_absent(warehouse, page):
    app = open_page(page, **({"sql_text": "select null as nothing"} if page == "sql" else {}))
    placeholders = {frame.proto.placeholder for frame in app.dataframe}
    assert placeholders <= {ui.ABSENT, "NULL"} and (page != "sql" or "NULL" in placeholders), placeholders


def test_a_pr_without_a_number_reads_so_in_a_list_of_prs(warehouse):
    import pyarrow as pa

    app = open_page("prs", chain="yes")
    shown = pa.ipc.open_stream(app.dataframe[0].proto.arrow_data.styler.display_values).read_all().to_pandas()
    texts_of = dict(zip(shown["pr_key"], shown["page"], strict=True))
    unnumbered = app.dataframe[0].value.loc[lambda frame: frame["number"].isna(), "pr_key"].tolist()
    assert unnumbered and {texts_of[key] for key in unnumbered} == {"(no number)"}
    assert texts_of[f"{REPO}#22598"] == "#22598"


def test_every_query_keeps_few_results_for_a_while():
    """A snapshot's version is in every key: with a bound on entries and on their age, an old snapshot's results
    go instead of piling up (512 a function, kept for ever, before)."""
    from streamlit.runtime.caching.cache_utils import CachedFunc

    from dashboards import queries

    cached = [value for value in vars(queries).values() if isinstance(value, CachedFunc)]
    assert len(cached) > 30
    for query in cached:
        assert 0 < query._info.max_entries <= 128 and query._info.ttl, query._info.display_name


def test_line_counts_leave_out_what_is_unknown():
    assert ui.line_counts(12, 3) == "+12 −3" and ui.line_counts(0, 5, " / ") == "+0 / −5"
    assert ui.line_counts(12, None) == "+12" and ui.line_counts(float("nan"), 4) == "−4"
    assert ui.line_counts(None, pd.NA) == ui.ABSENT


def test_chain_with_an_unnumbered_report_shows_its_one_liner(warehouse):
    app = open_page("chains", chain="sgl-project/sglang#25145")
    dot = app.get("graphviz_chart")[0].proto.spec
    assert "(no number) 修复 rope" in dot and UNNUMBERED_ONE_LINER[-8:] in dot
    assert link_labels(app)[-1] == f"(no number) {UNNUMBERED_ONE_LINER}"


def test_pr_page_numbered(warehouse):
    app = open_page("pr", pr=f"{REPO}#22598")
    page = texts(app)
    assert heading(app).startswith("#22598 [AMD] fix tbo runtime error")
    assert "regression: #20978" in page and "Whole chain (2 PRs)" in page
    assert app.code and "init_cuda_graph_state" in app.code[0].value
    assert "risk: low" in page
    files = app.table[0].value
    assert list(files.columns) == ["file", "module", "lines", "why it matters"]
    assert "python/sglang/srt/layers/attention/aiter_backend.py" in files["file"].str.replace("\\", "").tolist()
    assert metric(app, "Lines").startswith("+")


def test_pr_page_unnumbered_report(warehouse):
    key = scalar(warehouse, "select pr_key from pull_requests where number is null and display_title like '%PD 分离%'")
    app = open_page("pr", pr=key)
    assert heading(app).startswith("(no number) 修复 PD 分离部署下")
    assert "get_cpu_copy" in texts(app)


def test_pr_page_github_only(warehouse):
    app = open_page("pr", pr=str(GITHUB_ONLY))
    page = texts(app)
    assert heading(app) == f"#{GITHUB_ONLY} Warm up the draft model before serving"
    assert "No analysis report for this PR yet" in page
    assert "GitHub review by reviewer-one: APPROVED 2026-06-29" in page
    assert metric(app, "Lines") == "+12 / −3"


def test_pr_page_finds_by_title_words_and_lists_several(warehouse):
    one = open_page("pr", pr="draft model before")
    assert heading(one).startswith(f"#{GITHUB_ONLY}")
    several = open_page("pr", pr="cuda graph")
    assert "PRs match; pick one" in texts(several) and len(several.button) >= 2
    none = open_page("pr", pr="no such title anywhere")
    assert "No PR matches" in texts(none)


def test_report_text_is_shown_as_text(warehouse):
    app = open_page("pr", pr=str(HOSTILE))
    markdown = "\n".join(str(m.value) for m in app.markdown) + app.title[0].value
    # every character that could start a tag, a link or a directive is escaped for Markdown, the title's too
    assert "\\<script\\>alert" in markdown and "<script>" not in markdown
    assert "\\[这个链接\\]\\(javascript\\:alert" in markdown
    assert "\\:red\\[染色\\]" in markdown
    assert not app.get("html")


def test_search_chinese_and_english(warehouse):
    app = open_page("search", q="内存泄漏")
    assert link_labels(app)[0].startswith("#23188")
    snippet = app.get("html")[0].proto.body
    assert "<mark>内存泄漏</mark>" in snippet

    english = open_page("search", q="profiler input_ids")
    assert link_labels(english)[0].startswith("#26061")

    # a snippet is clean text: no Markdown marks, no HTML tags (even escaped), the PR's repo and merge date
    hostile = open_page("search", q="工具调用参数")
    body = hostile.get("html")[0].proto.body
    assert "<mark>工具调用参数</mark>" in body and "img" not in body and "**" not in body and "##" not in body
    assert f"{REPO} · merged 2026-06-28" in texts(hostile)

    # the sidebar's repo and range narrow the results
    assert not open_page("search", q="内存泄漏", until="2020-01-01").main.get("page_link")


def test_sql_page_runs_examples_and_downloads(warehouse):
    app = open_page("sql")
    assert app.text_area(key="sql_text").value in (None, ""), "the box starts empty, examples one click away"
    app.button[0].click().run()
    assert "The box is empty" in texts(app)
    app.selectbox(key="example").set_value("Regression chains, longest first").run()
    assert "regression_chains" in app.text_area(key="sql_text").value
    assert not app.error
    result = app.dataframe[0].value
    assert len(result) == scalar(warehouse, "select count(*) from regression_chains")
    assert app.get("download_button")

    # a shared address runs its query when opened
    shared = open_page("sql", sql_text="select count(*) as n from pull_requests")
    assert shared.dataframe[0].value["n"][0] == scalar(warehouse, "select count(*) from pull_requests")


def test_sql_page_schema_browser_lists_documented_views(warehouse):
    app = open_page("sql")
    listed = [e.label for e in app.expander]
    assert {"pull_requests", "pr_files", "regression_chains", "module_risk", "search_postings"} <= set(listed)
    columns = app.expander[listed.index("pull_requests")].dataframe[0].value.set_index("column")
    assert columns.loc["merged_at", "type"] == "timestamp" and "merge time" in columns.loc["merged_at", "meaning"]
    assert len(columns) == scalar(warehouse, "select count(*) from information_schema.columns "
                                             "where table_name = 'pull_requests' and table_schema = 'main'")


@pytest.mark.parametrize(("sql", "says"), [
    ("select * from read_csv('/etc/passwd')", "files, URLs and extensions are out of reach"),
    ("copy pull_requests to '/tmp/leak.csv'", "COPY is refused"),
    ("attach '/tmp/other.duckdb' as other", "ATTACH is refused"),
    ("install httpfs", "INSTALL and LOAD add extensions"),
    ("set threads = 1", "SET and RESET change settings"),
    ("create table t as select 1", "CREATE is refused"),
    ("select 1; select 2", "One statement at a time"),
])
def test_sql_page_refuses(warehouse, sql, says):
    app = open_page("sql")
    app.text_area(key="sql_text").set_value(sql).run()
    app.button[0].click().run()
    assert app.error and says in plain(app.error[0].value), [e.value for e in app.error]


def test_a_query_in_a_shared_address_cannot_draw_into_the_page(warehouse):
    """An error quotes the query, which the address sets: it is shown as text, not as an image or a link."""
    app = open_page("sql", sql_text="select ![p](http://127.0.0.1:9/pixel.png) [Sign in](http://evil.example)")
    message = app.error[0].value
    assert "![p](" not in message and "[Sign in](" not in message
    assert "![p](http://127.0.0.1:9/pixel.png)" in plain(message)


def test_sql_row_and_time_limits(warehouse):
    con = duckdb.connect(str(current_snapshot(warehouse)), read_only=True, config=READER_CONFIG)
    try:
        limited = user_sql.run(con, "select * from range(100000)", row_limit=1000)
        assert len(limited.frame) == 1000 and limited.truncated
        whole = user_sql.run(con, "select * from pull_requests;", row_limit=1000)
        assert not whole.truncated
        with pytest.raises(user_sql.QueryFailed, match="time limit"):
            user_sql.run(con, "select count(*) from range(100000000) a, range(100000000) b", seconds=0.5)
    finally:
        con.close()


def test_health_page(warehouse):
    app = open_page("health")
    page = texts(app)
    sources = app.dataframe[0].value
    assert {"reports", "github:sgl-project/sglang", "git:sgl-project/sglang", "metrics", "search", "snapshot"} <= set(
        sources.loc[sources["last run (UTC)"].notna(), "source"])
    checks = app.dataframe[2].value
    assert len(checks) >= 15 and "quarantine_is_empty" in checks["check_name"].tolist()
    assert "checks did not pass (0 errors, 1 warnings)" in page
    assert "**FAIL**] quarantine\\_is\\_empty" in "\n".join(m.value for m in app.markdown), "in words, no glyph"
    quarantined = app.dataframe[3].value
    assert len(quarantined) == 4 and set(quarantined["reason"]) >= {"empty", "undecodable"}


@pytest.mark.parametrize("page", PAGES)
def test_empty_warehouse_shows_first_run_message(tmp_path, monkeypatch, page):
    monkeypatch.setenv("PR_ATLAS_DATABASE", str(tmp_path / "nothing_yet.duckdb"))
    app = open_page(page)
    assert "No data yet" in texts(app) and "make demo" in texts(app)


def test_empty_but_initialised_warehouse(tmp_path, monkeypatch):
    database = tmp_path / "fresh.duckdb"
    from etl.db import apply_schema
    con = duckdb.connect(str(database))
    apply_schema(con)
    con.close()
    publish(database)
    monkeypatch.setenv("PR_ATLAS_DATABASE", str(database))
    assert "No data yet" in texts(open_page("trends"))


def test_new_data_shows_while_the_warehouse_is_locked(tmp_path, monkeypatch, dashboard_db):
    """A writer holds the warehouse (as an ingestion does): pages still answer from the snapshot; once a
    newer snapshot is published, the same session shows the new data on its next rerun, no restart."""
    import shutil
    import subprocess

    database = tmp_path / "w.duckdb"
    shutil.copyfile(dashboard_db, database)
    publish(database)
    monkeypatch.setenv("PR_ATLAS_DATABASE", str(database))
    app = open_page("trends")
    before = metric(app, "PRs merged")

    writer = subprocess.Popen([sys.executable, "-c", (
        "import duckdb, sys, time\n"
        f"con = duckdb.connect({str(database)!r})\n"
        "print('locked', flush=True)\n"
        "sys.stdin.readline()\n"
        "con.execute(\"update marts.weekly_trends set prs_merged = prs_merged + 1000 where module = '(all)'\")\n"
        "con.close()\n")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "locked"
        with pytest.raises(duckdb.IOException):
            duckdb.connect(str(database), read_only=True)  # the warehouse itself cannot even be read now
        for page in PAGES:
            open_page(page)  # ... but every page answers
        writer.stdin.write("go\n")
        writer.stdin.flush()
        assert writer.wait(timeout=60) == 0
    finally:
        writer.kill()
    publish(database)
    app.run()
    assert metric(app, "PRs merged") != before


def test_pr_browser_filters_from_the_url_sorts_pages_and_downloads(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        total = con.execute("select count(*) from pull_requests").fetchone()[0]
        expected = {r[0] for r in con.execute(
            "select pr_key from pull_requests where risk_level = 'high' and pr_key in "
            "(select unnest(members) from regression_chains)").fetchall()}
    app = open_page("prs")
    assert not app.exception
    assert f"{total:,} PR(s) match" in texts(app)
    assert len(app.dataframe[0].value) == min(total, 100)

    app = open_page("prs", risk="high", chain="yes", sort="number")
    shown = app.dataframe[0].value
    assert f"{len(expected):,} PR(s) match" in texts(app)
    assert expected and len(shown) == min(len(expected), 100) and set(shown["pr_key"]) <= expected
    assert (shown["risk_level"] == "high").all() and shown["in_chain"].all()
    assert app.download_button[0].label.startswith("Download all matching PRs")
