"""Parse every raw document that has no outcome yet, or was parsed by another parser version, into the staging
tables (replacing what the earlier version read), or quarantine it with its reason. Worker processes parse and
build each chunk's Arrow rows while this process inserts the chunk before; a chunk's reports, child rows and
quarantine entries commit together, so the staging layer is never half-written for a document, and a rerun
picks up exactly the documents still pending."""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa

from .. import names
from ..db import memory_capped, transaction, utc_now
from ..parsing import parser_version
from ..table_shapes import table_shapes
from .arrow_rows import insert_arrow
from .report_rows import Rows, load_error, parse_chunk, rows_of, start_worker

# Documents never parsed, and documents parsed by another parser version (read again from their raw bytes).
PENDING_SQL = """
select d.rowid, v.document_id is not null as parsed_before
from raw.documents d
left join staging.report_versions v on v.document_id = d.document_id
where (v.document_id is null or v.parser_version <> $version)
  and not exists (select 1 from staging.quarantine q where q.document_id = d.document_id)
order by d.rowid
"""
# A chunk's documents are read by a range of row ids (a scan of only that part of the table): the range
# is cut short where pending documents are sparse, so that no read carries many documents already done.
DOCUMENTS_SQL = """
select rowid, document_id, source_uri, sha256, byte_size, content, received_at
from raw.documents
where rowid between ? and ?
"""
# Below this many documents a process pool costs more to start than it saves.
PARALLEL_THRESHOLD = 400


@dataclass
class ParseStats:
    parsed: int = 0
    quarantined: int = 0
    quarantine_reasons: Counter = field(default_factory=Counter)


# 500 documents a chunk: a worker's memory grows with its chunk, and a smaller chunk cost no time (`make bench`).
def parse_pending(con, *, default_repo: str | None = None, chunk_size: int = 500, workers: int | None = None,
                  progress: Callable[[str], None] | None = None, memory_limit: str | None = None) -> ParseStats:
    """Parse the pending documents; with `memory_limit`, DuckDB's memory is capped at it meanwhile."""
    with memory_capped(con, memory_limit):
        return _parse_pending(con, default_repo, chunk_size, workers, progress)


def _parse_pending(con, default_repo: str | None, chunk_size: int, workers: int | None,
                   progress: Callable[[str], None] | None) -> ParseStats:
    stats = ParseStats()
    rows = con.execute(PENDING_SQL, {"version": parser_version()}).fetchall()
    pending = [rowid for rowid, _ in rows]
    reparsed = {rowid for rowid, before in rows if before}
    total = len(pending)
    if not total:
        return stats
    if workers is None:
        workers = multiprocessing.cpu_count() if total >= PARALLEL_THRESHOLD else 1
    pool = (ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=start_worker,
                                initargs=(os.getpid(), table_shapes())) if workers > 1 else None)
    now = utc_now()
    # Each worker has a chunk in hand and about one queued; more in flight would only hold memory.
    in_flight: deque[tuple[Future | Rows, dict]] = deque()

    def store_oldest() -> None:
        job, raw = in_flight.popleft()
        for _, reason in store_rows(con, job.result() if isinstance(job, Future) else job, raw, now):
            stats.parsed += reason is None
            stats.quarantined += reason is not None
            if reason is not None:
                stats.quarantine_reasons[reason] += 1
        if progress:
            progress(f"parse: {stats.parsed + stats.quarantined}/{total} documents ({stats.parsed} parsed, "
                     f"{stats.quarantined} quarantined)")

    try:
        for chunk in _chunks(pending, chunk_size):
            items, raw = _read_documents(con, chunk, reparsed)
            in_flight.append(((pool.submit(parse_chunk, items, default_repo, raw, now) if pool
                               else parse_chunk(items, default_repo, raw, now)), raw))
            if len(in_flight) > 2 * workers:
                store_oldest()
        while in_flight:
            store_oldest()
    except BaseException:
        if pool:  # a stop signal, or a chunk that could not be stored: the workers' chunks are not waited for
            _end_workers(pool)
        raise
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)
    return stats


def _end_workers(pool: ProcessPoolExecutor) -> None:
    """Stop the pool's workers where they are (what they parse is parsed again by the next run: nothing of it
    was stored). Python 3.14 has ProcessPoolExecutor.terminate_workers; before it, the pool's own list."""
    for worker in list((getattr(pool, "_processes", None) or {}).values()):
        worker.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


def _chunks(rowids: list[int], size: int) -> Iterator[list[int]]:
    chunk: list[int] = []
    for rowid in rowids:
        if chunk and (len(chunk) >= size or rowid - chunk[0] >= 4 * size):
            yield chunk
            chunk = []
        chunk.append(rowid)
    if chunk:
        yield chunk


def _read_documents(con, rowids: list[int],
                    reparsed: set[int]) -> tuple[list[tuple[str, str, bytes]], dict[str, dict]]:
    """The chunk's documents: the parser's input, and each one's source facts by document id (`replaces`: its
    rows from an earlier parser version are to be replaced)."""
    wanted = set(rowids)
    rows = [r for r in con.execute(DOCUMENTS_SQL, [rowids[0], rowids[-1]]).fetchall() if r[0] in wanted]
    raw = {r[1]: {"source_uri": r[2], "sha256": r[3], "byte_size": r[4], "received_at": r[6],
                  "replaces": r[0] in reparsed} for r in rows}
    return [(r[1], r[2], r[5]) for r in rows], raw


def store_rows(con, rows: Rows, raw: dict[str, dict], now: datetime) -> list[tuple[str, str | None]]:
    """Insert a chunk in one transaction. When one document's rows cannot be stored, the chunk is written
    one document at a time instead and that document is quarantined (`load_error`): it never stops the
    others. Returns each document's outcome as stored."""
    try:
        _insert(con, rows, raw)
        return rows.outcomes
    except Exception:
        stored = []
        for document_id, _ in rows.outcomes:
            alone = rows.of(document_id)
            try:
                _insert(con, alone, raw)
            except Exception as exc:
                alone = rows_of([load_error(document_id, exc)], raw, now)
                _insert(con, alone, raw)
            stored += alone.outcomes
        return stored


def _insert(con, rows: Rows, raw: dict[str, dict]) -> None:
    """The rows, in place of what an earlier parser version read from the same documents, in one transaction."""
    replaced = [document_id for document_id, _ in rows.outcomes if raw.get(document_id, {}).get("replaces")]
    with transaction(con):
        if replaced:  # a join, not list_contains: that scanned each table once per chunk
            con.register("_replaced", pa.table({"document_id": replaced}))
            try:
                for table in names.REPORT_TABLES:
                    con.execute(f"delete from {table} t using _replaced r where t.document_id = r.document_id")
            finally:
                con.unregister("_replaced")
        for table, arrow in rows.tables.items():
            if arrow.num_rows:
                insert_arrow(con, table, arrow)
