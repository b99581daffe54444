"""HTML comments in a text or markdown report. Markdown shows none of them, so none may become the text of a
field; a provenance comment (`<!-- source: <url> -->`, as a person or a saving tool writes it, or a browser's
`<!-- saved from url=(0047)<url> -->`) names where the document was copied from, a fact about it that is
kept. Inside code (a fenced block or inline backticks) a comment is code and stays."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .text import is_fence

# CommonMark's comment: `<!-->`, `<!--->`, or `<!--` ... `-->` (it may span lines).
HTML_COMMENT = re.compile(r"<!--(?:-?>|.*?-->)", re.S)
# `source: <url>`; a browser's `saved from url=(0047)<url>`; SingleFile's `Page saved with SingleFile url: <url>`.
_PROVENANCE = re.compile(r"^\s*(?:source|saved from url=\(\d+\)|(?:page saved with singlefile\s+)?url)\s*[:：]?\s*"
                         r"(?P<url>https?://[^\s<>\"']+)", re.I)


@dataclass
class Uncommented:
    text: str
    comments: list[str] = field(default_factory=list)  # each comment's inner text, in order
    warnings: list[str] = field(default_factory=list)


def strip_comments(text: str) -> Uncommented:
    """The text without its HTML comments, and what they said. An opened comment that never closes is kept
    as text (dropping the rest of the report would lose it), with a warning."""
    if "<!--" not in text:  # nearly every report: no work at all
        return Uncommented(text)
    fenced = _fenced_spans(text)
    result = Uncommented(text)
    kept: list[str] = []
    at = 0
    while (start := text.find("<!--", at)) != -1:
        if (code_end := _code_end(text, start, fenced)) is not None:  # code: the comment is its text
            kept.append(text[at:code_end])
            at = code_end
            continue
        m = HTML_COMMENT.match(text, start)
        if m is None:
            result.warnings.append("an HTML comment opens but never closes: its text is kept")
            break
        kept.append(text[at:start])
        inner = m.group(0)[4:]
        result.comments.append(inner[:-3].strip() if inner.endswith("-->") else "")  # `<!-->`, `<!--->`: empty
        at = m.end()
    kept.append(text[at:])
    result.text = "".join(kept)
    return result


def provenance_url(comments: list[str]) -> str | None:
    """The URL the first provenance comment names."""
    for comment in comments:
        if m := _PROVENANCE.match(comment):
            return m["url"].rstrip(".,;)")
    return None


def _fenced_spans(text: str) -> list[tuple[int, int]]:
    """Character ranges of fenced code blocks (an unclosed fence runs to the end)."""
    if "```" not in text and "~~~" not in text:
        return []
    spans, opened, offset = [], None, 0
    for line in text.split("\n"):
        if is_fence(line):
            if opened is None:
                opened = offset
            else:
                spans.append((opened, offset + len(line)))
                opened = None
        offset += len(line) + 1
    if opened is not None:
        spans.append((opened, len(text)))
    return spans


def _code_end(text: str, at: int, fenced: list[tuple[int, int]]) -> int | None:
    """Where the code that `at` is in ends, when it is in code: a fenced block, or `inline code` (an odd
    number of backticks before it on its line); else None."""
    for start, end in fenced:
        if start <= at < end:
            return end
    line_start = text.rfind("\n", 0, at) + 1
    return at + 4 if text.count("`", line_start, at) % 2 == 1 else None
