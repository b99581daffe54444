"""Parse one report document into a ParsedReport. Liberal in what it accepts: every section that is
present is read, a missing or damaged one is skipped with a warning, and the text is never lost (the
raw document is kept by the caller; here the section texts are kept as well)."""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

from .assessment import parse_review, parse_risks, parse_summary
from .comments import provenance_url, strip_comments
from .decoding import UnreadableDocument, decode_document
from .html_text import html_to_text, looks_like_html
from .identity import read_header, resolve_identity
from .key_files import parse_key_files
from .model import ParsedReport
from .references import find_references, related_title
from .sections import split_sections
from .snippets import parse_snippets
from .text import clean_document, items, plain, split_list, strip_bullet, unfold

_PARSER_FILES = Path(__file__).parent


@cache
def parser_version() -> str:
    """A digest of the parser's code and the link model: a document parsed by another version is parsed again
    from its raw bytes by the next run (etl/ingest/parse_reports.py), so a changed reader re-reads every report."""
    digest = hashlib.sha256()
    for path in sorted([*_PARSER_FILES.glob("*.py"), *_PARSER_FILES.glob("*.json")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]

_NO_SYMBOLS = re.compile(r"^(未识别|无|暂无|none|n/?a|-)?$", re.I)
_REFERENCE_SECTIONS = ("summary", "motivation", "implementation", "key_files", "review", "risks", "related", "code")


class NotAReport(UnreadableDocument):
    def __init__(self, detail: str):
        super().__init__("not_a_report", detail)


def parse_bytes(data: bytes, location: str | None = None, default_repo: str | None = None) -> ParsedReport:
    """Decode then parse; raises UnreadableDocument (with a reason) for what cannot be a report."""
    decoded = decode_document(data)
    report = parse_text(decoded.text, location, default_repo)
    report.encoding = decoded.encoding
    report.warnings[:0] = decoded.warnings
    return report


def parse_text(text: str, location: str | None = None, default_repo: str | None = None) -> ParsedReport:
    # Comments are never text: an HTML page's are set aside by its reader, a text's outside its code.
    if looks_like_html(text):
        page = html_to_text(text)  # scripts, styles and markup never reach the stored text
        text, comments, comment_warnings = page.text, page.comments, []
    else:
        uncommented = strip_comments(text)
        text, comments, comment_warnings = uncommented.text, uncommented.comments, uncommented.warnings
    body_text = text
    text = clean_document(text)
    doc = split_sections(text)
    header = read_header(doc.header, text)
    if not doc.sections and header.number is None:
        raise NotAReport("no report sections (执行摘要, 功能与动机, 风险与影响, ...) and no PR header")
    header.provenance_url = provenance_url(comments)
    ident = resolve_identity(header, location, default_repo)

    summary = parse_summary(doc.lines_of("summary"))
    risks = parse_risks(doc.lines_of("risks"))
    review_summary, highlights, reviewers = parse_review(doc.lines_of("review"))
    implementation_lines = doc.lines_of("implementation")
    steps = [plain(strip_bullet(i)) for i in items(implementation_lines)]
    symbols_text = plain(" ".join(doc.lines_of("key_symbols")))
    key_symbols = [] if _NO_SYMBOLS.match(symbols_text) else split_list(symbols_text)

    display_title = ident.title or summary.one_liner or (steps[0][:120] if steps else "untitled report")
    report = ParsedReport(
        report_id=_report_id(ident.repo, ident.number, summary.one_liner or summary.text or text),
        repo=ident.repo, pr_number=ident.number, title=ident.title, display_title=display_title,
        merged_at=ident.merged_at, author=ident.author, source_url=ident.source_url,
        identity_source=ident.number_source or "surrogate", repo_source=ident.repo_source,
        one_liner=summary.one_liner, recommendation=summary.recommendation, summary=summary.text,
        motivation=unfold(doc.lines_of("motivation")) or None,
        implementation=unfold(implementation_lines) or None, implementation_steps=steps,
        key_files=parse_key_files(doc.lines_of("key_files")), key_symbols=key_symbols,
        code_snippets=parse_snippets(doc.lines_of("code")),
        review_summary=review_summary, review_highlights=highlights, reviewers_named=reviewers,
        risk_text=risks.risk_text, risk_level=risks.level, impact=risks.impact, risk_flags=risks.flags,
        changes=ident.changes, provenance_url=ident.provenance_url,
        sections_found=list(dict.fromkeys(s.name for s in doc.sections)),
    )
    report.references = _references(doc, report)
    report.warnings = [*comment_warnings, *ident.warnings, *doc.warnings, *_warnings(report)]
    report.body_text = body_text
    return report


def _report_id(repo: str | None, number: int | None, content: str) -> str:
    if number is not None:
        return f"{repo or 'unknown'}#{number}"
    # Unnumbered: a surrogate from the one-liner, so a re-sent copy of the same report keeps its id.
    digest = hashlib.sha1(re.sub(r"\s+", "", content).encode()).hexdigest()[:12]
    return f"{repo or 'unknown'}~{digest}"


def _references(doc, report: ParsedReport):
    refs = []
    for name in _REFERENCE_SECTIONS:
        lines = doc.lines_of(name)
        if not lines:
            continue
        if name == "related":
            for item in items(lines):
                title = related_title(item)
                # The other PR's title ("Revert ...") says nothing about how it relates to this one.
                text = plain(item).replace(title, "", 1) if title else item
                found = find_references(text, name, repo=report.repo, own_number=report.pr_number)
                for ref in found[:1]:
                    ref.title = title
                refs.extend(found)
        else:
            text = "\n".join(lines) if name == "code" else unfold(lines)
            refs.extend(find_references(text, name, repo=report.repo, own_number=report.pr_number))
    if report.title:
        refs.extend(find_references(report.title, "title", repo=report.repo, own_number=report.pr_number))
    return refs


def _warnings(report: ParsedReport) -> list[str]:
    warnings = []
    for section in ("summary", "motivation", "implementation", "risks"):
        if section not in report.sections_found:
            warnings.append(f"missing section: {section}")
    if report.pr_number is None:
        warnings.append("no PR number: identified by a surrogate from its content")
    if report.repo is None:
        warnings.append("no repository in the header, location or link")
    return warnings
