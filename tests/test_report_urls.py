"""Reports fetched over real HTTP from a local server laid out like the report site."""

import functools
import json
from http.server import SimpleHTTPRequestHandler

import duckdb
import pytest

from etl.pipeline import run_ingest

from .conftest import SAMPLES
from .local_server import QuietHandler, serve_in_background, stop
from .replay_server import Recorded, ReplayServer


@pytest.fixture
def report_site():
    class Site(SimpleHTTPRequestHandler, QuietHandler):
        pass

    server = serve_in_background(functools.partial(Site, directory=str(SAMPLES / "site")))
    yield f"http://127.0.0.1:{server.server_address[1]}"
    stop(server)


def test_reports_by_url_take_identity_from_the_url(report_site, tmp_path):
    db = tmp_path / "w.duckdb"
    url = f"{report_site}/sgl-project/sglang/pull/20978/report.md"  # its header has no PR number
    summary = run_ingest(str(db), locations=[url])
    assert summary.success and summary.parsed == 1
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute("select report_id, identity_source, source_uri, source_url from staging.reports").fetchone()
    assert row == ("sgl-project/sglang#20978", "location", url, url)


def test_an_unreachable_url_is_listed_with_its_reason_and_the_run_goes_on(report_site, tmp_path):
    database = tmp_path / "w.duckdb"
    url = f"{report_site}/no/such/pull/1/report.md"
    summary = run_ingest(str(database), locations=[url])
    assert summary.success and summary.unread == 1 and "1 unread" in summary.line()
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("select source_uri, reason, detail from quarantine").fetchall() == [
            (url, "fetch_failed", "HTTP 404")]


PAGE = SAMPLES / "site/sgl-project/sglang/pull/26304/index.html"
MARKDOWN = SAMPLES / "site/sgl-project/sglang/pull/27333/report.md"


@pytest.fixture
def site_without_markdown():
    """A report site where #26304 has only its web page, #27333 its report.md, and #26999 neither."""
    html = [("Content-Type", "text/html; charset=utf-8"), ("ETag", '"page-26304-v1"')]
    markdown = [("Content-Type", "text/markdown; charset=utf-8"), ("ETag", '"md-27333-v1"')]
    with ReplayServer() as server:
        (server
         .route(r"/site/.*", Recorded(404, [("Content-Type", "text/html")], b"<h1>404</h1>"))
         .route(r"/site/sgl-project/sglang/pull/26304", Recorded(200, html, PAGE.read_bytes()))
         .route(r"/site/sgl-project/sglang/pull/27333/report\.md", Recorded(200, markdown, MARKDOWN.read_bytes())))
        yield server


def test_the_report_site_falls_back_to_the_page_when_report_md_is_missing(site_without_markdown, tmp_path):
    server, db = site_without_markdown, tmp_path / "w.duckdb"
    site = f"{server.base_url}/site"
    first = run_ingest(str(db), locations=[], include_sample=False, report_site=site,
                       report_numbers=[26304, 27333, 26999])
    assert first.success and first.parsed == 2
    # report.md is asked first; only its 404 sends the fetcher to the page, and a report that has it never does
    assert server.paths(r"/site/.*") == ["/site/sgl-project/sglang/pull/26304/report.md",
                                         "/site/sgl-project/sglang/pull/26304",
                                         "/site/sgl-project/sglang/pull/27333/report.md",
                                         "/site/sgl-project/sglang/pull/26999/report.md",
                                         "/site/sgl-project/sglang/pull/26999"]
    with duckdb.connect(str(db), read_only=True) as con:
        # which one was read is the document's location
        page = con.execute("""select source_uri, repo, identity_source, title, author, merged_at::varchar, changed_files,
                                     additions, deletions from staging.reports where pr_number = 26304""").fetchone()
        assert page == (f"{site}/sgl-project/sglang/pull/26304", "sgl-project/sglang", "header",
                        "Fix draft KV slot misalignment in EAGLE extend when page size > 1", "hnyls2002",
                        "2026-05-30 14:12:00", 3, 41, 9)
        assert con.execute("select module_label, status, importance from pr_files where number = 26304 "
                           "order by path").fetchall() == [("推测解码", "modified", "高"), ("推测解码", "modified", "中"),
                                                           ("测试", "modified", "低")]
        assert con.execute("select source_uri from staging.reports where pr_number = 27333").fetchone()[0] == \
            f"{site}/sgl-project/sglang/pull/27333/report.md"
        # the page's sentences name the PR whose regression it fixes: a link like the markdown's
        assert con.execute("select relation from pr_links where from_number = 26230 and to_number = 26304"
                           ).fetchall() == [("regression",)]
        # neither answered: noted under its report.md, asked again next run
        assert con.execute("select url, status from meta.fetch_misses where pr_number = 26999").fetchall() == [
            (f"{site}/sgl-project/sglang/pull/26999/report.md", 404)]
        summary = json.loads(con.execute("select summary from meta.source_runs where source like 'report_site%'"
                                         ).fetchone()[0])
        assert (summary["fetched"], summary["fetched_as_page"], summary["not_published_yet"]) == (2, 1, 1)

    marker = len(server.requests)
    again = run_ingest(str(db), locations=[], include_sample=False, report_site=site,
                       report_numbers=[26304, 27333, 26999])
    assert again.success and again.new_documents == 0 and again.parsed == 0
    asked = {path: headers for path, headers in server.requests[marker:]}
    # the page is asked again conditionally, with the validator it was stored with: a 304 costs nothing
    assert asked["/site/sgl-project/sglang/pull/26304"].get("If-None-Match") == '"page-26304-v1"'
    assert asked["/site/sgl-project/sglang/pull/27333/report.md"].get("If-None-Match") == '"md-27333-v1"'
