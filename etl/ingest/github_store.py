"""What the GitHub collector reads from and writes to the warehouse. Everything learnt about a list page
and its pull requests (raw responses, the validators for conditional requests, core rows) commits in one
transaction, so a run killed half-way leaves each PR either fully loaded or untouched."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from requests.structures import CaseInsensitiveDict

from ..db import upsert_values, utc_now
from .arrow_rows import RowBuffer
from .fetch_misses import forget_misses

CHILD_TABLES = {"files": "core.github_files", "reviews": "core.github_reviews",
                "comments": "core.github_review_comments", "claims": "core.github_text_claims"}


def response_id(url: str, sha256: str) -> str:
    return hashlib.sha256(f"{url}\n{sha256}".encode()).hexdigest()[:32]


@dataclass
class CachedResponse:
    etag: str | None
    last_modified: str | None
    response_id: str
    content: bytes
    headers: dict


@dataclass
class WindowState:
    newest_updated: datetime | None  # the newest updated_at a completed walk of the window loaded
    final: bool


@dataclass
class PendingWrite:
    """Rows gathered for one unit of work (a list page, or one PR and its children), written together."""
    raw: RowBuffer = field(default_factory=lambda: RowBuffer("raw.github_responses"))
    cache: RowBuffer = field(default_factory=lambda: RowBuffer("meta.http_cache"))
    pull: RowBuffer = field(default_factory=lambda: RowBuffer("core.github_pulls"))
    children: dict[str, RowBuffer] = field(
        default_factory=lambda: {kind: RowBuffer(table) for kind, table in CHILD_TABLES.items()})
    replaced: set[tuple[str, int]] = field(default_factory=set)  # PRs whose child rows are replaced
    misses: list[tuple] = field(default_factory=list)  # meta.fetch_misses rows: parts of those PRs not received


class GitHubStore:
    def __init__(self, con, run_id: str | None = None):
        self.con = con
        self.run_id = run_id

    # reads
    def cached(self, url: str) -> CachedResponse | None:
        row = self.con.execute(
            "select c.etag, c.last_modified, c.response_id, r.content, r.headers from meta.http_cache c "
            "join raw.github_responses r using (response_id) where c.url = ?", [url]).fetchone()
        return CachedResponse(row[0], row[1], row[2], row[3], json.loads(row[4])) if row else None

    def window_state(self, repo: str, window_key: str) -> WindowState | None:
        row = self.con.execute("select newest_updated, final from meta.github_windows "
                               "where repo = ? and window_key = ?", [repo, window_key]).fetchone()
        return WindowState(*row) if row else None

    def incomplete_pulls(self, repo: str, start: datetime | None, end: datetime | None) -> list[int]:
        """PRs of the repo, last updated in [start, end), loaded with a part the API did not give."""
        return [row[0] for row in self.con.execute(
            "select distinct p.number from core.github_pulls p join meta.fetch_misses m "
            "on m.source = 'github' and m.repo = p.repo and m.pr_number = p.number "
            "where p.repo = $repo and ($start is null or p.updated_at >= $start) "
            "and ($end is null or p.updated_at < $end) order by p.number",
            {"repo": repo, "start": start, "end": end}).fetchall()]

    def known_updated_at(self, repo: str) -> dict[int, datetime]:
        return dict(self.con.execute("select number, updated_at from core.github_pulls where repo = ?",
                                     [repo]).fetchall())

    # staging rows
    def add_response(self, pending: PendingWrite, *, repo: str, resource: str, pr_number: int | None, url: str,
                     status: int, headers: dict, content: bytes) -> str:
        sha = hashlib.sha256(content).hexdigest()
        rid = response_id(url, sha)
        lookup = CaseInsensitiveDict(headers)
        pending.raw.add(response_id=rid, repo=repo, resource=resource, pr_number=pr_number, url=url, status=status,
                        etag=lookup.get("ETag"), last_modified=lookup.get("Last-Modified"),
                        headers=json.dumps(dict(headers)), sha256=sha, content=content, received_at=utc_now(),
                        ingest_run=self.run_id)
        pending.cache.add(url=url, etag=lookup.get("ETag"), last_modified=lookup.get("Last-Modified"),
                          response_id=rid, checked_at=utc_now())
        return rid

    # writes
    def commit(self, pending: PendingWrite) -> None:
        self.con.begin()
        try:
            pending.raw.insert(self.con, on_conflict="ignore")
            pending.cache.insert(self.con, on_conflict="replace")
            for repo in {repo for repo, _ in pending.replaced}:
                numbers = [number for r, number in pending.replaced if r == repo]
                for table in CHILD_TABLES.values():
                    self.con.execute(f"delete from {table} where repo = ? and list_contains(?, number)",
                                     [repo, numbers])
                forget_misses(self.con, source="github", repo=repo, pr_numbers=numbers)
            upsert_values(self.con, "meta.fetch_misses", pending.misses)
            for rows in pending.children.values():
                rows.insert(self.con, on_conflict="replace")
            pending.pull.insert(self.con, on_conflict="replace")
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise

    def save_window(self, repo: str, window, newest_updated: datetime | None, final: bool) -> None:
        upsert_values(self.con, "meta.github_windows", [
            (repo, window.key, window.start, window.end, newest_updated, final, utc_now())])
