"""The GitHub loader for the GraphQL collector: the REST loader (github_store.GitHubStore), which stores every
batch the same way, plus what the GraphQL collector asks and keeps besides (warehouse/schema/042_github_graphql.sql):
the PRs held as open, the misses of PRs never loaded, the page sizes that worked, the list positions scans
reached, and the text of each query whose responses are stored."""

from __future__ import annotations

from datetime import datetime

from .. import names
from ..db import transaction, upsert_values, utc_now
from ..sources.github import Batch
from ..sources.github_graphql import GraphQLBatch
from .github_store import GitHubStore


class GraphQLGitHubStore(GitHubStore):
    # reads
    def open_pulls(self, repo: str) -> list[int]:
        return [row[0] for row in self.con.execute(
            "select number from staging.github_pulls where repo = ? and state = 'open' order by number",
            [repo]).fetchall()]

    def unloaded_misses(self, repo: str) -> list[int]:
        """PRs a walk found but could not load at all (noted in meta.fetch_misses, absent from staging)."""
        return [row[0] for row in self.con.execute(
            "select distinct m.pr_number from meta.fetch_misses m where m.source = ? and m.repo = ? "
            "and m.pr_number is not null and not exists (select 1 from staging.github_pulls p "
            "where p.repo = m.repo and p.number = m.pr_number) order by 1", [names.GITHUB, repo]).fetchall()]

    def page_sizes(self, repo: str) -> dict[str, int]:
        return dict(self.con.execute("select shape, page_size from meta.github_query_sizes where repo = ?",
                                     [repo]).fetchall())

    def scan_cursor(self, repo: str, at_or_after: datetime) -> str | None:
        """The remembered list position nearest above `at_or_after`: every PR updated before it comes later."""
        row = self.con.execute("select cursor from meta.github_scan_cursors where repo = ? and updated_at >= ? "
                               "order by updated_at limit 1", [repo, at_or_after]).fetchone()
        return row[0] if row else None

    # writes
    def commit(self, batch: Batch) -> None:
        """What the GraphQL collector keeps beside a batch (query texts, page sizes, list positions: facts about
        GitHub, right whether or not the batch lands; the misses of an earlier scan of the window, which this
        walk notes anew), then the batch as the REST loader stores it."""
        if isinstance(batch, GraphQLBatch) and batch.settles:
            self.con.execute("delete from meta.fetch_misses where source = ? and starts_with(url, ?)",
                             [names.GITHUB, batch.settles])
        if isinstance(batch, GraphQLBatch) and batch.responses:
            repo, now = batch.responses[0].repo, utc_now()
            with transaction(self.con):
                upsert_values(self.con, "raw.github_graphql_queries", [
                    (sha, query.shape, query.text, now) for sha, query in batch.queries.items()], replace=False)
                upsert_values(self.con, "meta.github_query_sizes", [
                    (repo, shape, size, now) for shape, size in batch.page_sizes.items()])
                if batch.forget_cursors:
                    self.con.execute("delete from meta.github_scan_cursors where repo = ?", [repo])
                upsert_values(self.con, "meta.github_scan_cursors", [
                    (repo, updated, cursor, now) for updated, cursor in batch.cursors])
        super().commit(batch)
