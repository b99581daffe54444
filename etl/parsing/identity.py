"""Who the report is about: repo, PR number, title, merge time, author and source link, read from the
header when it has them, else from where the document came from, else from its original link (or the URL a
provenance comment names). The header also holds the change's size when the report site's page states it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from .facts import Facts, ends_with_bare_label, read_facts, starts_with_fact
from .model import ChangeFigures
from .text import plain, title_text

REPO = r"[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*"
# GitHub numbers PRs and issues from 1 in one 32-bit sequence; a larger number is a typo or an attack and
# would not fit the warehouse's integer columns.
MAX_PR_NUMBER = 2**31 - 1
# Merge times before GitHub existed, or far in the future, are damage, not dates.
_EARLIEST_YEAR, _LATEST_YEAR = 2008, 2100
# The site's report.md and PR page, and the page saved as a file (`.../pull/27480/index.html`, `.../pull/27480.html`).
_PULL_LOCATION = re.compile(rf"(?:^|/)(?P<repo>{REPO})/pull/(?P<number>\d+)(?:/report\.md|/index\.html?|\.html?|/)?"
                            r"(?:[?#].*)?$")
_PULL_ANYWHERE = re.compile(rf"(?P<repo>{REPO})/pull/(?P<number>\d+)")
# `PR #21035 完整报告` (the markdown), `#21035 <title>` (the site's PR page); a `#` heading mark may precede.
_PR_TITLE_LINE = re.compile(r"^\s*(?:#+\s*)?(?:(?P<pr>PR)\s*#\s*|#)(?P<number>\d+)(?!\d)\s*[:：—–-]?\s*(?P<rest>.*)$",
                            re.I)
_LABEL = re.compile(
    r"^\s*(?:[-*•]\s*)?(?:\*\*)?\s*(?P<label>仓库|Repository|Repo|标题|Title|"
    r"原文链接|原始链接|链接|Source|URL|PR 编号|编号)\s*(?:\*\*)?\s*[:：]\s*(?P<value>.*)$",
    re.I,
)
_BARE_REPO = re.compile(rf"^\s*(?P<repo>{REPO})\s*$")
_URL = re.compile(r"https?://[^\s<>()\"'）]+")
_DATE = re.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*T?\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{2})(?:\s*[:：分]\s*(?P<S>\d{2}))?)?"
)
_REPORT_WORDS = re.compile(r"(完整报告|分析报告|报告|report)\s*$", re.I)


@dataclass
class Identity:
    repo: str | None = None
    repo_source: str | None = None
    number: int | None = None
    number_source: str | None = None
    title: str | None = None
    merged_at: datetime | None = None
    author: str | None = None
    source_url: str | None = None
    provenance_url: str | None = None  # set by the caller from the document's comments
    changes: ChangeFigures = field(default_factory=ChangeFigures)  # the size of the change, when the page states it
    warnings: list[str] = field(default_factory=list)


def pr_number(digits: str) -> int | None:
    """A PR or issue number, or None when it cannot be one (0, or beyond GitHub's 32-bit range)."""
    if len(digits) > 10:
        return None
    number = int(digits)
    return number if 0 < number <= MAX_PR_NUMBER else None


def parse_datetime(value: str) -> datetime | None:
    m = _DATE.search(value)
    if not m or not _EARLIEST_YEAR <= int(m["y"]) <= _LATEST_YEAR:
        return None
    try:
        return datetime(int(m["y"]), int(m["m"]), int(m["d"]), int(m["H"] or 0), int(m["M"] or 0),
                        int(m["S"] or 0))
    except ValueError:
        return None


def _merge_time(ident: Identity, value: str) -> None:
    ident.merged_at = parse_datetime(value)
    if ident.merged_at is None and value.strip():
        ident.warnings.append(f"merge time not understood, left empty: {value.strip()[:60]!r}")


def _set_number(ident: Identity, digits: str, source: str) -> None:
    number = pr_number(digits)
    if number is None:
        ident.warnings.append(f"PR number {digits[:24]} in the {source} is out of range; ignored")
    else:
        ident.number, ident.number_source = number, source


def location_identity(location: str | None) -> tuple[str | None, int | None]:
    """Repo and number from a path or URL laid out like the report site: <owner>/<repo>/pull/<n>."""
    if not location:
        return None, None
    m = _PULL_LOCATION.search(location.replace("\\", "/"))
    if not m:
        return None, None
    return m["repo"], pr_number(m["number"])


def _page_header(line: str, ident: Identity) -> bool:
    """An HTML render's header: `owner/repo · 作者 X · 合并时间 2026-04-08 17:03 · #21035`."""
    if "·" not in line:
        return False
    matched = False
    for part in (p.strip() for p in line.split("·")):
        if m := _BARE_REPO.match(part):
            ident.repo, ident.repo_source, matched = m["repo"], "header", True
        elif m := re.fullmatch(r"(?:PR\s*)?#(\d+)", part):
            _set_number(ident, m[1], "header")
            matched = True
        elif starts_with_fact(part) and (facts := read_facts(part)).found:
            _apply_facts(ident, facts)
            matched = True
    return matched


def _apply_facts(ident: Identity, facts: Facts) -> None:
    if facts.author:
        ident.author = facts.author
    if facts.merged_at:
        _merge_time(ident, facts.merged_at)
    for name, value in vars(facts.changes).items():
        if value is not None:
            setattr(ident.changes, name, value)
    ident.warnings.extend(facts.warnings)


def _facts_run(lines: list[str], start: int) -> int:
    """Where the facts that begin at `start` end: later lines belong to them while each opens with a label
    or holds the value of a label left bare at the end of the line before (a page copied cell by cell)."""
    end, last = start + 1, lines[start]
    while end < len(lines):
        line = lines[end].strip()
        if line:
            if not (starts_with_fact(line) or ends_with_bare_label(last)):
                break
            last = line
        end += 1
    return end


def read_header(header_lines: list[str], text: str) -> Identity:
    """The identity the header states; `text` is the whole document, where the original link may also stand."""
    ident = Identity()
    # Lines no rule took, and whether the PR number came before them: the title is the first such line after
    # the number, else the first before it (above the number line a page has only the site's own name).
    loose_lines: list[tuple[str, bool]] = []
    page_layout = False  # the site's PR page: `#<N> <title>`, then its facts line
    index = 0
    while index < len(header_lines):
        line = header_lines[index].strip()
        index += 1
        if not line or set(line) <= set("-=*_#"):
            continue
        if m := _PR_TITLE_LINE.match(line):
            _set_number(ident, m["number"], "header")
            page_layout = page_layout or not m["pr"]
            rest = _REPORT_WORDS.sub("", m["rest"]).strip(" :：—–-")
            if rest:
                ident.title = title_text(rest)
            continue
        if starts_with_fact(line):
            end = _facts_run(header_lines, index - 1)
            if (facts := read_facts(" ".join(header_lines[index - 1:end]))).found:
                _apply_facts(ident, facts)
                index = end
                continue
        if m := _LABEL.match(line):
            _apply_label(ident, m["label"], m["value"])
            continue
        if _page_header(line, ident):
            continue
        if (m := _BARE_REPO.match(line)) and not ident.repo:
            ident.repo, ident.repo_source = m["repo"], "header"
            continue
        loose_lines.append((line, ident.number is not None))
    if ident.title is None and loose_lines:
        first = next((line for line, after in loose_lines if after), loose_lines[0][0])
        title = title_text(first.lstrip("# "))
        ident.title = title if len(title) <= 300 else None
    if page_layout and ident.merged_at is None and ident.author is None and ident.changes == ChangeFigures():
        ident.warnings.append("the page has no facts line (原始 PR 作者 … 合并时间 … 文件变更 …): author, merge time "
                              "and change figures are unknown")
    if ident.source_url is None and "链接" in text:  # both labels wanted here contain it
        # The original link can also sit below the header ("原文链接" under the summary).
        for raw in text.split("\n"):
            m = _LABEL.match(raw) if "链接" in raw else None
            if m and m["label"] in ("原文链接", "原始链接"):
                _apply_label(ident, m["label"], m["value"])
                break
    return ident


def _apply_label(ident: Identity, label: str, value: str) -> None:
    label = label.lower()
    value = value.strip()
    if label in ("仓库", "repository", "repo"):
        if m := re.search(REPO, plain(value)):
            ident.repo, ident.repo_source = m.group(0), "header"
    elif label in ("标题", "title"):
        ident.title = title_text(value) or None
    elif label in ("pr 编号", "编号"):
        if m := re.search(r"\d+", value):
            _set_number(ident, m.group(0), "header")
    elif m := _URL.search(value):
        ident.source_url = m.group(0).rstrip(".,;>")


def resolve_identity(ident: Identity, location: str | None, default_repo: str | None) -> Identity:
    """Fill what the header lacks: location first, then the original link (or else the provenance comment's
    URL), then the configured repo."""
    loc_repo, loc_number = location_identity(location)
    link_repo = link_number = None
    for link in (ident.source_url, ident.provenance_url):
        if link and (m := _PULL_ANYWHERE.search(link)):
            link_repo, link_number = m["repo"], pr_number(m["number"])
            break
    named = {"header": ident.number if ident.number_source == "header" else None, "location": loc_number,
             "original link": link_number}
    if len({n for n in named.values() if n is not None}) > 1:
        ident.warnings.append("PR numbers disagree: " + ", ".join(
            f"{where} #{n}" for where, n in named.items() if n is not None) + "; the first is used")
    if ident.number is None:
        if loc_number is not None:
            ident.number, ident.number_source = loc_number, "location"
        elif link_number is not None:
            ident.number, ident.number_source = link_number, "link"
    if ident.repo is None:
        for repo, source in ((loc_repo, "location"), (link_repo, "link"), (default_repo, "default")):
            if repo:
                ident.repo, ident.repo_source = repo, source
                break
    if ident.source_url is None:
        ident.source_url = ident.provenance_url or (
            location if location and location.startswith(("http://", "https://")) else None)
    return ident
