"""Search snippets: the passage of a report around the query's terms, as plain text (Markdown marks and
HTML tags taken out), HTML-escaped, with the matches wrapped in <mark>. Escaping happens piece by piece
before any tag is added, so report text can never become markup."""

from __future__ import annotations

import html
import re

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_QUERY_PARTS = re.compile(rf"[A-Za-z0-9_]{{2,}}|[{_HAN}]+")
# What a reader should not see in a snippet, each pattern linear in the text (no nested repetition):
_LINK = re.compile(r"!?\[([^\[\]\n]{0,300})\]\([^()\[\]\s]{0,2000}\)")  # [text](url), ![alt](src): the text
_TAG = re.compile(r"</?[A-Za-z][^<>\n]{0,500}>")  # an HTML tag (its text, if any, stays)
_LINE_MARKS = re.compile(r"^[ \t]*(?:#{1,6}[ \t]+|>[ \t]?|[-*+][ \t]+|\|)", re.MULTILINE)  # heading, quote, bullet
_INLINE_MARKS = re.compile(r"\*\*|__|`+|(?<=\s)\|(?=\s)|^[-=|: ]{3,}$|\|[ \t]*$", re.MULTILINE)


def plain_text(markdown: str) -> str:
    """Report text as a reader sees it rendered: without heading, list, emphasis, code or table marks,
    with each link's text in place of the link, and without HTML tags."""
    text = _LINK.sub(r"\1", markdown or "")
    text = _TAG.sub(" ", text)
    text = _LINE_MARKS.sub("", text)
    return _INLINE_MARKS.sub(" ", text)


def query_pattern(query: str) -> re.Pattern | None:
    """Whole query words and Han runs, and each run's bigrams (what the index matched), longest first."""
    parts: set[str] = set()
    for part in _QUERY_PARTS.findall(query):
        parts.add(part)
        if part[0] > "\u3000" and len(part) > 2:
            parts.update(part[i:i + 2] for i in range(len(part) - 1))
    if not parts:
        return None
    return re.compile("|".join(re.escape(p) for p in sorted(parts, key=len, reverse=True)), re.IGNORECASE)


def snippet(text: str, query: str, width: int = 160) -> str:
    """HTML: about `width` characters of `text` around the first longest match, matches marked."""
    text = " ".join(plain_text(text).split())
    pattern = query_pattern(query)
    matches = list(pattern.finditer(text)) if pattern else []
    if not matches:
        return html.escape(text[:width]) + ("…" if len(text) > width else "")
    best = max(matches, key=lambda m: (len(m.group()), -m.start()))
    start = max(0, best.start() - width // 3)
    end = min(len(text), start + width)
    pieces, cursor = [], start
    for match in pattern.finditer(text, start, end):
        pieces.append(html.escape(text[cursor:match.start()]))
        pieces.append(f"<mark>{html.escape(match.group())}</mark>")
        cursor = match.end()
    pieces.append(html.escape(text[cursor:end]))
    return ("…" if start else "") + "".join(pieces) + ("…" if end < len(text) else "")
