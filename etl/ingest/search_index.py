"""Keep the full-text index (search.documents, search.postings) in step with staging.reports, incrementally:
only reports whose latest version changed are cut into terms again. The cutting itself is the SQL macro
search_tokens, which the dashboard's search also uses for queries."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from ..db import WAREHOUSE_DIR, memory_capped, transaction

REFRESH_SQL = WAREHOUSE_DIR / "search" / "refresh_index.sql"
BATCH_SQL = WAREHOUSE_DIR / "search" / "index_batch.sql"
BATCH_DOCUMENTS = 5000  # a batch's terms are what the step holds in memory (SEARCH_MEMORY_LIMIT bounds it)


@dataclass(frozen=True)
class IndexStats:
    documents: int
    postings: int
    reindexed: int


def refresh_search_index(con, *, memory_limit: str | None = None) -> IndexStats:
    """Drop what is stale, then index the rest a batch per transaction: a batch's documents and postings
    commit together, so a run stopped part-way leaves an index that is right for what it holds, and the
    next run indexes the reports still missing. One transaction for all would hold every batch's postings
    in memory until the end. With `memory_limit`, DuckDB's memory is capped at it while the batches are cut;
    a batch that does not fit is rolled back and cut again under the limit from before."""
    kept = con.execute("select count(*) from search.documents d join staging.reports r using (report_id) "
                       "where r.document_id = d.document_id").fetchone()[0]
    with transaction(con):
        con.execute(REFRESH_SQL.read_text(encoding="utf-8"))
    first, last = con.execute("select min(doc_id), max(doc_id) + 1 from reports_to_index").fetchone()
    batch = con.extract_statements(BATCH_SQL.read_text(encoding="utf-8"))
    with memory_capped(con, memory_limit) as uncapped:
        for start in range(first or 0, last or 0, BATCH_DOCUMENTS):
            bounds = {"first": start, "last": min(start + BATCH_DOCUMENTS, last)}
            try:
                _index_batch(con, batch, bounds)
            except duckdb.OutOfMemoryException:
                if uncapped is None:
                    raise
                with memory_capped(con, uncapped):  # unusually long reports: this batch gets the memory it needs
                    _index_batch(con, batch, bounds)
    con.execute("drop table reports_to_index")
    documents, postings = con.execute(
        "select (select count(*) from search.documents), (select count(*) from search.postings)").fetchone()
    return IndexStats(documents=documents, postings=postings, reindexed=documents - kept)


def _index_batch(con, statements: list, bounds: dict[str, int]) -> None:
    with transaction(con):
        for statement in statements:  # DuckDB binds parameters one statement at a time
            con.execute(statement, bounds if statement.named_parameters else None)

