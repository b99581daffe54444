"""HTML comments in a text or markdown report. Markdown shows none of them, so none may become the text of a
field; a provenance comment (`<!-- source: <url> -->`, as a person or a saving tool writes it, or a browser's
`<!-- saved from url=(0047)<url> -->`) names where the document was copied from, a fact about it that is
kept. Inside code (a fenced block or inline backticks) a comment is code and stays."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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


# What the scan stops at: a fence line, a run of backticks (inline code opens or closes), a comment's opening.
_TOKENS = re.compile(r"^[ \t]*(?P<fence>```|~~~)[^\n]*|(?P<ticks>`+)|<!--", re.M)


def strip_comments(text: str) -> Uncommented:
    """The text without its HTML comments, and what they said. An opened comment that never closes is kept
    as text (dropping the rest of the report would lose it), with a warning. One pass: the scan only moves on."""
    result = Uncommented(text)
    if "<!--" not in text:  # nearly every report: no work at all
        return result
    kept: list[str] = []
    at = scan = 0
    in_fence = False
    code_until = -1  # inline code runs at most to the end of the line it opened on
    while m := _TOKENS.search(text, scan):
        scan = m.end()
        if m["fence"]:
            in_fence, code_until = not in_fence, -1
        elif in_fence:
            continue
        elif m["ticks"]:
            if len(m["ticks"]) % 2:
                in_code = m.start() <= code_until
                code_until = -1 if in_code else _line_end(text, m.start())
        elif m.start() > code_until:
            comment = HTML_COMMENT.match(text, m.start())
            if comment is None:
                result.warnings.append("an HTML comment opens but never closes: its text is kept")
                break
            kept.append(text[at:m.start()])
            inner = comment.group(0)[4:]
            result.comments.append(inner[:-3].strip() if inner.endswith("-->") else "")  # `<!-->`, `<!--->`: empty
            at = scan = comment.end()
    kept.append(text[at:])
    result.text = "".join(kept)
    return result


def provenance_url(comments: list[str]) -> str | None:
    """The URL the first provenance comment names."""
    for comment in comments:
        if m := _PROVENANCE.match(comment):
            return m["url"].rstrip(".,;)")
    return None


def _line_end(text: str, at: int) -> int:
    end = text.find("\n", at)
    return len(text) if end == -1 else end
