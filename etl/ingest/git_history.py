"""Load a clone's history into staging.git_commits and staging.git_commit_files. Only commits not reachable from
the tip loaded last time are logged; each batch inserts just the commits not yet present, so a run
killed part-way is completed by the next one without duplicates. The log output itself is kept in
raw.git_logs, and the tip moves only when everything up to it is loaded."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..db import memory_capped, transaction, upsert_values, utc_now
from ..sources.git_log import Commit, has_commit, head, stream_log
from .arrow_rows import RowBuffer


@dataclass
class GitLoadStats:
    repo: str
    clone: str
    revisions: str = ""
    commits_read: int = 0
    commits_added: int = 0
    files_added: int = 0
    with_pr_number: int = 0


class _Batch:
    def __init__(self, repo: str, load_id: str):
        self.repo, self.load_id = repo, load_id
        self.commits = RowBuffer("staging.git_commits")
        self.files = RowBuffer("staging.git_commit_files")

    def add(self, commit: Commit, loaded_at) -> None:
        self.commits.add(repo=self.repo, sha=commit.sha, parents=commit.parents, author_name=commit.author_name,
                         author_email=commit.author_email, authored_at=commit.authored_at,
                         committed_at=commit.committed_at, subject=commit.subject, body=commit.body,
                         pr_number=commit.pr_number, pr_evidence=commit.pr_evidence, load_id=self.load_id,
                         loaded_at=loaded_at)
        for path, added, deleted, old in commit.files:
            self.files.add(repo=self.repo, sha=commit.sha, path=path, additions=added, deletions=deleted,
                           old_path=old)

    def insert_new(self, con) -> tuple[int, int]:
        """Insert the commits (and their files) that the warehouse does not have yet, in the caller's transaction:
        files are told new by their commit's absence, so both commit together. (What the messages claim is read
        afterwards, from the stored commits: etl/ingest/text_claims.py.)"""
        commits, files = self.commits.to_arrow(), self.files.to_arrow()
        self.commits = RowBuffer("staging.git_commits")
        self.files = RowBuffer("staging.git_commit_files")
        con.register("_git_commits", commits)
        con.register("_git_files", files)
        try:
            # Files first, while the batch's commits are not in staging.git_commits yet (without a temp table of
            # new shas, which cost the loader 17 MB at its peak).
            files_added = con.execute(
                "insert into staging.git_commit_files by name select f.* from _git_files f "
                "anti join staging.git_commits g on g.repo = f.repo and g.sha = f.sha").fetchone()[0]
            added = con.execute("insert into staging.git_commits by name select c.* from _git_commits c "
                                "anti join staging.git_commits g on g.repo = c.repo and g.sha = c.sha").fetchone()[0]
        finally:
            for view in ("_git_commits", "_git_files"):
                con.unregister(view)
        return added, files_added


def load_history(con, clone: Path, repo: str, *, run_id: str | None = None, batch_size: int = 5000,
                 progress: Callable[[str], None] | None = None, memory_limit: str | None = None) -> GitLoadStats:
    """Load what is new since the last load; with `memory_limit`, DuckDB's memory is capped at it meanwhile."""
    with memory_capped(con, memory_limit):
        return _load_history(con, clone, repo, run_id, batch_size, progress)


def _load_history(con, clone: Path, repo: str, run_id: str | None, batch_size: int,
                  progress: Callable[[str], None] | None) -> GitLoadStats:
    clone = Path(clone).expanduser().resolve()
    stats = GitLoadStats(repo, str(clone))
    tip = head(clone)
    last = con.execute("select sha from meta.git_tips where repo = ?", [repo]).fetchone()
    if last and last[0] == tip:
        stats.revisions = f"{tip} (already loaded)"
        return stats
    revisions = [tip] + ([f"^{last[0]}"] if last and has_commit(clone, last[0]) else [])
    stats.revisions = " ".join(revisions)
    raw = bytearray()
    load_id = hashlib.sha256(f"{repo}\n{stats.revisions}".encode()).hexdigest()[:32]
    batch = _Batch(repo, load_id)
    loaded_at = utc_now()

    def flush() -> None:
        with transaction(con):
            added, files = batch.insert_new(con)
        stats.commits_added += added
        stats.files_added += files
        if progress:
            progress(f"git {repo}: {stats.commits_read} commits read, {stats.commits_added} new")

    for commit in stream_log(clone, revisions, keep_raw=raw.extend):
        stats.commits_read += 1
        stats.with_pr_number += commit.pr_number is not None
        batch.add(commit, loaded_at)
        if len(batch.commits) >= batch_size:
            flush()
    if len(batch.commits):
        flush()
    # The log as git wrote it, and the tip, once every commit up to it is stored. (In the last batch's
    # transaction, the two added 3 MB to the loader's peak.)
    with transaction(con):
        content = bytes(raw)
        rows = RowBuffer("raw.git_logs")
        rows.add(load_id=load_id, repo=repo, clone_path=str(clone), revisions=stats.revisions,
                 sha256=hashlib.sha256(content).hexdigest(), content=content, received_at=loaded_at,
                 ingest_run=run_id)
        rows.insert(con, on_conflict="ignore")
        upsert_values(con, "meta.git_tips", [(repo, tip, loaded_at)])
    return stats
