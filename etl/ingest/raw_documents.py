"""Store source documents in raw.documents, content-addressed so that re-reading the same bytes from
the same place adds nothing. Each batch commits on its own: a run killed part-way keeps what it
committed, and the next run stores the rest."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pyarrow as pa

from ..db import memory_capped, transaction, utc_now
from ..sources.report_files import SkippedSource, SourceDocument, UnreadableSource
from .arrow_rows import RowBuffer


@dataclass
class RawStats:
    documents_read: int = 0
    new_documents: int = 0
    bytes_read: int = 0
    unchanged_files: int = 0  # local files with the size and mtime they had when last read: not read again
    unread: int = 0           # entries skipped with a reason (meta.unread_sources)




def document_id(source_uri: str, sha256: str) -> str:
    return hashlib.sha256(f"{source_uri}\n{sha256}".encode()).hexdigest()[:32]


def _missing_ids(con, ids: list[str]) -> set[str]:
    con.register("_candidate_ids", pa.table({"document_id": pa.array(ids, pa.string())}))
    try:
        rows = con.execute(
            "select c.document_id from _candidate_ids c "
            "anti join raw.documents d on d.document_id = c.document_id"
        ).fetchall()
    finally:
        con.unregister("_candidate_ids")
    return {r[0] for r in rows}


def store_documents(con, documents: Iterable[SourceDocument | SkippedSource], *, run_id: str | None = None,
                    batch_size: int = 2000, progress: Callable[[str], None] | None = None,
                    memory_limit: str | None = None) -> RawStats:
    """Store what is new; with `memory_limit`, DuckDB's memory is capped at it meanwhile."""
    with memory_capped(con, memory_limit):
        return _store_documents(con, documents, run_id, batch_size, progress)


def _store_documents(con, documents: Iterable[SourceDocument | SkippedSource], run_id: str | None, batch_size: int,
                     progress: Callable[[str], None] | None) -> RawStats:
    stats = RawStats()
    batch: dict[str, tuple[SourceDocument, bytes, str]] = {}
    unread = RowBuffer("meta.unread_sources")
    known_stats = {uri: (size, mtime) for uri, size, mtime in
                   con.execute("select source_uri, byte_size, mtime_ns from meta.file_stats").fetchall()}

    def flush() -> None:
        if not batch and not len(unread):
            return
        missing = _missing_ids(con, list(batch))
        rows = RowBuffer("raw.documents")
        file_stats = RowBuffer("meta.file_stats")
        received_at = utc_now()
        for doc_id, (doc, content, sha) in batch.items():
            if doc_id in missing:
                rows.add(document_id=doc_id, source_uri=doc.location, sha256=sha, byte_size=len(content),
                         content=content, received_at=received_at, ingest_run=run_id)
            if doc.file_stat is not None:
                file_stats.add(source_uri=doc.location, byte_size=doc.file_stat[0], mtime_ns=doc.file_stat[1],
                               sha256=sha)
        read_now = [doc.location for doc, _, _ in batch.values()]
        with transaction(con):  # a file's stat is recorded only together with its stored bytes
            stats.new_documents += rows.insert(con)
            file_stats.insert(con, on_conflict="replace")
            if read_now:  # read at last: no longer unread
                con.execute("delete from meta.unread_sources where list_contains(?, source_uri)", [read_now])
            unread.insert(con, on_conflict="replace")
        batch.clear()
        if progress:
            progress(f"raw: {stats.documents_read} documents read, {stats.new_documents} new")

    def skip(location: str, reason: str, detail: str) -> None:
        stats.unread += 1
        unread.add(source_uri=location, reason=reason, detail=detail, seen_at=utc_now(), ingest_run=run_id)
        if progress:
            progress(f"raw: skipped {location}: {reason} ({detail})")

    for doc in documents:
        if isinstance(doc, SkippedSource):
            skip(doc.location, doc.reason, doc.detail)
            continue
        stats.documents_read += 1
        if doc.file_stat is not None and known_stats.get(doc.location) == doc.file_stat:
            stats.unchanged_files += 1
            continue
        try:
            content = doc.read()
        except UnreadableSource as exc:
            skip(doc.location, exc.reason, exc.detail)
            continue
        stats.bytes_read += len(content)
        sha = hashlib.sha256(content).hexdigest()
        batch[document_id(doc.location, sha)] = (doc, content, sha)
        if len(batch) >= batch_size:
            flush()
    flush()
    if progress and stats.unchanged_files:
        progress(f"raw: {stats.unchanged_files} files unchanged since they were last read")
    return stats
