"""The full-text index (search_tokens, incremental refresh through `pr-atlas ingest`) and the read-only
snapshots the dashboards read (publication, the current link, pruning, staleness)."""

from __future__ import annotations

import json
import os
import time

import duckdb
import pytest

from etl.snapshot import KEEP, current_snapshot, is_stale, publish, snapshot_dir

from .conftest import buffer_limit, run_cli

REPORT = """# PR #{number} 完整报告

- 仓库：sgl-project/sglang
- 标题：{title}
- 合并时间：2026-06-01 10:00

## 执行摘要

- 一句话：{one_liner}

## 风险与影响

- 风险：低风险。
"""


def test_tokens_cut_chinese_into_pairs_and_english_into_words(con):
    tokens = con.execute("select search_tokens('修复内存泄漏 in Fused_MoE, 用 #22598 和 a b')").fetchone()[0]
    assert tokens == ["修复", "复内", "内存", "存泄", "泄漏", "in", "fused_moe", "用", "22598", "和"]
    assert con.execute("select search_tokens(null)").fetchone()[0] == []


def search_state(database, *words: str):
    """Indexed versions by report, documents holding each word, and the last refresh's figures."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        docs = dict(con.execute("select report_id, document_id from search.documents").fetchall())
        hits = {word: con.execute("select count(distinct doc_id) from search.postings "
                                  "where term in (select unnest(search_tokens(?)))", [word]).fetchone()[0]
                for word in words}
        summary = json.loads(con.execute("select summary from meta.source_runs where source = 'search'").fetchone()[0])
        return docs, hits, summary
    finally:
        con.close()


def test_index_follows_changed_reports_only(tmp_path):
    reports, database = tmp_path / "reports", tmp_path / "w.duckdb"
    reports.mkdir()
    (reports / "1.md").write_text(REPORT.format(number=30001, title="Cache the tokenizer", one_liner="缓存分词器。"),
                                  encoding="utf-8")
    (reports / "2.md").write_text(REPORT.format(number=30002, title="Trim the scheduler", one_liner="精简调度循环。"),
                                  encoding="utf-8")
    run_cli("ingest", "--db", str(database), "--reports", str(reports))
    first, hits, summary = search_state(database, "tokenizer")
    assert len(first) == 2 and summary["reindexed"] == 2 and hits["tokenizer"] == 1

    (reports / "1.md").write_text(REPORT.format(number=30001, title="Cache the detokenizer",
                                                one_liner="缓存反分词器。"), encoding="utf-8")
    run_cli("ingest", "--db", str(database), "--reports", str(reports))
    second, hits, summary = search_state(database, "tokenizer", "detokenizer")
    assert summary["reindexed"] == 1  # only the changed report was cut again
    assert second["sgl-project/sglang#30002"] == first["sgl-project/sglang#30002"]
    assert second["sgl-project/sglang#30001"] != first["sgl-project/sglang#30001"]
    assert hits == {"detokenizer": 1, "tokenizer": 0}  # the old version's terms are gone

    run_cli("ingest", "--db", str(database), "--reports", str(reports), "--force")  # the index step runs
    assert search_state(database)[2]["reindexed"] == 0


def test_snapshots_publish_link_and_prune(tmp_path):
    database = tmp_path / "w.duckdb"
    con = duckdb.connect(str(database))
    con.execute("create table t as select 1 as a")
    con.close()
    assert current_snapshot(database) is None and is_stale(database)

    published = []
    for value in range(2, 2 + KEEP + 2):
        con = duckdb.connect(str(database))
        con.execute("update t set a = ?", [value])
        con.close()
        published.append(publish(database))
    assert current_snapshot(database) == published[-1] and not is_stale(database)
    kept = sorted(p for p in snapshot_dir(database).glob("*.duckdb") if not p.is_symlink())
    assert kept == published[-KEEP:]
    reader = duckdb.connect(str(snapshot_dir(database) / "current.duckdb"), read_only=True)
    assert reader.execute("select a from t").fetchone()[0] == 2 + KEEP + 1
    reader.close()

    later = time.time() + 5
    os.utime(database, (later, later))  # the warehouse changed after its snapshot
    assert is_stale(database)


def test_a_batch_over_the_memory_cap_is_indexed_again_without_it(tmp_path):
    from etl.db import connect, memory_capped
    from etl.ingest.search_index import refresh_search_index

    reports, database = tmp_path / "reports", tmp_path / "w.duckdb"
    reports.mkdir()
    long_text = "".join(chr(0x4E00 + i * 7919 % 20_000) for i in range(200_000))  # Han characters, no stop
    for number in (30011, 30012):
        (reports / f"{number}.md").write_text(REPORT.format(number=number, title=f"Fix {number}",
                                                            one_liner=long_text), encoding="utf-8")
    run_cli("ingest", "--db", str(database), "--reports", str(reports))
    index = "select d.report_id, p.term, p.tf from search.postings p join search.documents d using (doc_id) order by all"
    with connect(database) as con:
        uncapped, before = con.execute(index).fetchall(), buffer_limit(con)
        con.execute("delete from search.postings; delete from search.documents")
        with memory_capped(con, "8MB"), pytest.raises(duckdb.OutOfMemoryException):  # the batch does not fit
            refresh_search_index(con)
        assert buffer_limit(con) == pytest.approx(before, rel=0.01)

        stats = refresh_search_index(con, memory_limit="8MB")
        assert stats.documents == 2 and con.execute(index).fetchall() == uncapped
        assert buffer_limit(con) == pytest.approx(before, rel=0.01)


def test_a_long_run_of_han_characters_is_cut_in_linear_time(con):
    run = "".join(chr(0x4E00 + i * 7919 % 20_000) for i in range(200_000))
    started = time.perf_counter()
    tokens = con.execute("select len(search_tokens(?))", [run]).fetchone()[0]
    # cut every 64 characters, 63 pairs a piece; about 0.5 s here, where cutting the whole run took about
    # two minutes
    assert tokens == 200_000 // 64 * 63 and time.perf_counter() - started < 20
