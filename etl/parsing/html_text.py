"""Turn an HTML report page into the plain text the parser reads: block elements become line breaks,
table cells are tab-separated, scripts, styles, navigation and footers are dropped (never executed, never
kept as text), and comments are set aside (never text; one may name where the page was saved from)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from .comments import HTML_COMMENT

_BLOCK = {"p", "div", "section", "article", "header", "h1", "h2", "h3", "h4", "h5", "h6",
          "li", "ul", "ol", "pre", "blockquote", "tr", "table", "br", "hr", "main", "dt", "dd", "aside"}
# Site chrome (menus, footers, buttons) holds no report text; scripts and styles are never text.
_SKIP = {"script", "style", "noscript", "template", "svg", "head", "nav", "footer", "button"}
# A link to a PR or issue whose words do not name it (`<a href=".../pull/27333">这次改动</a>`): its address is
# kept beside the words, as a markdown link keeps it, so that the reference is still read.
_PULL_HREF = re.compile(r"/(?:pull|issues)/(?P<number>\d+)")


@dataclass
class PageText:
    text: str
    comments: list[str] = field(default_factory=list)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.comments: list[str] = []
        self._skip_depth = 0
        self._in_pre = 0
        self._links: list[tuple[int, str, str]] = []  # (where its words start in parts, href, number)

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self._skip_depth += 1
        elif tag in _BLOCK:
            self.parts.append("\n")
            if tag == "li":
                self.parts.append("- ")
            if tag == "pre":
                self._in_pre += 1
                self.parts.append("```\n")
        elif tag in ("td", "th"):
            self.parts.append("\t")
        elif tag == "a" and (href := dict(attrs).get("href")) and (m := _PULL_HREF.search(href)):
            self._links.append((len(self.parts), href, m["number"]))

    def handle_startendtag(self, tag, attrs):
        if tag not in _SKIP:  # <br/>, <hr/>: no content to skip, only a break
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag == "pre":
            self._in_pre = max(0, self._in_pre - 1)
            self.parts.append("\n```\n")
        elif tag in _BLOCK:
            self.parts.append("\n")
        elif tag == "a" and self._links:
            start, href, number = self._links.pop()
            if not self._skip_depth and number not in "".join(self.parts[start:]):
                self.parts.append(f" ({href})")

    def handle_data(self, data):
        if self._skip_depth:
            return
        self.parts.append(data if self._in_pre else re.sub(r"[ \t\r\n]+", " ", data))

    def handle_comment(self, data):
        self.comments.append(data.strip())


# What may come before a page's first tag: an XML declaration, comments (a saving tool's provenance note).
_PREAMBLE = re.compile(rf"\s*(?:<\?xml[^>]*\?>\s*)?(?:(?:{HTML_COMMENT.pattern})\s*)*", re.S)


def looks_like_html(text: str) -> bool:
    start = _PREAMBLE.match(text, 0, 20000).end()
    head = text[start:start + 500].lower()
    return head.startswith(("<!doctype html", "<html", "<body", "<head")) or bool(
        re.match(r"<(div|article|section|main|h1|p)[\s>]", head))


def html_to_text(html: str) -> PageText:
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    text = "".join(extractor.parts)
    lines = [line.strip(" \t") for line in text.split("\n")]
    return PageText(re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n", extractor.comments)
