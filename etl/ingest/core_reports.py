"""Parse every raw document that has no outcome yet into the staging tables, or quarantine it with its
reason. Worker processes parse and build each chunk's Arrow rows while this process inserts the chunk
before; a chunk's reports, child rows and quarantine entries commit together, so the staging layer is
never half-written for a document, and a rerun picks up exactly the documents still pending."""

from __future__ import annotations

import multiprocessing
import os
import traceback
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc

from .. import names
from ..db import transaction, utc_now
from ..parsing import PARSER_VERSION, ParsedReport, UnreadableDocument, parse_bytes
from ..processes import exit_with_parent
from .arrow_rows import RowBuffer, insert_arrow

PENDING_SQL = """
select d.rowid
from raw.documents d
where not exists (select 1 from staging.report_versions v where v.document_id = d.document_id)
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

TABLES = names.REPORT_TABLES


@dataclass
class ParseStats:
    parsed: int = 0
    quarantined: int = 0
    quarantine_reasons: Counter = field(default_factory=Counter)


@dataclass
class Outcome:
    document_id: str
    report: ParsedReport | None = None
    reason: str | None = None
    detail: str | None = None


@dataclass
class Rows:
    """A chunk's rows for every staging table, and each document's outcome (None when parsed, else the
    quarantine reason), in order."""
    tables: dict[str, pa.Table]
    outcomes: list[tuple[str, str | None]]

    def of(self, document_id: str) -> Rows:
        wanted = pa.array([document_id], pa.string())
        return Rows({name: table.filter(pc.is_in(table["document_id"], value_set=wanted))
                     for name, table in self.tables.items()},
                    [kept for kept in self.outcomes if kept[0] == document_id])


def parse_one(item: tuple[str, str, bytes], default_repo: str | None) -> Outcome:
    """Decode and parse one document. Never raises: any failure becomes a quarantine reason."""
    document_id, location, content = item
    try:
        return Outcome(document_id, report=parse_bytes(content, location, default_repo))
    except UnreadableDocument as exc:
        return Outcome(document_id, reason=exc.reason, detail=exc.detail)
    except Exception as exc:  # a parser bug must not abort the run; keep the evidence instead
        tail = traceback.format_exception(exc)[-1].strip()
        return Outcome(document_id, reason="parser_error", detail=tail[:2000])


def parse_chunk(items: list[tuple[str, str, bytes]], default_repo: str | None, raw: dict[str, dict],
                parsed_at: datetime) -> Rows:
    """A worker's job: parse documents and turn them into the staging tables' rows, so that the process
    writing to DuckDB does nothing but insert."""
    return rows_of([parse_one(item, default_repo) for item in items], raw, parsed_at)


def rows_of(outcomes: list[Outcome], raw: dict[str, dict], now: datetime) -> Rows:
    """Arrow rows of the outcomes. A document whose rows cannot be converted (text no encoder takes, a
    value out of its column's range) is quarantined as `load_error` instead: it never stops the others."""
    try:
        return Rows(_tables(outcomes, raw, now), [(o.document_id, o.reason) for o in outcomes])
    except Exception:
        pieces = [_rows_alone(outcome, raw, now) for outcome in outcomes]
        return Rows({table: pa.concat_tables([p.tables[table] for p in pieces]) for table in TABLES},
                    [kept for p in pieces for kept in p.outcomes])


def _rows_alone(outcome: Outcome, raw: dict[str, dict], now: datetime) -> Rows:
    try:
        return Rows(_tables([outcome], raw, now), [(outcome.document_id, outcome.reason)])
    except Exception as exc:
        return rows_of([_load_error(outcome.document_id, exc)], raw, now)


def _load_error(document_id: str, exc: Exception) -> Outcome:
    return Outcome(document_id, reason="load_error",
                   detail=f"the parsed rows could not be stored: {type(exc).__name__}: {exc}"[:2000])


def _add_report(buffers: dict[str, RowBuffer], outcome: Outcome, raw: dict, parsed_at: datetime) -> None:
    r = outcome.report
    key = {"document_id": outcome.document_id, "report_id": r.report_id, "repo": r.repo, "pr_number": r.pr_number}
    buffers["staging.report_versions"].add(
        **key, title=r.title, display_title=r.display_title, merged_at=r.merged_at, author=r.author,
        source_url=r.source_url, source_uri=raw["source_uri"], identity_source=r.identity_source,
        repo_source=r.repo_source, one_liner=r.one_liner, recommendation=r.recommendation, summary=r.summary,
        motivation=r.motivation, implementation=r.implementation, implementation_steps=r.implementation_steps,
        key_symbols=r.key_symbols, review_summary=r.review_summary, reviewers_named=r.reviewers_named,
        risk_text=r.risk_text, risk_level=r.risk_level, impact=r.impact, sections_found=r.sections_found,
        warnings=r.warnings, encoding=r.encoding, body_text=r.body_text, received_at=raw["received_at"],
        parsed_at=parsed_at, parser_version=PARSER_VERSION)
    for i, f in enumerate(r.key_files):
        buffers["staging.report_key_files"].add(**key, ordinal=i, path=f.path, module_label=f.module_label,
                                             category=f.category, file_type=f.file_type, symbols=f.symbols,
                                             description=f.description, status=f.status, importance=f.importance)
    for i, s in enumerate(r.code_snippets):
        buffers["staging.report_code_snippets"].add(**key, ordinal=i, path=s.path, language=s.language,
                                                 description=s.description, code=s.code)
    for i, h in enumerate(r.review_highlights):
        buffers["staging.report_review_highlights"].add(**key, ordinal=i, topic=h.topic, category=h.category,
                                                     text=h.text, people=h.people)
    for i, flag in enumerate(r.risk_flags):
        buffers["staging.report_risk_flags"].add(**key, ordinal=i, flag=flag)
    for i, ref in enumerate(r.references):
        buffers["staging.report_references"].add(
            **key, ordinal=i, ref_repo=ref.repo, ref_number=ref.number, ref_kind=ref.kind, relation=ref.relation,
            referenced_is=ref.referenced_is, section=ref.section, sentence=ref.sentence, ref_title=ref.title,
            cue=ref.cue, detail=ref.detail)


def parse_pending(con, *, default_repo: str | None = None, chunk_size: int = 1000, workers: int | None = None,
                  progress: Callable[[str], None] | None = None) -> ParseStats:
    stats = ParseStats()
    pending = [row[0] for row in con.execute(PENDING_SQL).fetchall()]
    total = len(pending)
    if not total:
        return stats
    if workers is None:
        workers = multiprocessing.cpu_count() if total >= PARALLEL_THRESHOLD else 1
    pool = (ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                initializer=exit_with_parent, initargs=(os.getpid(),)) if workers > 1 else None)
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
            items, raw = _read_documents(con, chunk)
            in_flight.append(((pool.submit(parse_chunk, items, default_repo, raw, now) if pool
                               else parse_chunk(items, default_repo, raw, now)), raw))
            if len(in_flight) > 2 * workers:
                store_oldest()
        while in_flight:
            store_oldest()
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)
    return stats


def _chunks(rowids: list[int], size: int) -> Iterator[list[int]]:
    chunk: list[int] = []
    for rowid in rowids:
        if chunk and (len(chunk) >= size or rowid - chunk[0] >= 4 * size):
            yield chunk
            chunk = []
        chunk.append(rowid)
    if chunk:
        yield chunk


def _read_documents(con, rowids: list[int]) -> tuple[list[tuple[str, str, bytes]], dict[str, dict]]:
    """The chunk's documents: the parser's input, and each one's source facts by document id."""
    wanted = set(rowids)
    rows = [r for r in con.execute(DOCUMENTS_SQL, [rowids[0], rowids[-1]]).fetchall() if r[0] in wanted]
    raw = {r[1]: {"source_uri": r[2], "sha256": r[3], "byte_size": r[4], "received_at": r[6]} for r in rows}
    return [(r[1], r[2], r[5]) for r in rows], raw


def store_rows(con, rows: Rows, raw: dict[str, dict], now: datetime) -> list[tuple[str, str | None]]:
    """Insert a chunk in one transaction. When one document's rows cannot be stored, the chunk is written
    one document at a time instead and that document is quarantined (`load_error`): it never stops the
    others. Returns each document's outcome as stored."""
    try:
        _insert(con, rows)
        return rows.outcomes
    except Exception:
        stored = []
        for document_id, _ in rows.outcomes:
            alone = rows.of(document_id)
            try:
                _insert(con, alone)
            except Exception as exc:
                alone = rows_of([_load_error(document_id, exc)], raw, now)
                _insert(con, alone)
            stored += alone.outcomes
        return stored


def _tables(outcomes: list[Outcome], raw: dict[str, dict], now: datetime) -> dict[str, pa.Table]:
    buffers = {table: RowBuffer(table) for table in TABLES}
    for outcome in outcomes:
        source = raw[outcome.document_id]
        if outcome.report is not None:
            _add_report(buffers, outcome, source, now)
        else:
            buffers["staging.quarantine"].add(document_id=outcome.document_id, source_uri=source["source_uri"],
                                           sha256=source["sha256"], byte_size=source["byte_size"],
                                           reason=outcome.reason, detail=outcome.detail, quarantined_at=now)
    return {table: buffer.to_arrow() for table, buffer in buffers.items()}


def _insert(con, rows: Rows) -> None:
    with transaction(con):
        for table, arrow in rows.tables.items():
            if arrow.num_rows:
                insert_arrow(con, table, arrow)
