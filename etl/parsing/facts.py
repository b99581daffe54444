"""Labelled facts of a report header, written without colons as the report site's PR page writes them
(`原始 PR 作者 <login> 合并时间 <YYYY-MM-DD HH:MM> 文件变更 <n> 提交数 <n> 评论 <n> 代码增减 +<a> / -<d>`) or with
them (`- 作者：alice`): read by label, in any order, any subset, separated by spaces, `·` or `|`, on one line or
spread over several (a page copied cell by cell puts each label and value on a line of its own)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .model import ChangeFigures
from .text import BULLET, plain

# Fact -> its labels. The figures are the change's size; author and merge time belong to the identity.
_LABELS: dict[str, tuple[str, ...]] = {
    "author": ("原始 PR 作者", "PR 作者", "作者", "Author"),
    "merged_at": ("合并时间", "合并于", "Merged at", "Merged"),
    "changed_files": ("文件变更", "变更文件数", "文件数", "Files changed"),
    "commits": ("提交数", "Commits"),
    "comments": ("评论数", "评论", "Comments"),
    "lines": ("代码增减", "增减行数", "Lines changed"),
}
_LABEL_TO_FACT = {"".join(label.split()).lower(): fact for fact, labels in _LABELS.items() for label in labels}
# Longest first, so that `原始 PR 作者` is one label and not `作者` after two words; the spaces inside a label
# are optional (`原始PR作者`). An English label needs its colon: without one, `Merged ...` is a title's words.
# English labels match in any case (a scoped flag: the whole pattern case-blind costs four times as much).
_ALTERNATION = "|".join(
    rf"(?i:{label_pattern})\b(?=\s*[:：])" if label.isascii() else label_pattern
    for label in sorted((label for labels in _LABELS.values() for label in labels), key=len, reverse=True)
    for label_pattern in [r"\s*".join(re.escape(word) for word in label.split())])
_LABEL = re.compile(rf"(?P<label>{_ALTERNATION})\s*[:：]?")
_STARTS_WITH_LABEL = re.compile(rf"^(?:{_ALTERNATION})")
# A login glued to its label (`作者alice` from spans with no space between) counts only when it looks like one.
_LOGIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*(?:\[bot\])?$")
_YEAR = re.compile(r"\d{4}")
_SEPARATORS = " \t·|｜•,，;；"
_COUNT = re.compile(r"^\d[\d,]*")
_LINES = re.compile(r"^\+?\s*(?P<added>\d[\d,]*)\s*(?:/|\s)\s*[-−–]\s*(?P<deleted>\d[\d,]*)")
# Figures go into 32-bit columns; a larger one is damage, not a size.
_LARGEST = 2**31 - 1


@dataclass
class Facts:
    author: str | None = None
    merged_at: str | None = None  # as written: the identity reads the time (etl/parsing/identity.py)
    changes: ChangeFigures = field(default_factory=ChangeFigures)
    warnings: list[str] = field(default_factory=list)
    found: bool = False  # a fact was read: else the text only opens with a label's word (a title, a sentence)


_BARE_ENDINGS = tuple(_LABEL_TO_FACT)
_FIRST_CHARS = frozenset(c for labels in _LABELS.values() for label in labels for c in (label[0], label[0].lower()))


def starts_with_fact(line: str) -> bool:
    """True when the line opens with a fact label (after a bullet or bold marks)."""
    if line.lstrip(" \t-*•+`")[:1] not in _FIRST_CHARS:  # a cheap test first: most lines open otherwise
        return False
    return _STARTS_WITH_LABEL.match(_unmarked(line)) is not None


def ends_with_bare_label(line: str) -> bool:
    """True when the line ends with a label that has no value yet (its value is on the next line)."""
    tail = _unmarked(line).rstrip(_SEPARATORS + ":：").replace(" ", "").lower()
    return tail.endswith(_BARE_ENDINGS)


def read_facts(text: str) -> Facts:
    """The facts `text` labels, with a warning for each value that cannot be read."""
    facts = Facts()
    text = _unmarked(text)
    marks = list(_LABEL.finditer(text))
    for i, m in enumerate(marks):
        value = text[m.end():marks[i + 1].start() if i + 1 < len(marks) else len(text)].strip(_SEPARATORS)
        fact = _LABEL_TO_FACT["".join(m["label"].split()).lower()]
        if not value:
            continue
        if fact == "author":
            author = value.strip("`@ ")
            if author and (_LOGIN.match(author) or text[m.end() - 1] in " \t:："):
                facts.author, facts.found = author, True
        elif fact == "merged_at":
            facts.merged_at = value
            facts.found = facts.found or _YEAR.search(value) is not None
        elif fact == "lines":
            if lines := _LINES.match(value):
                facts.changes.additions = _figure(lines["added"], facts, "additions")
                facts.changes.deletions = _figure(lines["deleted"], facts, "deletions")
                facts.found = True
            else:
                facts.warnings.append(f"line counts not understood, left empty: {value[:40]!r}")
        elif count := _COUNT.match(value):
            setattr(facts.changes, fact, _figure(count.group(0), facts, fact))
            facts.found = True
        else:
            facts.warnings.append(f"{fact.replace('_', ' ')} not understood, left empty: {value[:40]!r}")
    return facts


def _figure(digits: str, facts: Facts, name: str) -> int | None:
    number = int(digits.replace(",", ""))
    if number > _LARGEST:
        facts.warnings.append(f"{name.replace('_', ' ')} {digits[:24]} is out of range; ignored")
        return None
    return number


def _unmarked(line: str) -> str:
    line = line.strip()
    if BULLET.match(line):
        line = BULLET.sub("", line, count=1)
    return plain(line) if "*" in line or "`" in line else line
