"""Keep the full-text index (search.documents, search.postings) in step with staging.reports, incrementally:
only reports whose latest version changed are cut into terms again. The cutting itself is the SQL macro
search_tokens, which the dashboard's search also uses for queries."""

from __future__ import annotations

from dataclasses import dataclass

from ..db import WAREHOUSE_DIR, transaction

REFRESH_SQL = WAREHOUSE_DIR / "search" / "refresh_index.sql"
BATCH_SQL = WAREHOUSE_DIR / "search" / "index_batch.sql"
BATCH_DOCUMENTS = 5000  # a batch's terms are what the step holds in memory (about 60 MB per 5,000 reports)


@dataclass(frozen=True)
class IndexStats:
    documents: int
    postings: int
    reindexed: int


def refresh_search_index(con) -> IndexStats:
    """Drop what is stale, then index the rest a batch per transaction: a batch's documents and postings
    commit together, so a run stopped part-way leaves an index that is right for what it holds, and the
    next run indexes the reports still missing. One transaction for all would hold every batch's postings
    in memory until the end."""
    kept = con.execute("select count(*) from search.documents d join staging.reports r using (report_id) "
                       "where r.document_id = d.document_id").fetchone()[0]
    with transaction(con):
        con.execute(REFRESH_SQL.read_text(encoding="utf-8"))
    first, last = con.execute("select min(doc_id), max(doc_id) + 1 from reports_to_index").fetchone()
    batch = con.extract_statements(BATCH_SQL.read_text(encoding="utf-8"))
    for start in range(first or 0, last or 0, BATCH_DOCUMENTS):
        bounds = {"first": start, "last": min(start + BATCH_DOCUMENTS, last)}
        with transaction(con):
            for statement in batch:  # DuckDB binds parameters one statement at a time
                con.execute(statement, bounds if statement.named_parameters else None)
    con.execute("drop table reports_to_index")
    documents, postings = con.execute(
        "select (select count(*) from search.documents), (select count(*) from search.postings)").fetchone()
    return IndexStats(documents=documents, postings=postings, reindexed=documents - kept)

