"""Rows read from GitHub's pull-request payloads: a PR, its files, reviews and review comments, in REST's
shapes (the GraphQL collector maps its nodes onto them). Both collectors build their rows here.

A payload is not trusted to be what the API documents. Each value is fitted to the type of its column as
warehouse/schema defines it (etl.table_shapes): a number given as a string is read as the number, a label
name that is a number is kept as its text, a number beyond the column's range or a time that cannot be read
is left empty, a lone surrogate is replaced by U+FFFD. Whatever had to be changed or left out is said in a
warning naming the field where it was found (`labels[2].name`, `reviews[0].id`), kept with the PR in
staging.github_warnings. Only a PR whose number cannot be stored is refused (PullUnreadable); a file, review
or comment without its key is left out, with a warning on its PR."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..table_shapes import table_shapes

PULLS, FILES = "staging.github_pulls", "staging.github_files"
REVIEWS, COMMENTS = "staging.github_reviews", "staging.github_review_comments"
_RANGES = {"INTEGER": (-2**31, 2**31 - 1), "BIGINT": (-2**63, 2**63 - 1)}
_INTEGER_TEXT = re.compile(r"\s*[+-]?\d{1,40}\s*")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
SHOWN = 60  # characters of a value quoted in a warning


class PullUnreadable(ValueError):
    """A pull request that cannot be stored at all: `field` is where, the message says why."""

    def __init__(self, field_path: str, why: str):
        super().__init__(f"{field_path}: {why}" if field_path else why)
        self.field = field_path


@dataclass
class Warnings:
    """What had to be changed or left out while reading one PR, by field (the first word on each)."""
    found: dict[str, str] = field(default_factory=dict)

    def add(self, where: str, what: str) -> None:
        self.found.setdefault(where, what)

    def lines(self) -> list[str]:
        return [f"{where}: {what}" for where, what in self.found.items()]

    def __bool__(self) -> bool:
        return bool(self.found)


@dataclass(frozen=True)
class Found:
    """A value as the payload gave it, and where (a field path), to be fitted to its column."""
    path: str
    value: object


def describe(value) -> str:
    """A value as a warning names it: its JSON kind, and the value itself when short."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({json.dumps(value)})"
    if isinstance(value, (int, float)):
        return f"a number ({_shown(repr(value) if isinstance(value, float) else str(value))})"
    if isinstance(value, str):
        return f"a string ({_shown(json.dumps(value, ensure_ascii=True))})"
    return {dict: "an object", list: "a list"}.get(type(value), f"a {type(value).__name__}")


def _shown(text: str) -> str:
    return text if len(text) <= SHOWN else text[:SHOWN] + "…"


def read_json(content: bytes):
    """A body's JSON, read as GitHub sends it (UTF-8). A byte that is not UTF-8 becomes a lone surrogate,
    which `text` then replaces with a warning naming its field: one bad byte costs a character, not the
    page. ValueError saying why when the body is not JSON."""
    decoded = content.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    try:
        return json.loads(decoded, parse_int=_json_integer)
    except RecursionError:
        raise ValueError("it nests deeper than can be read") from None
    except ValueError as exc:
        start = json.dumps(decoded[:60].encode("utf-8", "replace").decode("utf-8"))
        raise ValueError(f"{str(exc).split(':')[0]}; it starts {start}") from None


def _json_integer(digits: str) -> int | float:
    # Python refuses to convert integers of more than 4,300 digits, and would fail the whole page: anything
    # that long is beyond every column anyway, and reads as an infinite float (warned about as too large).
    return int(digits) if len(digits) <= 100 else float(digits)


# ---- fitting a value to its column's type -----------------------------------------------------------------

def fit(table: str, row: dict, warnings: Warnings) -> dict:
    """`row` with every Found value fitted to its column's type in `table`; other values are kept."""
    columns = table_shapes()[table].columns
    return {name: _fitted(columns[name], value.path, value.value, warnings) if isinstance(value, Found) else value
            for name, value in row.items()}


def _fitted(kind: str, path: str, value, warnings: Warnings):
    if value is None:
        return None
    if kind in _RANGES:
        return integer(value, path, warnings, kind)
    if kind in ("VARCHAR", "JSON"):
        return text(value, path, warnings)
    if kind == "BOOLEAN":
        return boolean(value, path, warnings)
    if kind == "TIMESTAMP":
        return time(value, path, warnings)
    if kind == "VARCHAR[]":
        return text_list(value, path, warnings)
    raise ValueError(f"no fitting for the column type {kind}")


def integer(value, path: str, warnings: Warnings, kind: str = "INTEGER") -> int | None:
    if value is None:
        return None
    note = None
    if isinstance(value, bool):
        warnings.add(path, f"{describe(value)}, not a number; left empty")
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not math.isfinite(value):
            warnings.add(path, "a number too large for a float; left empty")
            return None
        if not value.is_integer():
            warnings.add(path, f"{describe(value)} with a fraction; left empty")
            return None
        number, note = int(value), f"{describe(value)} written with a decimal point, read as {int(value)}"
    elif isinstance(value, str) and _INTEGER_TEXT.fullmatch(value):
        number, note = int(value), f"{describe(value)}, read as the number {int(value)}"
    else:
        warnings.add(path, f"{describe(value)}, not a number; left empty")
        return None
    low, high = _RANGES[kind]
    if not low <= number <= high:
        warnings.add(path, f"{_shown(str(number))} is beyond the range the warehouse stores "
                           f"({'32' if kind == 'INTEGER' else '64'}-bit); left empty")
        return None
    if note:
        warnings.add(path, note)
    return number


def text(value, path: str, warnings: Warnings) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return clean_text(value, path, warnings)
    if isinstance(value, (bool, int, float)):
        shown = json.dumps(value) if not isinstance(value, float) or math.isfinite(value) else str(value)
        warnings.add(path, f"{describe(value)}, kept as the text \"{_shown(shown)}\"")
        return shown
    warnings.add(path, f"{describe(value)}, kept as its JSON text")
    return clean_text(json.dumps(value, ensure_ascii=False, default=str), path, warnings)


def clean_text(value: str, path: str, warnings: Warnings) -> str:
    """Text DuckDB can store: a lone surrogate (half of a UTF-16 pair, or a byte that was not UTF-8) becomes
    U+FFFD. The raw response keeps what was sent."""
    lone = _LONE_SURROGATE.findall(value)
    if not lone:
        return value
    warnings.add(path, f"{len(lone)} character(s) that cannot be stored as text (lone surrogates such as "
                       f"\\u{ord(lone[0]):04x}, or bytes that are not UTF-8) replaced by U+FFFD")
    return _LONE_SURROGATE.sub("\ufffd", value)


def boolean(value, path: str, warnings: Warnings) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        warnings.add(path, f"{describe(value)}, read as {value.strip().lower()}")
        return value.strip().lower() == "true"
    warnings.add(path, f"{describe(value)}, not true or false; left empty")
    return None


def parse_time(value) -> datetime | None:
    """GitHub's ISO times as naive UTC; None when absent or unreadable."""
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    try:
        return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed
    except OverflowError:  # year 1 with a positive offset, year 9999 with a negative one
        return None


def time(value, path: str, warnings: Warnings) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    parsed = parse_time(value)
    if parsed is None:
        warnings.add(path, f"{describe(value)}, not a time; left empty")
    return parsed


def text_list(value, path: str, warnings: Warnings) -> list[str]:
    if not isinstance(value, list):
        warnings.add(path, f"{describe(value)}, not a list; left empty")
        return []
    items = []
    for i, entry in enumerate(value):
        if entry is None:
            warnings.add(f"{path}[{i}]", "null; left out")
        else:
            items.append(text(entry, f"{path}[{i}]", warnings))
    return items


def _object(value, path: str, warnings: Warnings) -> dict:
    """A nested object (user, base, head); anything else is warned about and read as empty."""
    if value is None or isinstance(value, dict):
        return value or {}
    warnings.add(path, f"{describe(value)}, not an object; read as empty")
    return {}


# ---- a pull request ----------------------------------------------------------------------------------------

def pull_number(item, warnings: Warnings | None = None) -> int:
    """The PR's number, or PullUnreadable when there is none the warehouse can store."""
    warnings = Warnings() if warnings is None else warnings
    if not isinstance(item, dict):
        raise PullUnreadable("", f"{describe(item)} where a pull request object was expected")
    if item.get("number") is None:
        raise PullUnreadable("number", "missing")
    seen = Warnings()
    number = integer(item["number"], "number", seen)
    if number is None or number <= 0:
        why = seen.found.get("number", f"{describe(item['number'])}, not a PR number").removesuffix("; left empty")
        raise PullUnreadable("number", f"{why}; the PR cannot be stored")
    warnings.found.update(seen.found)
    return number


def updated_at(item) -> datetime | None:
    """When the PR was last updated, None when the payload does not say readably."""
    return parse_time(item.get("updated_at")) if isinstance(item, dict) else None


def _login(user: dict, path: str) -> tuple[Found, bool | None]:
    if not user:  # a deleted account: GitHub gives null
        return Found(f"{path}.login", None), None
    login = user.get("login")
    return Found(f"{path}.login", login), (user.get("type") == "Bot" or str(login or "").endswith("[bot]"))


def _labels(value, warnings: Warnings) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        warnings.add("labels", f"{describe(value)}, not a list of labels; no labels read")
        return []
    names = []
    for i, label in enumerate(value):
        where = f"labels[{i}]"
        if label is None:
            warnings.add(where, "null; left out")
            continue
        if isinstance(label, dict):
            name = text(label.get("name"), f"{where}.name", warnings)
            if name is None:
                warnings.add(f"{where}.name", "missing; the label is left out")
                continue
        else:
            warnings.add(where, f"{describe(label)}, not a label object; read as the label's name")
            name = text(label, f"{where}.name", Warnings())
        names.append(name)
    return names


def pull_row(repo: str, item: dict, files: list | None, warnings: Warnings | None = None) -> dict:
    """A PR's row; `files` None when they could not be fetched whole (their totals are then unknown).
    PullUnreadable when its number cannot be stored; every other oddity is fitted and warned about."""
    warnings = Warnings() if warnings is None else warnings
    number = pull_number(item, warnings)
    author, author_is_bot = _login(_object(item.get("user"), "user", warnings), "user")
    base, head = _object(item.get("base"), "base", warnings), _object(item.get("head"), "head", warnings)
    summed = _file_totals(files)
    row = fit(PULLS, {
        "repo": repo, "number": number, "title": Found("title", item.get("title")),
        "body": Found("body", item.get("body")), "author": author, "author_is_bot": author_is_bot,
        "state": Found("state", item.get("state")), "draft": Found("draft", item.get("draft")),
        "created_at": Found("created_at", item.get("created_at")),
        "updated_at": Found("updated_at", item.get("updated_at")),
        "merged_at": Found("merged_at", item.get("merged_at")), "closed_at": Found("closed_at", item.get("closed_at")),
        "base_ref": Found("base.ref", base.get("ref")), "head_ref": Found("head.ref", head.get("ref")),
        "merge_commit_sha": Found("merge_commit_sha", item.get("merge_commit_sha")),
        "additions": Found("additions", item.get("additions")), "deletions": Found("deletions", item.get("deletions")),
        "changed_files": Found("changed_files", item.get("changed_files")),
        "labels": _labels(item.get("labels"), warnings), "html_url": Found("html_url", item.get("html_url")),
    }, warnings)
    for name in ("additions", "deletions", "changed_files"):
        if row[name] is None and item.get(name) is None and summed is not None:
            row[name] = summed[name]
    if row["updated_at"] is None:  # a PR is never left out for want of it: the latest other time stands in
        stand_in, source = max(((row[name], name) for name in ("closed_at", "merged_at", "created_at") if row[name]),
                               default=(datetime.now(UTC).replace(tzinfo=None, microsecond=0), "the time it was read"))
        warnings.found.pop("updated_at", None)
        warnings.add("updated_at", f"{describe(item.get('updated_at'))}, not a time; {source} stands in "
                                   f"({stand_in:%Y-%m-%d %H:%M:%S})")
        row["updated_at"] = stand_in
    return row


def _file_totals(files: list | None) -> dict | None:
    if files is None:
        return None
    rows = list(file_rows(files, Warnings()))
    return {"additions": sum(r["additions"] or 0 for r in rows), "deletions": sum(r["deletions"] or 0 for r in rows),
            "changed_files": len(rows)}


# ---- its files, reviews and review comments ----------------------------------------------------------------

def _entries(entries: list, part: str, warnings: Warnings) -> Iterator[tuple[str, dict]]:
    """(field path, entry) for each entry that is an object; anything else is warned about and left out."""
    for i, entry in enumerate(entries):
        where = f"{part}[{i}]"
        if isinstance(entry, dict):
            yield where, entry
        else:
            warnings.add(where, f"{describe(entry)} where an object was expected; left out")


def _keyed(rows: Iterator[tuple[str, str, dict]], key: str, part: str, warnings: Warnings) -> Iterator[dict]:
    """Rows whose key could be read, each key once; the others are warned about and left out."""
    seen = set()
    for where, key_field, row in rows:
        if row[key] is None:
            key_path = f"{where}.{key_field}"
            found = warnings.found.pop(key_path, "missing").removesuffix("; left empty")
            warnings.add(key_path, f"{found}; the {part} is left out")
        elif row[key] in seen:
            warnings.add(where, f"{part} {row[key]} listed again; the first is kept")
        else:
            seen.add(row[key])
            yield row


def file_rows(files: list, warnings: Warnings | None = None) -> Iterator[dict]:
    warnings = Warnings() if warnings is None else warnings

    def read() -> Iterator[tuple[str, str, dict]]:
        for where, entry in _entries(files, "files", warnings):
            yield where, "filename", fit(FILES, {
                "path": Found(f"{where}.filename", entry.get("filename")),
                "status": Found(f"{where}.status", entry.get("status")),
                "additions": Found(f"{where}.additions", entry.get("additions")),
                "deletions": Found(f"{where}.deletions", entry.get("deletions")),
                "previous_path": Found(f"{where}.previous_filename", entry.get("previous_filename"))}, warnings)

    yield from _keyed(read(), "path", "file", warnings)


def review_rows(reviews: list, warnings: Warnings | None = None) -> Iterator[dict]:
    warnings = Warnings() if warnings is None else warnings

    def read() -> Iterator[tuple[str, str, dict]]:
        for where, review in _entries(reviews, "reviews", warnings):
            reviewer, is_bot = _login(_object(review.get("user"), f"{where}.user", warnings), f"{where}.user")
            yield where, "id", fit(REVIEWS, {
                "review_id": Found(f"{where}.id", review.get("id")), "reviewer": reviewer, "reviewer_is_bot": is_bot,
                "state": Found(f"{where}.state", review.get("state")),
                "submitted_at": Found(f"{where}.submitted_at", review.get("submitted_at")),
                "body": Found(f"{where}.body", review.get("body")),
                "commit_id": Found(f"{where}.commit_id", review.get("commit_id"))}, warnings)

    yield from _keyed(read(), "review_id", "review", warnings)


def comment_rows(comments: list, warnings: Warnings | None = None) -> Iterator[dict]:
    warnings = Warnings() if warnings is None else warnings

    def read() -> Iterator[tuple[str, str, dict]]:
        for where, comment in _entries(comments, "comments", warnings):
            author, is_bot = _login(_object(comment.get("user"), f"{where}.user", warnings), f"{where}.user")
            line = next((name for name in ("line", "original_line", "position") if comment.get(name)), "line")
            yield where, "id", fit(COMMENTS, {
                "comment_id": Found(f"{where}.id", comment.get("id")),
                "review_id": Found(f"{where}.pull_request_review_id", comment.get("pull_request_review_id")),
                "author": author, "author_is_bot": is_bot, "path": Found(f"{where}.path", comment.get("path")),
                "line": Found(f"{where}.{line}", comment.get(line)),
                "body": Found(f"{where}.body", comment.get("body")),
                "created_at": Found(f"{where}.created_at", comment.get("created_at")),
                "in_reply_to": Found(f"{where}.in_reply_to_id", comment.get("in_reply_to_id"))}, warnings)

    yield from _keyed(read(), "comment_id", "comment", warnings)
