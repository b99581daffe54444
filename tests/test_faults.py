"""Faults and hostile input: one bad file never stops a run, nothing received is lost, no secret leaves,
and nothing a command starts outlives it. Each test builds its own hostile input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from etl import settings, user_sql
from etl.db import utc_now
from etl.ingest.github_store import GitHubStore
from etl.ingest.parse_reports import store_rows
from etl.ingest.raw_documents import store_documents
from etl.ingest.report_rows import Outcome, rows_of
from etl.parsing import parse_bytes
from etl.pipeline import run_ingest
from etl.snapshot import publish, snapshot_dir
from etl.sources.github import WHOLE_HISTORY, GitHubCollector
from etl.sources.http import FatalHttpError, HttpClient, HttpError, HttpPolicy
from etl.sources.report_files import iter_documents

from . import hostile_reports
from .conftest import PROJECT_ROOT, SAMPLES, run_cli
from .replay_server import FakeClock, Recorded, ReplayServer

TOKEN = "ghp_faultTestTokenThatMustNeverLeaveItsHost01"
REPO = "acme/widgets"


def _warehouse_rows(database: Path, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


# ---- hostile report files --------------------------------------------------------------------------------

def test_thirty_classes_of_hostile_files_load_beside_the_samples_in_one_run(tmp_path):
    folder = tmp_path / "hostile"
    folder.mkdir()
    cases = hostile_reports.build(folder)
    database = tmp_path / "w.duckdb"
    result = subprocess.run([sys.executable, "-m", "etl.cli", "ingest", "--db", str(database), "--reports",
                             str(folder), str(SAMPLES)], capture_output=True, text=True, cwd=PROJECT_ROOT,
                            timeout=600, env={k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Traceback" not in output
    assert len(cases) >= 25

    # every sample reads as it reads alone
    expected_samples = {}
    for path in sorted(SAMPLES.rglob("*")):
        if path.is_file():
            try:
                parse_bytes(path.read_bytes(), str(path))
                expected_samples[str(path.resolve())] = "parsed"
            except ValueError:
                expected_samples[str(path.resolve())] = "quarantined"
    parsed = {r[0] for r in _warehouse_rows(database, "select source_uri from staging.report_versions")}
    quarantined = dict(_warehouse_rows(database, "select source_uri, reason from staging.quarantine"))
    unread = dict(_warehouse_rows(database, "select source_uri, reason from meta.unread_sources"))
    stored = {r[0] for r in _warehouse_rows(database, "select source_uri from raw.documents")}
    for sample, outcome in expected_samples.items():
        assert sample in (parsed if outcome == "parsed" else quarantined), sample

    warnings = dict(_warehouse_rows(database, "select source_uri, warnings from staging.report_versions"))
    for case in cases:
        location = hostile_reports.stored_location(folder, case)
        kind, detail = case.expect
        if kind == "parsed":
            assert location in parsed and location in stored, case.name
            if detail:
                assert any(detail in w for w in warnings[location]), (case.name, warnings[location])
        elif kind == "quarantined":
            assert location in stored and quarantined.get(location) == detail, case.name
        else:
            assert unread.get(location) == detail and location not in stored, (case.name, unread.get(location))
    # nothing from outside the folder was read
    assert not [c for (c,) in _warehouse_rows(database, "select content from raw.documents") if b"root:x:0:0" in c]
    # the HTML page's scripts and styles are not kept as its text
    html = _warehouse_rows(database, "select body_text from staging.report_versions where source_uri like '%page.html'")
    assert html and "hostileScriptText" not in html[0][0] and "secret-style" not in html[0][0]
    # the health page's view lists the unread entries with their reasons
    listed = dict(_warehouse_rows(database, "select source_uri, reason from quarantine where document_id is null"))
    assert listed == unread


def test_every_parser_stage_is_linear_on_pathological_lines(tmp_path):
    """A megabyte of one character on one line, for every character the parser's patterns care about."""
    hostile_reports.build(tmp_path)
    slowest = []
    for case in hostile_reports.CASES:
        path = tmp_path / case.file
        if case.expect[0] != "parsed" or not path.is_file() or path.stat().st_size < 500_000:
            continue
        started = time.perf_counter()
        parse_bytes(path.read_bytes(), str(path))
        slowest.append((time.perf_counter() - started, case.name))
    assert len(slowest) >= 7
    # about 0.1-0.5 s each on the 2-core reference machine; a quadratic stage takes minutes
    assert max(slowest)[0] < 10, sorted(slowest)[-3:]


def test_a_pr_number_beyond_32_bits_is_parsed_with_a_warning_and_the_rest_load(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "huge.md").write_text(hostile_reports.report("2147483648"), encoding="utf-8")
    (folder / "mention.md").write_text(hostile_reports.report("31002", motivation="见 PR #99999999999。"),
                                       encoding="utf-8")
    database = tmp_path / "w.duckdb"
    for _ in range(2):  # and every later run too
        summary = run_ingest(str(database), locations=[str(folder)], include_sample=False)
        assert summary.success, summary.error
    rows = _warehouse_rows(database, "select pr_number, warnings from staging.report_versions order by source_uri")
    assert rows[0][0] is None and any("2147483648" in w and "out of range" in w for w in rows[0][1])
    assert rows[1][0] == 31002
    assert not _warehouse_rows(database, "select 1 from staging.report_references where ref_number > 2147483647")


def test_a_report_whose_rows_cannot_be_stored_is_quarantined_and_the_batch_still_loads(con):
    good, bad = parse_bytes(hostile_reports.report("31101").encode()), parse_bytes(hostile_reports.report("31102").encode())
    bad.title = "a lone surrogate \udcff cannot be stored as text"
    raw = {}
    for doc_id in ("good", "bad"):
        con.execute("insert into raw.documents values (?, ?, 'sha', 1, 'x'::blob, now()::timestamp, null)",
                    [doc_id, f"/{doc_id}.md"])
        raw[doc_id] = {"source_uri": f"/{doc_id}.md", "sha256": "sha", "byte_size": 1, "received_at": utc_now()}
    now = utc_now()
    stored = store_rows(con, rows_of([Outcome("good", report=good), Outcome("bad", report=bad)], raw, now), raw, now)
    assert [reason for _, reason in stored] == [None, "load_error"]
    assert con.execute("select report_id from staging.report_versions").fetchall() == [("sgl-project/sglang#31101",)]
    assert con.execute("select document_id, reason from staging.quarantine").fetchall() == [("bad", "load_error")]


def test_an_unreadable_entry_is_listed_with_its_path_and_the_others_load(con, tmp_path):
    tmp_path = tmp_path / "reports"
    tmp_path.mkdir()
    (tmp_path / "ok.md").write_text(hostile_reports.report("31201"), encoding="utf-8")
    (tmp_path / "dangling.md").symlink_to("nowhere.md")
    os.mkfifo(tmp_path / "pipe.md")
    stats = store_documents(con, iter_documents([str(tmp_path)]))
    assert (stats.documents_read, stats.new_documents, stats.unread) == (1, 1, 2)
    assert dict(con.execute("select reason, source_uri from meta.unread_sources").fetchall()) == {
        "broken_link": str(tmp_path.resolve() / "dangling.md"), "not_a_regular_file": str(tmp_path.resolve() / "pipe.md")}
    # fixed later: read, and no longer listed
    (tmp_path / "nowhere.md").write_text(hostile_reports.report("31202"), encoding="utf-8")
    store_documents(con, iter_documents([str(tmp_path)]))
    assert con.execute("select reason from meta.unread_sources").fetchall() == [("not_a_regular_file",)]


def test_a_link_out_of_the_folder_is_read_only_when_named_itself(con, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "elsewhere.md").write_text(hostile_reports.report("31301"), encoding="utf-8")
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "link.md").symlink_to(outside / "elsewhere.md")
    assert store_documents(con, iter_documents([str(folder)])).new_documents == 0
    assert store_documents(con, iter_documents([str(folder / "link.md")])).new_documents == 1


@pytest.mark.parametrize("cut", [1, 2])
def test_a_report_cut_inside_a_character_keeps_what_is_whole(cut):
    data = hostile_reports.report("31401", motivation="空批次会触发断言。").encode("utf-8")
    report = parse_bytes(data.rstrip(b"\n")[:-cut])
    assert report.pr_number == 31401 and any("multibyte" in w for w in report.warnings)


def test_double_encoded_text_is_repaired_with_a_warning():
    text = hostile_reports.report("31402", title="修复调度器空批次崩溃")
    report = parse_bytes(text.encode("utf-8").decode("latin-1").encode("utf-8"))
    assert report.title == "修复调度器空批次崩溃" and any("twice" in w for w in report.warnings)


def test_an_unclosed_code_fence_ends_at_the_next_heading():
    text = hostile_reports.report("31403").replace("## 风险与影响", "## 关键源码片段\n\na/b.py\n\n```python\nx = 1\n\n## 风险与影响")
    report = parse_bytes(text.encode())
    assert report.risk_flags == ["核心路径变更"] and "risks" in report.sections_found
    assert any("unclosed code fence" in w for w in report.warnings)


def test_dates_that_cannot_be_and_numbers_that_disagree_are_warned_about():
    impossible = parse_bytes(hostile_reports.report("31404").replace("2026-05-02 10:00", "2026-13-45 99:99").encode())
    far = parse_bytes(hostile_reports.report("31405").replace("2026-05-02 10:00", "9999-12-31").encode())
    assert impossible.merged_at is None and any("merge time" in w for w in impossible.warnings)
    assert far.merged_at is None and any("9999-12-31" in w for w in far.warnings)
    moved = parse_bytes(hostile_reports.report("31406").encode(), "/x/sgl-project/sglang/pull/31407/report.md")
    assert moved.pr_number == 31406 and any("disagree" in w and "31407" in w for w in moved.warnings)


def test_pr_atlas_parse_prints_the_warnings(tmp_path):
    path = tmp_path / "cut.md"
    path.write_bytes(hostile_reports.report("31408").encode("utf-8")[:-3])
    record = json.loads(run_cli("parse", str(path), "--format", "json").stdout)
    assert any("multibyte" in w for w in record["warnings"])


# ---- the GitHub token and errors ---------------------------------------------------------------------------

def test_the_token_goes_only_to_the_api_host_whatever_the_link_or_redirect_says():
    with ReplayServer() as api, ReplayServer() as other:
        other.route(r"/.*", Recorded.json([]))
        api.route(r"/linked", Recorded.json([], headers=[("Link", f'<{other.base_url}/next-page>; rel="next"')]))
        api.route(r"/moved", Recorded(302, [("Location", f"{other.base_url}/moved-here")], b""))
        client = HttpClient(token=TOKEN, token_url=api.base_url, clock=FakeClock())
        from etl.sources.http import next_link

        first = client.get(f"{api.base_url}/linked")
        client.get(next_link(first.headers))
        client.get(f"{api.base_url}/moved")
        client.get(f"{other.base_url}/payload-url")
    assert all(h.get("Authorization") == f"Bearer {TOKEN}" for _, h in api.requests)
    assert len(other.requests) == 3 and not any("Authorization" in h for _, h in other.requests)


def test_an_error_that_echoes_the_token_is_scrubbed_everywhere(tmp_path, monkeypatch):
    echo = Recorded.json({"message": f"Bad credentials for header 'Authorization: Bearer {TOKEN}'"}, status=401)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    (tmp_path / "dagster").mkdir()
    with ReplayServer() as api:
        api.route(r"/.*", echo)
        summary = run_ingest(str(tmp_path / "w.duckdb"), locations=[], github_repos=[REPO],
                             github_api_url=api.base_url)
    assert not summary.success and "401" in summary.error and TOKEN not in summary.error
    leaked = [str(p) for p in tmp_path.rglob("*") if p.is_file() and TOKEN.encode() in p.read_bytes()]
    assert not leaked, f"the token reached {leaked}"


@pytest.mark.parametrize("status,message", [(401, "Bad credentials"), (403, "Resource not accessible by token")])
def test_bad_credentials_fail_at_once_with_one_clear_line(tmp_path, status, message):
    with ReplayServer() as api:
        api.route(r"/.*", Recorded.json({"message": message}, status=status))
        started = time.monotonic()
        summary = run_ingest(str(tmp_path / "w.duckdb"), locations=[], github_repos=[REPO],
                             github_api_url=api.base_url)
        requests_made = len(api.requests)
    assert not summary.success and f"HTTP {status}" in summary.error and message in summary.error
    assert "\n" not in summary.error
    assert requests_made == 1  # no retry of the request, none of the step, no other window
    assert time.monotonic() - started < 60  # the step retry policy would wait 30 s, then 60, then 120


def test_a_host_that_refuses_connections_fails_at_once(tmp_path):
    from tests.local_server import free_port

    closed = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    summary = run_ingest(str(tmp_path / "w.duckdb"), locations=[], github_repos=[REPO], github_api_url=closed)
    assert not summary.success and "refuses connections" in summary.error
    assert time.monotonic() - started < 60
    with pytest.raises(FatalHttpError, match="refuses connections"):
        HttpClient(clock=FakeClock()).get(f"{closed}/x")


def test_server_errors_are_still_retried_and_are_not_fatal():
    with ReplayServer() as api:
        api.route(r"/.*", Recorded.json({"message": "Server Error"}, status=502))
        clock = FakeClock()
        with pytest.raises(HttpError) as failure:
            HttpClient(clock=clock, policy=HttpPolicy(max_retries=2)).get(f"{api.base_url}/x")
    assert not isinstance(failure.value, FatalHttpError) and len(api.requests) == 3 and len(clock.sleeps) == 2


def _pull(number: int, updated: str) -> dict:
    return {"number": number, "title": f"PR {number}", "state": "closed", "updated_at": updated,
            "created_at": updated, "merged_at": updated, "user": {"login": "someone", "type": "User"}}


def test_a_missing_review_list_keeps_the_pr_and_its_files_and_is_asked_again(con):
    pulls = [_pull(n, f"2026-03-{n:02d}T10:00:00Z") for n in (9, 8, 7)]
    files = Recorded.json([{"filename": "a.py", "status": "modified", "additions": 3, "deletions": 1}])
    with ReplayServer() as api:
        # later routes win: the general ones first
        api.route(rf"/repos/{REPO}/pulls/\d+/(reviews|comments).*", Recorded.json([]))
        api.route(rf"/repos/{REPO}/pulls/\d+/files.*", files)
        api.route(rf"/repos/{REPO}/pulls\?.*", Recorded.json(pulls))
        api.route(rf"/repos/{REPO}/pulls/9", Recorded.json(pulls[0]))
        api.route(rf"/repos/{REPO}/pulls/9/reviews.*", Recorded.json({"message": "Not Found"}, status=404),
                  Recorded.json([{"id": 1, "state": "APPROVED", "user": {"login": "r"}}]))
        store, collector = GitHubStore(con), GitHubCollector(HttpClient(clock=FakeClock()), api.base_url)
        first = store.load(collector.collect(REPO, WHOLE_HISTORY, state=store))
        kept = con.execute("select count(*) from staging.github_pulls").fetchone()[0]
        file_rows = con.execute("select count(*) from staging.github_files").fetchone()[0]
        missing = con.execute("select pr_number, url from meta.fetch_misses").fetchall()
        second = store.load(collector.collect(REPO, WHOLE_HISTORY, state=store))
    assert (first.prs_loaded, first.prs_incomplete, kept, file_rows) == (3, 1, 3, 3)
    assert missing == [(9, f"{api.base_url}/repos/{REPO}/pulls/9/reviews?per_page=100")]
    assert second.prs_completed == 1
    assert con.execute("select count(*) from meta.fetch_misses").fetchone()[0] == 0
    assert con.execute("select reviewer from staging.github_reviews where number = 9").fetchall() == [("r",)]


# ---- ad-hoc SQL: one guard for the command line and the page ----------------------------------------------

REFUSED = [
    "select * from read_csv('/etc/passwd')",
    "select * from glob('/etc/*')",
    "copy (select 1) to '/tmp/pr_atlas_copy_test.csv'",
    "select 1; copy (select 1) to '/tmp/pr_atlas_copy_test.csv'",
    "attach '/tmp/pr_atlas_attach_test.duckdb' as other (read_only false)",
    "export database '/tmp/pr_atlas_export_test'",
    "set memory_limit = '100GB'",
    "explain analyze copy (select 1) to '/tmp/pr_atlas_copy_test.csv'",
    "pragma database_list",
    "select * from pragma_database_list()",
    "select * from duckdb_databases()",
    "select * from duckdb_settings()",
    "select current_setting('temp_directory')",
    "create table x as select 1",
]


@pytest.fixture(scope="module")
def snapshot_file(tmp_path_factory) -> Path:
    database = tmp_path_factory.mktemp("sql") / "w.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create view pull_requests as select 1 as number, 'x' as title")
    return database


@pytest.mark.parametrize("query", REFUSED)
def test_the_sql_page_refuses_what_reaches_outside_the_warehouse(snapshot_file, query):
    con = duckdb.connect(str(snapshot_file), read_only=True, config=user_sql.READER_CONFIG)
    try:
        with pytest.raises((user_sql.RefusedQuery, user_sql.QueryFailed)):
            user_sql.run(con, query)
    finally:
        con.close()
    assert not Path("/tmp/pr_atlas_copy_test.csv").exists() and not Path("/tmp/pr_atlas_export_test").exists()


def test_pr_atlas_sql_uses_the_same_guard(snapshot_file):
    for query in ("select * from read_csv('/etc/passwd')", "select 1; copy (select 1) to '/tmp/x.csv'",
                  "select * from duckdb_databases()", "set memory_limit = '1GB'"):
        result = run_cli("sql", query, "--db", str(snapshot_file), check=False)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert "root:x" not in result.stdout and str(snapshot_file) not in result.stdout
    slow = run_cli("sql", "select count(*) from range(100000000) a, range(100000000) b", "--db", str(snapshot_file),
                   "--timeout", "1", check=False)
    assert slow.returncode == 2 and "time limit" in slow.stderr
    assert "x" in run_cli("sql", "select title from pull_requests", "--db", str(snapshot_file)).stdout


def test_explain_of_a_query_still_runs(snapshot_file):
    con = duckdb.connect(str(snapshot_file), read_only=True, config=user_sql.READER_CONFIG)
    try:
        assert len(user_sql.run(con, "explain analyze select * from pull_requests").frame) >= 1
    finally:
        con.close()


def test_a_result_of_huge_values_is_bounded_in_bytes(snapshot_file):
    con = duckdb.connect(str(snapshot_file), read_only=True, config=user_sql.READER_CONFIG)
    try:
        result = user_sql.run(con, "select repeat('x', 10000000) as v from range(20)", byte_limit=8 << 20)
    finally:
        con.close()
    assert result.frame["v"].str.len().max() <= user_sql.LONG_VALUE + 1
    assert result.frame.memory_usage(deep=True).sum() < 50 << 20


# ---- nothing left behind -----------------------------------------------------------------------------------

def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        found += [int(c) for c in children]
    return found


def _wait_gone(pids: list[int], seconds: float = 15) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.2)
    return [p for p in pids if _alive(p)]


def test_parser_workers_die_when_the_ingestion_is_killed(tmp_path):
    database = tmp_path / "w.duckdb"
    with duckdb.connect(str(database)) as con:
        from etl.db import apply_schema

        apply_schema(con)
        docs = [hostile_reports.report(str(40000 + i)).encode() * 40 for i in range(3000)]
        for i, data in enumerate(docs):
            con.execute("insert into raw.documents values (?, ?, 'sha', ?, ?, now()::timestamp, null)",
                        [f"d{i}", f"/r/{i}.md", len(data), data])
    script = ("import duckdb, sys\nfrom etl.ingest.parse_reports import parse_pending\n"
              f"con = duckdb.connect({str(database)!r})\nparse_pending(con, workers=2, chunk_size=300)\n")
    process = subprocess.Popen([sys.executable, "-c", script], cwd=PROJECT_ROOT)
    try:
        deadline = time.monotonic() + 60
        while len(_children(process.pid)) < 3 and time.monotonic() < deadline:  # two workers and the tracker
            time.sleep(0.1)
        workers = _children(process.pid)
        assert len(workers) >= 2, "the parser pool never started"
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert _wait_gone(workers) == []
    finally:
        process.kill()


def test_a_publication_killed_part_way_leaves_nothing_for_the_next(tmp_path):
    database = tmp_path / "w.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create table t as select 1")
    folder = snapshot_dir(database)
    folder.mkdir()
    stale = folder / "20260101T000000000000-killed.duckdb.partial"
    stale.write_bytes(b"half a copy")
    publish(database)
    assert not stale.exists() and not list(folder.glob("*.partial"))


def test_stopping_pr_atlas_dashboard_stops_its_server(tmp_path):
    from tests.local_server import free_port

    database = tmp_path / "w.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create table t as select 1")
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "etl.cli", "dashboard", "--db", str(database), "--port",
                                str(port), "--address", "127.0.0.1"], cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not _children(process.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        server = _children(process.pid)
        assert server, "the dashboard server never started"
        time.sleep(2)  # let Streamlit get going, so it has something to stop
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        assert _wait_gone(server) == []
    finally:
        process.kill()


def test_the_health_page_lists_parse_warnings_and_unread_entries(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "cut.md").write_bytes(hostile_reports.report("31501").encode("utf-8")[:-2])
    (folder / "dangling.md").symlink_to("nowhere.md")
    database = tmp_path / "w.duckdb"
    assert run_ingest(str(database), locations=[str(folder)], include_sample=False).success
    monkeypatch.setenv("PR_ATLAS_DATABASE", str(database))
    settings.use(None)  # the dashboards build their settings from this environment, as a new server process would
    app = AppTest.from_file(str(PROJECT_ROOT / "dashboards" / "app.py"), default_timeout=60)
    app.run()
    app.switch_page("app_pages/health.py").run()
    assert not app.exception
    tables = [frame.value for frame in app.dataframe]
    warnings = next(t for t in tables if "warning" in t.columns)
    assert any("multibyte" in w for w in warnings["warning"])
    quarantined = next(t for t in tables if "reason" in t.columns)
    assert "broken_link" in set(quarantined["reason"])
