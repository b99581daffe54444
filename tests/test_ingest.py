"""Ingestion through Dagster into a real DuckDB file: counts, idempotence, versions, quarantine, and a
run killed mid-load."""

import os
import signal
import subprocess
import sys
import time

import duckdb
import pytest

from etl.db import apply_schema
from etl.pipeline import SUMMARY_TABLES, run_ingest

from .conftest import PROJECT_ROOT, buffer_limit, cli_env

REPORT = """# PR #{n} 完整报告

- 仓库：o/r
- 标题：Title {n}

## 执行摘要

- 一句话：{summary}

## 风险与影响

- 风险：低风险
- 风险标记：缺少测试覆盖
"""


def counts(db) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in SUMMARY_TABLES}


def test_sample_corpus_loads_with_its_quarantine(tmp_path):
    db = tmp_path / "w.duckdb"
    summary = run_ingest(str(db), locations=[], include_sample=True)
    assert summary.success and not summary.failed_checks
    assert summary.documents_read == summary.new_documents == 36
    assert (summary.parsed, summary.quarantined) == (32, 4)
    # where the time went, per Dagster step (what `make bench` prints as its profile)
    assert {"raw__documents", "staging__reports", "metrics"} <= set(summary.step_seconds)
    assert all(seconds > 0 for seconds in summary.step_seconds.values())
    with duckdb.connect(str(db), read_only=True) as con:
        reasons = dict(con.execute("select reason, count(*) from staging.quarantine group by all").fetchall())
        assert reasons == {"empty": 1, "binary": 1, "undecodable": 1, "not_a_report": 1}
        repos = {r[0] for r in con.execute("select distinct repo from staging.reports").fetchall()}
        assert repos == {"sgl-project/sglang", "flashinfer-ai/flashinfer"}
        chain = con.execute("""select pr_number, ref_number, relation from staging.report_references
                               where relation <> 'reference' and pr_number in (22598, 23188, 23251, 24077, 24150)
                                 and section = 'related' order by pr_number, ref_number""").fetchall()
        assert (22598, 20978, "regression") in chain and (23251, 23188, "regression") in chain
        assert (24150, 24010, "follow_up") in chain
        pp_fix = con.execute("""select r.relation from staging.report_references r join staging.reports v using (document_id)
                                where v.pr_number is null and r.ref_number = 25945 and r.section = 'motivation'""").fetchall()
        assert pp_fix == [("follow_up",)]
        # the site's PR page, saved as HTML and copied as text, lands like the markdown, with its figures
        pages = con.execute("""select pr_number, author, merged_at::varchar, changed_files, commits, comments, additions,
                                      deletions, provenance_url from staging.reports where pr_number in (26304, 27480)
                               order by pr_number""").fetchall()
        assert pages == [(26304, "hnyls2002", "2026-05-30 14:12:00", 3, 3, 5, 41, 9,
                          "https://prhub.com.cn/sgl-project/sglang/pull/26304"),
                         (27480, "ispobock", "2026-06-25 21:40:00", 2, 1, 6, 12, 158,
                          "https://prhub.com.cn/sgl-project/sglang/pull/27480")]
        reverts = con.execute("""select distinct section from staging.report_references
                                 where pr_number = 27480 and ref_number = 27333 and relation = 'revert'""").fetchall()
        assert ("summary",) in reverts
        assert con.execute("select relation from pr_links where from_number = 27333 and to_number = 27480"
                           ).fetchall() == [("revert",)]
        # a PR only its report knows takes its size from the page's facts line
        assert con.execute("select additions, deletions, changed_files, sources from pull_requests "
                           "where number = 27480").fetchone() == (12, 158, 2, ["report"])
        assert con.execute("select commits, comments from pr_reports where number = 27480").fetchone() == (1, 6)


def test_ingesting_twice_changes_nothing(tmp_path):
    db = tmp_path / "w.duckdb"
    run_ingest(str(db), locations=[], include_sample=True)
    first = counts(db)
    again = run_ingest(str(db), locations=[], include_sample=True, force=True)  # through Dagster, every step
    assert again.up_to_date_since is None and again.step_seconds
    assert (again.new_documents, again.parsed, again.quarantined) == (0, 0, 0)
    assert counts(db) == first


def source_runs(db) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select source, run_id, finished_at from meta.source_runs order by all").fetchall()


def test_a_rerun_with_nothing_changed_reports_the_last_run_and_any_change_runs_again(tmp_path, monkeypatch):
    from etl import last_run

    reports, db = tmp_path / "reports", tmp_path / "w.duckdb"
    (reports / "o/r/pull/1").mkdir(parents=True)
    (reports / "bad.bin").write_bytes(b"\x00" * 50)  # quarantined: its failed check is reported again
    path = reports / "o/r/pull/1/report.md"
    path.write_text(REPORT.format(n=1, summary="第一版"), encoding="utf-8")
    first = run_ingest(str(db), locations=[str(reports)])
    runs = source_runs(db)

    again = run_ingest(str(db), locations=[str(reports)])
    assert again.up_to_date_since and again.run_id == first.run_id and not again.step_seconds
    assert (again.success, again.documents_read, again.new_documents, again.parsed) == (True, 2, 0, 0)
    assert again.row_counts == first.row_counts and again.check_warnings == first.check_warnings
    assert "up to date: nothing changed since run" in again.line()
    assert source_runs(db) == runs  # no step ran

    path.write_text(REPORT.format(n=1, summary="第二版"), encoding="utf-8")  # a report changed
    edited = run_ingest(str(db), locations=[str(reports)])
    assert edited.up_to_date_since is None and (edited.new_documents, edited.parsed) == (1, 1)
    assert run_ingest(str(db), locations=[str(reports)]).up_to_date_since

    os.mkfifo(reports / "pipe.md")  # an entry that cannot be read, new since the last run
    assert run_ingest(str(db), locations=[str(reports)]).unread == 1
    assert run_ingest(str(db), locations=[str(reports)]).up_to_date_since  # recorded as unread: nothing new

    with duckdb.connect(str(db)) as con:  # the warehouse written after its snapshot: the run repairs it
        con.execute("delete from staging.report_risk_flags")
    assert run_ingest(str(db), locations=[str(reports)]).up_to_date_since is None

    monkeypatch.setattr(last_run, "code_version", lambda: "another version of the code")
    assert run_ingest(str(db), locations=[str(reports)]).up_to_date_since is None
    monkeypatch.undo()
    assert run_ingest(str(db), locations=[str(reports)]).up_to_date_since
    assert run_ingest(str(db), locations=[str(reports)], force=True).up_to_date_since is None
    assert run_ingest(str(db), locations=[str(reports)], github_repos=["o/r"], github_api_url="http://127.0.0.1:9",
                      ).up_to_date_since is None  # a collector must ask its source


def test_the_command_line_tells_an_unchanged_warehouse_without_loading_dagster(tmp_path):
    db = tmp_path / "w.duckdb"
    probe = ("import sys; from etl.cli import main; code = main(sys.argv[1:]); "
             "print('dagster loaded' if 'dagster' in sys.modules else 'dagster not loaded'); sys.exit(code)")
    reports = ["--db", str(db), "--reports", str(PROJECT_ROOT / "samples" / "reports")]
    subprocess.run([sys.executable, "-m", "etl.cli", "ingest", *reports], cwd=PROJECT_ROOT, env=cli_env(),
                   check=True, capture_output=True)
    again = subprocess.run([sys.executable, "-c", probe, "ingest", *reports], cwd=PROJECT_ROOT, env=cli_env(),
                           capture_output=True, text=True, check=True)
    assert "up to date: nothing changed since run" in again.stdout and "dagster not loaded" in again.stdout


def test_a_changed_document_is_a_new_version_and_the_latest_wins(tmp_path):
    reports, db = tmp_path / "reports", tmp_path / "w.duckdb"
    (reports / "o/r/pull/1").mkdir(parents=True)
    path = reports / "o/r/pull/1/report.md"
    path.write_text(REPORT.format(n=1, summary="第一版"), encoding="utf-8")
    run_ingest(str(db), locations=[str(reports)])
    path.write_text(REPORT.format(n=1, summary="第二版"), encoding="utf-8")
    run_ingest(str(db), locations=[str(reports)])
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from raw.documents").fetchone()[0] == 2
        assert con.execute("select count(*) from staging.report_versions").fetchone()[0] == 2
        assert con.execute("select one_liner from staging.reports where report_id = 'o/r#1'").fetchall() == [("第二版",)]


def test_one_bad_document_never_aborts_the_run(tmp_path):
    reports, db = tmp_path / "reports", tmp_path / "w.duckdb"
    reports.mkdir()
    (reports / "good.md").write_text(REPORT.format(n=2, summary="好的"), encoding="utf-8")
    (reports / "bad.bin").write_bytes(b"\x00\x01\x02" * 100)
    (reports / "empty.md").write_bytes(b"")
    summary = run_ingest(str(db), locations=[str(reports)])
    assert summary.success and (summary.parsed, summary.quarantined) == (1, 2)
    assert "quarantine_is_empty" in summary.check_warnings
    with duckdb.connect(str(db), read_only=True) as con:
        # Quarantined documents keep their bytes in the raw layer.
        kept = con.execute("""select octet_length(d.content) from staging.quarantine q join raw.documents d
                              using (document_id) order by 1""").fetchall()
        assert kept == [(0,), (300,)]


def test_missing_location_fails_the_run_with_a_clear_error(tmp_path):
    summary = run_ingest(str(tmp_path / "w.duckdb"), locations=[str(tmp_path / "nowhere")])
    assert not summary.success and "does not exist" in summary.error


@pytest.mark.slow
def test_a_run_killed_mid_load_leaves_a_consistent_warehouse(tmp_path):
    corpus = tmp_path / "corpus"
    subprocess.run([sys.executable, str(PROJECT_ROOT / "bench" / "synthetic_reports.py"), str(corpus),
                    "--count", "6000"], check=True, cwd=PROJECT_ROOT)
    killed_db, clean_db = tmp_path / "killed.duckdb", tmp_path / "clean.duckdb"
    process = subprocess.Popen([sys.executable, "-m", "etl.cli", "ingest", "--db", str(killed_db),
                                "--reports", str(corpus)], cwd=PROJECT_ROOT, env=cli_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # Kill it once the parse stage has committed at least one batch but before it finishes.
    deadline = time.monotonic() + 240
    for line in process.stdout:
        if "parse: 2000/" in line or time.monotonic() > deadline:
            break
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    partial = counts(killed_db)
    assert 0 < partial["staging.report_versions"] < 6000  # it really was stopped part-way
    with duckdb.connect(str(killed_db), read_only=True) as con:  # every committed report has all its rows
        orphans = con.execute("""select count(*) from staging.report_risk_flags f where not exists
                                 (select 1 from staging.report_versions v where v.document_id = f.document_id)""").fetchone()[0]
        assert orphans == 0
    rerun = run_ingest(str(killed_db), locations=[str(corpus)])
    assert rerun.success and not rerun.failed_checks
    run_ingest(str(clean_db), locations=[str(corpus)])
    assert counts(killed_db) == counts(clean_db)


def test_unchanged_files_are_not_read_again_but_touched_or_edited_ones_are(tmp_path):
    from etl.db import apply_schema
    from etl.ingest.raw_documents import store_documents
    from etl.sources.report_files import iter_documents

    folder = tmp_path / "reports"
    folder.mkdir()
    for n in range(3):
        (folder / f"{n}.md").write_text(f"# PR #{n} 完整报告\n\n## 执行摘要\n\n- 一句话：第 {n} 个。\n", encoding="utf-8")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    apply_schema(con)
    first = store_documents(con, iter_documents([str(folder)]))
    second = store_documents(con, iter_documents([str(folder)]))
    os.utime(folder / "0.md", ns=(time.time_ns(), time.time_ns() + 10**9))  # touched: same bytes
    (folder / "1.md").write_text("# PR #1 完整报告\n\n## 执行摘要\n\n- 一句话：改过。\n", encoding="utf-8")
    third = store_documents(con, iter_documents([str(folder)]))
    assert (first.new_documents, first.unchanged_files) == (3, 0)
    assert (second.new_documents, second.unchanged_files, second.bytes_read) == (0, 3, 0)
    assert (third.new_documents, third.unchanged_files) == (1, 1)  # 0.md re-read and found equal; 1.md is new
    assert con.execute("select count(*) from raw.documents").fetchone()[0] == 4
    con.close()


def test_a_warehouse_of_the_old_layer_names_is_moved_to_the_new_ones(tmp_path):
    """Before the layers took dbt's names, loaded tables lived in `core` and intermediate models in
    `staging`: opening such a warehouse moves the loaded rows and drops what the models rebuild."""
    database = tmp_path / "old.duckdb"
    with duckdb.connect(str(database)) as con:
        apply_schema(con)
        con.execute("create schema core")
        con.execute("create table core.github_pulls as select * from staging.github_pulls")
        con.execute("insert into core.github_pulls (repo, number, title, updated_at, response_id, loaded_at) "
                    "values ('acme/x', 7, 'kept', now(), 'r', now())")
        con.execute("create table core.git_text_claims as select * exclude (source, said_in) "
                    "replace ('acme/x' as repo), 'abc123' as sha from staging.text_claims")
        con.execute("insert into core.git_text_claims by name select 'acme/x' as repo, 'abc123' as sha, 0 as ordinal, "
                    "7 as pr_number, 'pr' as ref_kind, 'revert' as relation, 'earlier' as referenced_is, 'c' as cue, "
                    "'e' as evidence, now() as loaded_at")
        con.execute("drop schema staging cascade")
        con.execute("create schema staging")
        con.execute("create table staging.link_claims as select 1 as old_model")
        con.execute("insert into meta.model_builds values ('staging.link_claims', 'f', now(), 1)")
    with duckdb.connect(str(database)) as con:
        apply_schema(con)
        assert con.execute("select title from staging.github_pulls where number = 7").fetchone() == ("kept",)
        schemas = {r[0] for r in con.execute("select schema_name from duckdb_schemas()").fetchall()}
        assert "core" not in schemas
        assert not con.execute("select count(*) from duckdb_tables() where table_name = 'link_claims'").fetchone()[0]
        assert con.execute("select count(*) from meta.model_builds").fetchone()[0] == 0
        assert con.execute("select count(*) from staging.report_versions").fetchone()[0] == 0  # the new tables
        assert con.execute("select source, said_in, pr_number from staging.text_claims").fetchall() == [
            ("git", "abc123", 7)]


def test_documents_pending_here_and_there_are_each_parsed_once_by_the_worker_pool(tmp_path):
    from etl.ingest.parse_reports import parse_pending
    from etl.names import REPORT_TABLES as TABLES

    from . import hostile_reports

    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        apply_schema(con)
        for i in range(40):
            data = hostile_reports.report(str(32000 + i)).encode()
            con.execute("insert into raw.documents values (?, ?, 'sha', ?, ?, now()::timestamp, null)",
                        [f"d{i:02}", f"/r/{i}.md", len(data), data])
        assert parse_pending(con).parsed == 40
        # Every seventh document loses its outcome: pending again, far apart in the table
        again = [f"d{i:02}" for i in range(0, 40, 7)]
        for table in TABLES:
            con.execute(f"delete from {table} where list_contains(?, document_id)", [again])
        stats = parse_pending(con, workers=2, chunk_size=2)
        assert (stats.parsed, stats.quarantined) == (len(again), 0)
        assert con.execute("select count(*), count(distinct document_id) from staging.report_versions"
                           ).fetchone() == (40, 40)
        assert parse_pending(con, workers=2).parsed == 0


def test_a_chunk_of_pending_documents_never_spans_far_in_the_table():
    from etl.ingest.parse_reports import _chunks

    assert list(_chunks([0, 1, 2, 3, 9, 100, 101, 5000], 3)) == [[0, 1, 2], [3, 9], [100, 101], [5000]]


def test_a_parser_worker_parses_without_loading_duckdb_or_pandas():
    """The workers are most of the parse step's memory: each is handed the table shapes and refuses pandas."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from etl.db import utc_now
    from etl.ingest.report_rows import parse_chunk, start_worker
    from etl.table_shapes import table_shapes

    content = REPORT.format(n=7, summary="一个报告").encode()
    raw = {"d7": {"source_uri": "7.md", "sha256": "0" * 64, "byte_size": len(content), "received_at": utc_now()}}
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=start_worker,
                             initargs=(os.getpid(), table_shapes())) as pool:
        rows = pool.submit(parse_chunk, [("d7", "7.md", content)], None, raw, utc_now()).result()
        loaded = pool.submit(eval, "[m for m in ('duckdb', 'pandas') if m in __import__('sys').modules]").result()
    assert rows.outcomes == [("d7", None)] and rows.tables["staging.report_versions"].num_rows == 1
    assert loaded == []


def test_duckdb_memory_is_capped_while_parsing_and_its_default_restored_after(tmp_path):
    from etl.ingest.parse_reports import parse_pending
    from etl.ingest.raw_documents import store_documents
    from etl.sources.report_files import iter_documents

    folder = tmp_path / "reports"
    folder.mkdir()
    for n in range(3):
        (folder / f"{n}.md").write_text(REPORT.format(n=n, summary="上限"), encoding="utf-8")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    apply_schema(con)
    store_documents(con, iter_documents([str(folder)]))

    def limit() -> float:
        return buffer_limit(con)

    default, during = limit(), []
    stats = parse_pending(con, workers=1, chunk_size=1, memory_limit="100MB", progress=lambda _: during.append(limit()))
    assert stats.parsed == 3 and set(during) == {95.3 * 2**20}  # DuckDB's way of writing 100MB
    assert limit() == pytest.approx(default, rel=0.01)  # back to the limit before (as DuckDB rounds its text)
    con.close()
