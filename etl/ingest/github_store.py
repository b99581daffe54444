"""The GitHub loader: stores what the collector (etl/sources/github.py) yields, and answers what it asks of
earlier walks (GitHubState). Everything learnt about a list page and its pull requests (raw responses, the
validators for conditional requests, staging rows, warnings, misses) commits in one transaction, so a run
killed half-way leaves each PR either fully loaded or untouched.

Should the warehouse refuse a batch (a value no fitting foresaw), it is stored again PR by PR: the others
load, and the PR whose rows were refused keeps its raw responses and is noted in meta.fetch_misses
(`load_error`), to be tried again by the next walk."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

import duckdb
import pyarrow as pa
from requests.structures import CaseInsensitiveDict

from .. import names
from ..db import transaction, upsert_values, utc_now
from ..sources.github import Batch, CachedResponse, RepoStats, WindowState, WindowWalked
from .arrow_rows import RowBuffer
from .fetch_misses import forget_misses, forget_urls, note_misses

CHILD_TABLES = {"files": "staging.github_files", "reviews": "staging.github_reviews",
                "comments": "staging.github_review_comments"}
PART_TABLES = ("staging.github_files", "staging.github_reviews", "staging.github_review_comments",
               "staging.github_warnings")
# What the warehouse may answer when it refuses rows (a type, a range, a character), as against a failure
# of the warehouse itself, which no retrying PR by PR would help.
REFUSED = (duckdb.ConversionException, duckdb.ConstraintException, duckdb.InvalidInputException,
           duckdb.OutOfRangeException, duckdb.TypeMismatchException, pa.ArrowException, ValueError, TypeError,
           OverflowError)


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
        try:
            self._write(batch)
        except REFUSED:
            if len({number for _, number in batch.replaced}) < 2 and not batch.pulls:
                raise
            for part in _by_pull(batch):
                try:
                    self._write(part)
                except REFUSED as refused:
                    self._write_refused(part, refused)

    def _write(self, batch: Batch) -> None:
        now = utc_now()
        raw, cache = RowBuffer("raw.github_responses"), RowBuffer("meta.http_cache")
        for r in batch.responses:
            lookup = CaseInsensitiveDict(r.headers)
            raw.add(response_id=r.response_id, repo=r.repo, resource=r.resource, pr_number=r.pr_number, url=r.url,
                    status=r.status, etag=lookup.get("ETag"), last_modified=lookup.get("Last-Modified"),
                    headers=json.dumps(r.headers), sha256=r.sha256, content=r.content, received_at=now,
                    ingest_run=self.run_id)
            if r.readable:  # only a response rows were read from may stand behind a later 304
                cache.add(url=r.url, etag=lookup.get("ETag"), last_modified=lookup.get("Last-Modified"),
                          response_id=r.response_id, checked_at=now)
        pulls = RowBuffer("staging.github_pulls")
        for row in batch.pulls:
            pulls.add(**row, loaded_at=now)
        children = {kind: RowBuffer(table) for kind, table in CHILD_TABLES.items()}
        for kind, rows in batch.children.items():
            for row in rows:
                children[kind].add(**row, loaded_at=now)
        warnings = RowBuffer("staging.github_warnings")
        for row in batch.warnings:
            warnings.add(**row, loaded_at=now)
        with transaction(self.con):
            raw.insert(self.con, on_conflict="ignore")
            cache.insert(self.con, on_conflict="replace")
            forget_urls(self.con, source=names.GITHUB, urls=[r.url for r in batch.responses if r.readable])
            for repo in {repo for repo, _ in batch.replaced}:
                numbers = [number for r, number in batch.replaced if r == repo]
                for table in PART_TABLES:
                    self.con.execute(f"delete from {table} where repo = ? and list_contains(?, number)",
                                     [repo, numbers])
                forget_misses(self.con, source=names.GITHUB, repo=repo, pr_numbers=numbers)
            note_misses(self.con, batch.misses, now)
            for rows in children.values():
                rows.insert(self.con, on_conflict="replace")
            warnings.insert(self.con, on_conflict="replace")
            pulls.insert(self.con, on_conflict="replace")

    def _write_refused(self, part: Batch, refused: Exception) -> None:
        """A PR the warehouse would not take: its responses as received, and a miss saying why."""
        why = " ".join(str(refused).split())[:300]
        misses = [{"url": f"{repo}#{number}", "source": names.GITHUB, "repo": repo, "pr_number": number,
                   "status": 200, "reason": "load_error",
                   "detail": f"#{number}: the warehouse refused its rows ({type(refused).__name__}: {why}); "
                             f"tried again on the next walk"} for repo, number in part.replaced]
        self._write(Batch(responses=[replace(r, readable=False) for r in part.responses], misses=misses))

    def save_window(self, repo: str, window, newest_updated: datetime | None, final: bool) -> None:
        upsert_values(self.con, "meta.github_windows", [
            (repo, window.key, window.start, window.end, newest_updated, final, utc_now())])


def _by_pull(batch: Batch) -> list[Batch]:
    """The batch as one part for what belongs to no PR (list pages and their misses), then one per PR."""
    shared = Batch(responses=[r for r in batch.responses if r.pr_number is None],
                   misses=[m for m in batch.misses if m.get("pr_number") is None])
    parts = [shared]
    for repo, number in sorted(batch.replaced | {(m["repo"], m["pr_number"]) for m in batch.misses
                                                 if m.get("pr_number") is not None}):
        def mine(row: dict, key: str = "number") -> bool:
            return row.get("repo") == repo and row.get(key) == number  # noqa: B023 (used at once)

        parts.append(Batch(
            responses=[r for r in batch.responses if r.repo == repo and r.pr_number == number],
            pulls=[row for row in batch.pulls if mine(row)],
            children={kind: [row for row in rows if mine(row)] for kind, rows in batch.children.items()},
            warnings=[row for row in batch.warnings if mine(row)],
            replaced={(repo, number)} & batch.replaced,
            misses=[m for m in batch.misses if mine(m, "pr_number")]))
    return parts
