"""The GitHub loader: stores what the collector (etl/sources/github.py) yields, and answers what it asks of
earlier walks (GitHubState). Everything learnt about a list page and its pull requests (raw responses, the
validators for conditional requests, staging rows) commits in one transaction, so a run killed half-way leaves
each PR either fully loaded or untouched."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from requests.structures import CaseInsensitiveDict

from .. import names
from ..db import transaction, upsert_values, utc_now
from ..sources.github import Batch, CachedResponse, RepoStats, WindowState, WindowWalked
from .arrow_rows import RowBuffer
from .fetch_misses import forget_misses

CHILD_TABLES = {"files": "staging.github_files", "reviews": "staging.github_reviews",
                "comments": "staging.github_review_comments"}
PART_TABLES = ("staging.github_files", "staging.github_reviews", "staging.github_review_comments")


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
            "select distinct p.number from staging.github_pulls p join meta.fetch_misses m "
            "on m.source = $source and m.repo = p.repo and m.pr_number = p.number "
            "where p.repo = $repo and ($start is null or p.updated_at >= $start) "
            "and ($end is null or p.updated_at < $end) order by p.number",
            {"repo": repo, "start": start, "end": end, "source": names.GITHUB}).fetchall()]

    def known_updated_at(self, repo: str) -> dict[int, datetime]:
        return dict(self.con.execute("select number, updated_at from staging.github_pulls where repo = ?",
                                     [repo]).fetchall())

    # writes
    def load(self, records: Iterable[Batch | WindowWalked]) -> RepoStats:
        """Store each batch as it comes (so the collector's next question sees it), then the window's end."""
        for record in records:
            if isinstance(record, WindowWalked):
                if not record.stats.already_final:
                    self.save_window(record.stats.repo, record.window, record.newest_updated,
                                     record.stats.window_final)
                return record.stats
            self.commit(record)
        raise RuntimeError("the GitHub collector ended without its window's end")

    def commit(self, batch: Batch) -> None:
        now = utc_now()
        raw, cache = RowBuffer("raw.github_responses"), RowBuffer("meta.http_cache")
        for r in batch.responses:
            lookup = CaseInsensitiveDict(r.headers)
            raw.add(response_id=r.response_id, repo=r.repo, resource=r.resource, pr_number=r.pr_number, url=r.url,
                    status=r.status, etag=lookup.get("ETag"), last_modified=lookup.get("Last-Modified"),
                    headers=json.dumps(r.headers), sha256=r.sha256, content=r.content, received_at=now,
                    ingest_run=self.run_id)
            cache.add(url=r.url, etag=lookup.get("ETag"), last_modified=lookup.get("Last-Modified"),
                      response_id=r.response_id, checked_at=now)
        pulls = RowBuffer("staging.github_pulls")
        for row in batch.pulls:
            pulls.add(**row, loaded_at=now)
        children = {kind: RowBuffer(table) for kind, table in CHILD_TABLES.items()}
        for kind, rows in batch.children.items():
            for row in rows:
                children[kind].add(**row, loaded_at=now)
        with transaction(self.con):
            raw.insert(self.con, on_conflict="ignore")
            cache.insert(self.con, on_conflict="replace")
            for repo in {repo for repo, _ in batch.replaced}:
                numbers = [number for r, number in batch.replaced if r == repo]
                for table in PART_TABLES:
                    self.con.execute(f"delete from {table} where repo = ? and list_contains(?, number)",
                                     [repo, numbers])
                forget_misses(self.con, source=names.GITHUB, repo=repo, pr_numbers=numbers)
            upsert_values(self.con, "meta.fetch_misses", [
                (m["url"], m["source"], m["repo"], m["pr_number"], m["status"], m["detail"], now)
                for m in batch.misses])
            for rows in children.values():
                rows.insert(self.con, on_conflict="replace")
            pulls.insert(self.con, on_conflict="replace")

    def save_window(self, repo: str, window, newest_updated: datetime | None, final: bool) -> None:
        upsert_values(self.con, "meta.github_windows", [
            (repo, window.key, window.start, window.end, newest_updated, final, utc_now())])
