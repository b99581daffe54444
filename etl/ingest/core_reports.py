"""Parse every raw document that has no outcome yet into the staging tables, or quarantine it with its
reason. A batch's reports, child rows and quarantine entries commit together, so the staging layer is
never half-written for a document, and a rerun picks up exactly the documents still pending."""

from __future__ import annotations

import multiprocessing
import os
import traceback
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa

from ..db import utc_now
from ..parsing import PARSER_VERSION, ParsedReport, UnreadableDocument, parse_bytes
from ..processes import exit_with_parent
from .arrow_rows import RowBuffer, insert_arrow

PENDING_SQL = """
select d.document_id
from raw.documents d
where not exists (select 1 from staging.report_versions v where v.document_id = d.document_id)
  and not exists (select 1 from staging.quarantine q where q.document_id = d.document_id)
order by d.received_at, d.document_id
"""
# Below this many documents a process pool costs more to start than it saves.
PARALLEL_THRESHOLD = 400

TABLES = ("staging.report_versions", "staging.report_key_files", "staging.report_code_snippets",
          "staging.report_review_highlights", "staging.report_risk_flags", "staging.report_references",
          "staging.quarantine")


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


def parse_one(item: tuple[str, str, bytes, str | None]) -> Outcome:
    """Decode and parse one document. Never raises: any failure becomes a quarantine reason."""
    document_id, location, content, default_repo = item
    try:
        return Outcome(document_id, report=parse_bytes(content, location, default_repo))
    except UnreadableDocument as exc:
        return Outcome(document_id, reason=exc.reason, detail=exc.detail)
    except Exception as exc:  # a parser bug must not abort the run; keep the evidence instead
        tail = traceback.format_exception(exc)[-1].strip()
        return Outcome(document_id, reason="parser_error", detail=tail[:2000])


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


def parse_pending(con, *, default_repo: str | None = None, batch_size: int = 2000, workers: int | None = None,
                  progress: Callable[[str], None] | None = None) -> ParseStats:
    pending = [row[0] for row in con.execute(PENDING_SQL).fetchall()]
    stats = ParseStats()
    if not pending:
        return stats
    if workers is None:
        workers = multiprocessing.cpu_count() if len(pending) >= PARALLEL_THRESHOLD else 1
    pool = (ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                initializer=exit_with_parent, initargs=(os.getpid(),)) if workers > 1 else None)
    try:
        for start in range(0, len(pending), batch_size):
            _load_batch(con, pending[start:start + batch_size], default_repo, pool, stats)
            if progress:
                progress(f"parse: {min(start + batch_size, len(pending))}/{len(pending)} documents "
                         f"({stats.parsed} parsed, {stats.quarantined} quarantined)")
    finally:
        if pool:
            pool.shutdown()
    return stats


def _load_batch(con, ids: list[str], default_repo: str | None, pool, stats: ParseStats) -> None:
    con.register("_batch_ids", pa.table({"document_id": pa.array(ids, pa.string())}))
    try:
        rows = con.execute(
            "select d.document_id, d.source_uri, d.sha256, d.byte_size, d.content, d.received_at "
            "from raw.documents d join _batch_ids using (document_id)").fetchall()
    finally:
        con.unregister("_batch_ids")
    raw = {r[0]: {"source_uri": r[1], "sha256": r[2], "byte_size": r[3], "received_at": r[5]} for r in rows}
    work = [(r[0], r[1], r[4], default_repo) for r in rows]
    outcomes = pool.map(parse_one, work, chunksize=64) if pool else map(parse_one, work)

    for outcome in store_outcomes(con, list(outcomes), raw, utc_now()):
        if outcome.report is not None:
            stats.parsed += 1
        else:
            stats.quarantined += 1
            stats.quarantine_reasons[outcome.reason] += 1


def store_outcomes(con, outcomes: list[Outcome], raw: dict, now: datetime) -> list[Outcome]:
    """Write a batch in one transaction. When one document's rows cannot be stored, the batch is written one
    document at a time instead and that document is quarantined (`load_error`): it never stops the others.
    Returns the outcomes as stored."""
    try:
        _write(con, outcomes, raw, now)
        return outcomes
    except Exception:
        stored = []
        for outcome in outcomes:
            try:
                _write(con, [outcome], raw, now)
            except Exception as exc:
                outcome = Outcome(outcome.document_id, reason="load_error", detail=(
                    f"the parsed rows could not be stored: {type(exc).__name__}: {exc}")[:2000])
                _write(con, [outcome], raw, now)
            stored.append(outcome)
        return stored


def _write(con, outcomes: list[Outcome], raw: dict, now: datetime) -> None:
    """One transaction: every report's rows, or the quarantine entry of each document that failed."""
    buffers = {table: RowBuffer(table) for table in TABLES}
    for outcome in outcomes:
        source = raw[outcome.document_id]
        if outcome.report is not None:
            _add_report(buffers, outcome, source, now)
        else:
            buffers["staging.quarantine"].add(document_id=outcome.document_id, source_uri=source["source_uri"],
                                           sha256=source["sha256"], byte_size=source["byte_size"],
                                           reason=outcome.reason, detail=outcome.detail, quarantined_at=now)
    tables = {table: buffer.to_arrow() for table, buffer in buffers.items()}  # fails before anything is written
    con.begin()
    try:
        for table, rows in tables.items():
            if rows.num_rows:
                insert_arrow(con, table, rows)
        con.commit()
    except BaseException:
        con.rollback()
        raise
