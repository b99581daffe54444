"""Small text helpers shared by the section parsers: cleaning markdown noise, re-joining lines that PDF
extraction folded, and cutting text into list items and sentences."""

from __future__ import annotations

import re

_MD_ESCAPE = re.compile(r"\\+([\\`*_{}\[\]()#+\-.!|<>~])")
_INVISIBLE = (("\u200b", ""), ("\u200c", ""), ("\u200d", ""), ("\ufeff", ""), ("\u00a0", " "), ("\u3000", " "))
FENCE = re.compile(r"^\s*(```|~~~)")
BULLET = re.compile(r"^\s*(?:[-*+•·]\s+|•\s*|\d{1,2}[.、)）]\s+|\d{1,2}、\s*|[（(]\d{1,2}[)）]\s*)")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
_BOLD = re.compile(r"\*\*([^*\n]*?)\*\*")  # no whitespace trimming here: that made long blank runs cubic
# Longer runs of blanks outside code are layout debris (PDF columns, padding); capped so that no pattern
# meets an unbounded run of them.
_BLANK_RUN = re.compile(r"[ \t]{41,}")
_INLINE_CODE = re.compile(r"`+([^`\n]*?)`+")
_LIST_SEPARATOR = re.compile(r"[,，、;；]\s*")
_SENTENCE_ENDS = ("。", "！", "？")


def is_fence(line: str) -> bool:
    return ("```" in line or "~~~" in line) and FENCE.match(line) is not None  # substring test first: cheap


def clean_document(text: str) -> str:
    """Line ends to LF, invisible characters out, markdown escapes undone outside code fences."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for invisible, replacement in _INVISIBLE:  # str.replace is far faster than translate with a dict
        if invisible in text:
            text = text.replace(invisible, replacement)
    lines = text.split("\n")
    in_fence = False
    for i, line in enumerate(lines):
        if is_fence(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        if "\\" in line:
            line = lines[i] = _MD_ESCAPE.sub(r"\1", line)
        if "   " in line and len(line) > 40:
            lines[i] = _BLANK_RUN.sub(" " * 40, line)
    return "\n".join(lines)


def plain(text: str) -> str:
    """Inline markup off (bold, backticks), whitespace folded: for values stored in columns."""
    if "**" in text:
        text = _BOLD.sub(lambda m: m[1].strip(), text)
    if "`" in text:
        text = _INLINE_CODE.sub(r"\1", text)
    return _folded(text.replace("**", ""))


def title_text(text: str) -> str:
    """A title as its author wrote it: bold marks off, whitespace folded, but inline code marks kept, so that
    it reads the same as the PR's title on GitHub and in git."""
    if "**" in text:
        text = _BOLD.sub(lambda m: m[1].strip(), text)
    return _folded(text.replace("**", ""))


def _folded(text: str) -> str:
    return " ".join(text.split())  # str.split and the regex \s agree on what whitespace is


def is_cjk(ch: str) -> bool:
    return bool(_CJK.match(ch))


def join_folded(left: str, right: str) -> str:
    """Join two pieces of one folded line: no space between two CJK characters, one space otherwise."""
    left, right = left.rstrip(), right.lstrip()
    if not left:
        return right
    if not right:
        return left
    glue = "" if is_cjk(left[-1]) and is_cjk(right[0]) else " "
    return left + glue + right


def items(lines: list[str], *, blank_ends_item: bool = True, starts_item: re.Pattern | None = None) -> list[str]:
    """Group lines into list items: a bullet or number starts an item, other lines continue it.

    Text before the first bullet forms items of its own, one per paragraph. `starts_item` marks more
    lines that open an item (labels such as `推荐动作：` when an HTML render dropped the bullets). Without a
    bullet, a line that ends a Chinese sentence ends its item: a page copied as text keeps each list item on
    a line of its own but drops the bullets, while a line folded by PDF extraction stops mid-sentence.
    """
    result: list[str] = []
    current: list[str] | None = None  # the item's pieces, joined once it ends: a long item costs no more per line
    bulleted = False
    for line in lines:
        stripped = line.strip()
        if not stripped:
            if blank_ends_item and current is not None:
                result.append(current[0] if len(current) == 1 else "".join(current))
                current = None
            continue
        starts = BULLET.match(line) is not None
        if (starts or current is None or (starts_item is not None and starts_item.match(stripped))
                or (not bulleted and current[-1].endswith(_SENTENCE_ENDS))):
            if current is not None:
                result.append(current[0] if len(current) == 1 else "".join(current))
            current, bulleted = [stripped], starts
        else:  # as join_folded does, piece by piece
            current[-1] = left = current[-1].rstrip()
            right = line.lstrip()
            current.append(right if is_cjk(left[-1]) and is_cjk(right[0]) else " " + right)
    if current is not None:
        result.append(current[0] if len(current) == 1 else "".join(current))
    return result


def strip_bullet(item: str) -> str:
    return BULLET.sub("", item, count=1).strip()


def unfold(lines: list[str]) -> str:
    """Section text with folded lines re-joined; paragraphs and list items each on one line."""
    return "\n".join(items(lines))



def split_list(value: str) -> list[str]:
    """A comma, ideographic comma or semicolon separated list, backticks and trailing stops dropped."""
    parts = _LIST_SEPARATOR.split(plain(value))
    return [p.strip(" 。.\"'“”") for p in parts if p.strip(" 。.\"'“”")]
