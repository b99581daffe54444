"""Key file entries, as bullets (``- `path`（模块 X；类别 source；类型 core-logic；符号 a, b）: ...``), as bare
lines starting with a path (PDF text), or as a table (`文件 模块 状态 重要度`, markdown or HTML cells)."""

from __future__ import annotations

import re

from .model import KeyFile
from .text import BULLET, join_folded, plain, split_list

PATH = r"[A-Za-z0-9_.\-]*(?:/[A-Za-z0-9_.\-]+)+|[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)*\.[A-Za-z0-9]{1,8}"
# The bracket may be left open by a report cut off part-way: the fields that are whole are still read.
_ENTRY = re.compile(rf"^(?P<path>{PATH})\s*(?:[(（](?P<meta>[^)）]*)(?P<closed>[)）])?)?\s*(?:[:：]\s*(?P<desc>.*))?$")
_META_PART = re.compile(
    r"^(?P<key>模块|类别|类型|符号|状态|重要度|module|category|type|symbols?|status|importance)\s*[:：]?\s*"
    r"(?P<value>.*)$",
    re.I,
)
_META_FIELD = {"模块": "module_label", "module": "module_label", "类别": "category", "category": "category",
               "类型": "file_type", "type": "file_type", "符号": "symbols", "symbol": "symbols",
               "symbols": "symbols", "状态": "status", "status": "status", "重要度": "importance",
               "importance": "importance"}
_TABLE_COLUMNS = {"文件": "path", "路径": "path", "file": "path", "path": "path", **_META_FIELD,
                  "说明": "description", "描述": "description", "description": "description"}
_META_SEPARATOR = re.compile(r"[;；]")
_WIDE_GAP = re.compile(r"\s{2,}")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}")


def _entry_start(line: str) -> re.Match | None:
    body = plain(BULLET.sub("", line, count=1)) if BULLET.match(line) else plain(line)
    return _ENTRY.match(body)


def _apply_meta(entry: KeyFile, meta: str, cut: bool = False) -> None:
    """Fields `模块 X；类别 Y；符号 a, b`. `cut`: the text stops inside them, so the last value may be partial
    and is left out (the last symbol, or the last field's value)."""
    parts = [p for p in _META_SEPARATOR.split(meta) if p.strip()]
    for i, part in enumerate(parts):
        m = _META_PART.match(part.strip())
        if not m:
            continue
        attr = _META_FIELD[m["key"].lower()]
        last_cut = cut and i == len(parts) - 1
        if attr == "symbols":
            entry.symbols = split_list(m["value"])[:-1 if last_cut else None]
        elif not last_cut:
            setattr(entry, attr, plain(m["value"]) or None)


def _table_cells(line: str) -> list[str]:
    if "|" in line:
        return [plain(c) for c in line.strip().strip("|").split("|")]
    if "\t" in line:
        return [plain(c) for c in line.strip().split("\t")]
    return [plain(c) for c in _WIDE_GAP.split(line.strip())] if _WIDE_GAP.search(line.strip()) else line.split()


HEADER_FIRST = frozenset("文路FfPp|\t")  # what a table's header row can open with


def table_header(line: str) -> list[str] | None:
    """The columns of a key-file table's header row (`文件 模块 状态 重要度`, in any cell form), else None."""
    if line.lstrip(" ")[:1] not in HEADER_FIRST:  # a cheap test first: most lines start otherwise
        return None
    cells = [c.lower() for c in _table_cells(line)]
    if len(cells) >= 2 and cells[0] in ("文件", "路径", "file", "path") and any(
            c in _TABLE_COLUMNS for c in cells[1:]):
        return [_TABLE_COLUMNS.get(c, c) for c in cells]
    return None


def is_table_line(columns: list[str], line: str) -> bool:
    """True when the line belongs to a table with these columns: a row, its separator or a blank line."""
    return not line.strip() or _TABLE_SEPARATOR.match(line) is not None or _table_row(columns, line) is not None


def _table_row(columns: list[str], line: str) -> KeyFile | None:
    cells = _table_cells(line)
    if not cells or not re.fullmatch(PATH, cells[0]):
        return None
    if len(cells) > len(columns):  # space-separated cells: the module label may hold spaces
        extra = len(cells) - len(columns) + 1
        module_at = columns.index("module_label") if "module_label" in columns else 1
        cells = cells[:module_at] + [" ".join(cells[module_at:module_at + extra])] + cells[module_at + extra:]
    entry = KeyFile(path=cells[0])
    for column, value in zip(columns[1:], cells[1:], strict=False):
        if column == "symbols":
            entry.symbols = split_list(value)
        elif column in KeyFile.__dataclass_fields__ and value:
            setattr(entry, column, value)
    return entry


def parse_key_files(lines: list[str]) -> list[KeyFile]:
    entries: list[KeyFile] = []
    columns: list[str] | None = None
    for line in lines:
        if not line.strip() or _TABLE_SEPARATOR.match(line):
            continue
        if header := table_header(line):
            columns = header
            continue
        if columns and (row := _table_row(columns, line)):
            entries.append(row)
            continue
        if m := _entry_start(line):
            entry = KeyFile(path=m["path"], description=(m["desc"] or "").strip() or None)
            if m["meta"]:
                _apply_meta(entry, m["meta"], cut=not m["closed"])
            entries.append(entry)
        elif entries:  # a folded description, possibly after a blank line
            entries[-1].description = join_folded(entries[-1].description or "", plain(line))
    return entries
