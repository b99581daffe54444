"""Find the report's sections whatever their markup: `## 1. 执行摘要`, a bare `执行摘要` line, bold
`**风险与影响**`, or an HTML render where the heading is only a line of text. Lines inside code fences are
never headings. A key-file table (`文件 模块 状态 重要度`) standing in another section without a 关键文件
heading of its own is read as the key files, and the section it stood in goes on after it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .key_files import HEADER_FIRST, is_table_line, table_header
from .text import is_fence

# Canonical section name -> heading words (Chinese and English), longest first within the regex.
SECTION_HEADINGS: dict[str, tuple[str, ...]] = {
    "summary": ("执行摘要", "摘要", "概要", "Executive Summary", "Summary", "TL;DR"),
    "motivation": ("功能与动机", "背景与动机", "动机", "Motivation", "Background"),
    "implementation": ("实现拆解", "实现细节", "实现", "Implementation"),
    "key_files": ("关键文件", "涉及文件", "变更文件", "Key Files", "Files"),
    "key_symbols": ("关键符号", "Key Symbols", "Symbols"),
    "code": ("关键源码片段", "源码片段", "关键代码", "Code Snippets", "Key Code"),
    "review": ("评论区精华", "讨论亮点", "评审要点", "Review Highlights", "Review"),
    "risks": ("风险与影响", "风险评估", "Risks and Impact", "Risks & Impact", "Risk and Impact", "Risks"),
    "related": ("关联脉络", "关联 PR", "相关 PR", "Related PRs", "Related"),
    "discussion": ("参与讨论", "Participants", "Discussion"),
}
# Sections whose value may stand on the heading line itself (`关键符号: a, b`).
INLINE_VALUE_SECTIONS = {"key_symbols", "key_files"}
# A glued HTML heading such as `执行摘要一句话：...` is still a heading when a known label follows.
_LEADING_LABELS = re.compile(r"^(?:[-*•]\s*)?(一句话|推荐动作|风险|影响|Risk|Impact|One-liner)\s*[:：]")

_WORD_TO_SECTION = {word.lower(): name for name, words in SECTION_HEADINGS.items() for word in words}
_ALTERNATION = "|".join(re.escape(w) for w in sorted(_WORD_TO_SECTION, key=len, reverse=True))
HEADING = re.compile(
    r"^\s*(?:#{1,6}\s*)?(?:\*\*\s*)?"
    r"(?:(?:\d{1,2}|[一二三四五六七八九十]{1,2})[.、)）]\s*)?(?:\*\*\s*)?"
    rf"(?P<word>{_ALTERNATION})\s*(?:\*\*\s*)?(?:[:：]\s*(?:\*\*\s*)?)?(?P<rest>.*?)\s*$",
    re.IGNORECASE,
)


@dataclass
class Section:
    name: str
    heading: str
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines).strip()


@dataclass
class SplitDocument:
    header: list[str]
    sections: list[Section]
    warnings: list[str] = field(default_factory=list)

    def first(self, name: str) -> Section | None:
        return next((s for s in self.sections if s.name == name), None)

    def lines_of(self, name: str) -> list[str]:
        """All lines of every section with that name (a report may repeat a heading)."""
        return [line for s in self.sections if s.name == name for line in s.lines]


# What HEADING allows before the heading word; no heading word starts with one of these characters, so
# the character after them must be a heading word's first one (a cheap test that rules out most lines).
_BEFORE_WORD = "#*.、)）0123456789一二三四五六七八九十"
_FIRST_CHARS = frozenset(w[0].lower() for w in _WORD_TO_SECTION)
_FILE_NAME_FIRST = re.compile(r"^[`\w./-]+\.[A-Za-z0-9]+")


def match_heading(line: str) -> tuple[str, str] | None:
    """(section name, text after the heading) when the line is a section heading."""
    if len(line) > 200:
        return None
    start = line
    while (stripped := start.lstrip().lstrip(_BEFORE_WORD)) != start:
        start = stripped
    if not start or start[0].lower() not in _FIRST_CHARS:
        return None
    m = HEADING.match(line)
    if not m:
        return None
    name = _WORD_TO_SECTION[m.group("word").lower()]
    rest = m.group("rest")
    if rest and name not in INLINE_VALUE_SECTIONS and not _LEADING_LABELS.match(rest):
        return None
    if rest and name == "key_files" and not _FILE_NAME_FIRST.match(rest):
        return None
    # An English heading word must stand alone: "Review 中没有..." is prose, not a heading.
    if rest and m.group("word").isascii() and name not in INLINE_VALUE_SECTIONS:
        return None
    return name, rest


def split_sections(text: str) -> SplitDocument:
    header: list[str] = []
    sections: list[Section] = []
    warnings: list[str] = []
    lines = text.split("\n")
    fences = [i for i, line in enumerate(lines) if is_fence(line)]
    # With an odd number of fence lines, the last one opens a fence that nothing closes.
    unclosed_from = fences[-1] if len(fences) % 2 else len(lines)
    in_fence = False
    fence_lines = set(fences)
    table: list[str] | None = None  # the columns of a key-file table read out of the section it stands in
    for i, line in enumerate(lines):
        at_fence = i in fence_lines
        if at_fence:
            in_fence = not in_fence
        elif in_fence and i > unclosed_from and _closes_fence(line, sections):
            # A fence left open would swallow every later section: a new section's heading ends it.
            in_fence = False
            warnings.append(f"unclosed code fence closed at the heading {line.strip()[:40]!r}")
        if not in_fence and not at_fence:
            if table is not None:
                if is_table_line(table, line):
                    sections[-1].lines.append(line)
                    continue
                table = None  # past the table: the section it stood in goes on
                sections.append(Section(name=sections[-2].name, heading=sections[-2].heading))
            if found := match_heading(line):
                name, rest = found
                sections.append(Section(name=name, heading=line.strip()))
                if rest:
                    sections[-1].lines.append(rest)
                continue
            if (line[:1] in _TABLE_FIRST and sections and sections[-1].name != "key_files"
                    and (columns := _key_file_table(line))):
                table = columns
                sections.append(Section(name="key_files", heading=line.strip(), lines=[line]))
                continue
        (sections[-1].lines if sections else header).append(line)
    return SplitDocument(header=header, sections=sections, warnings=warnings)


_TABLE_FIRST = HEADER_FIRST | {" "}  # a cheap test before the header row's: most lines open otherwise


def _key_file_table(line: str) -> list[str] | None:
    """The columns of a key-file table's header row with a module column (`文件 模块 状态 重要度`): a table
    of files and their notes alone stays the text of its section."""
    columns = table_header(line)
    return columns if columns and "module_label" in columns else None


def _closes_fence(line: str, sections: list[Section]) -> bool:
    """A heading, at the start of its line, of a section the document has not had yet."""
    if line[:1].isspace() or not sections or not (found := match_heading(line)):
        return False
    return all(found[0] != s.name for s in sections)
