"""The parser workers' side of the parse step: parse a chunk of documents and turn it into the staging
tables' Arrow rows, so that the process writing to DuckDB does nothing but insert. A worker imports neither
DuckDB nor pandas (see start_worker): it needs only the parser and pyarrow."""

from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa

from .. import names, table_shapes
from ..parsing import ParsedReport, UnreadableDocument, parse_bytes, parser_version
from ..processes import exit_with_parent
from .arrow_rows import RowBuffer

TABLES = names.REPORT_TABLES


def start_worker(parent: int, shapes: dict[str, table_shapes.TableShape]) -> None:
    """A pool worker's initializer: end with the parent; take its table shapes rather than open DuckDB to read
    them; and make pandas unimportable, which pyarrow would otherwise load (about 50 MB a worker) on its first
    conversion only to ask whether a value is a pandas object. pyarrow takes the ImportError as "no pandas".
    Arrow allocates from the C allocator here: its default pool keeps freed pages, about 15 MB a worker."""
    exit_with_parent(parent)
    table_shapes.adopt(shapes)
    sys.meta_path.insert(0, _NoPandas)
    pa.set_memory_pool(pa.system_memory_pool())


class _NoPandas:
    """An import finder that refuses pandas (see start_worker)."""

    @staticmethod
    def find_spec(name: str, path=None, target=None):
        if name.partition(".")[0] == "pandas":
            raise ModuleNotFoundError("a parser worker does without pandas", name=name)
        return None


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
        import pyarrow.compute as pc  # only the writer needs it, when a chunk fails: a worker is 9 MB lighter

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
        return rows_of([load_error(outcome.document_id, exc)], raw, now)


def load_error(document_id: str, exc: Exception) -> Outcome:
    return Outcome(document_id, reason="load_error",
                   detail=f"the parsed rows could not be stored: {type(exc).__name__}: {exc}"[:2000])


def _add_report(buffers: dict[str, RowBuffer], outcome: Outcome, raw: dict, parsed_at: datetime) -> None:
    r = outcome.report
    key = {"document_id": outcome.document_id, "report_id": r.report_id, "repo": r.repo, "pr_number": r.pr_number}
    buffers["staging.report_versions"].add(
        **key, title=r.title, display_title=r.display_title, merged_at=r.merged_at, author=r.author,
        source_url=r.source_url, provenance_url=r.provenance_url, source_uri=raw["source_uri"],
        identity_source=r.identity_source,
        repo_source=r.repo_source, one_liner=r.one_liner, recommendation=r.recommendation, summary=r.summary,
        motivation=r.motivation, implementation=r.implementation, implementation_steps=r.implementation_steps,
        key_symbols=r.key_symbols, review_summary=r.review_summary, reviewers_named=r.reviewers_named,
        risk_text=r.risk_text, risk_level=r.risk_level, impact=r.impact, **vars(r.changes),
        sections_found=r.sections_found,
        warnings=r.warnings, encoding=r.encoding, body_text=r.body_text, received_at=raw["received_at"],
        parsed_at=parsed_at, parser_version=parser_version())
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
