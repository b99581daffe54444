"""Reports fetched over real HTTP from a local server laid out like the report site."""

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import duckdb
import pytest

from etl.pipeline import run_ingest

from .conftest import SAMPLES


@pytest.fixture
def report_site():
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(SAMPLES / "site"))
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


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
