"""staging.text_claims: what commit messages (git) and PR titles and bodies (GitHub) claim about other PRs, read
from the texts the loaders stored. A text is read when it is new, when it changed (a PR's edited body), or when
the reader changed (etl/parsing/link_model.reader_version): meta.text_reads records which text was read, as
what, by which reader. So a new reader re-reads every claim from what the warehouse holds, fetching nothing.

Each batch of texts replaces its claims and records its reads in one transaction: a run killed half-way
leaves every text either read by the new reader or as it was, and the next run reads the rest."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .. import names
from ..db import second_cursor, transaction, utc_now
from ..parsing.link_model import reader_version
from ..parsing.pr_text import own_number, text_claims
from .arrow_rows import RowBuffer

BATCH = 5000
# Every text of the repository's PRs, as it stands: git commit messages and GitHub PR titles and bodies.
TEXTS_SQL = """
with texts as (
    select $git as source, repo, sha as said_in, pr_number, subject as title, body
    from staging.git_commits
    union all
    select $github, repo, pr_key(repo, number), number, title, body
    from staging.github_pulls
)
select t.source, t.repo, t.said_in, t.pr_number, t.title, t.body,
       md5(coalesce(t.title, '') || chr(0) || coalesce(t.body, '')) as text_sha
from texts t
anti join meta.text_reads r
    on r.source = t.source and r.repo = t.repo and r.said_in = t.said_in
   and r.text_sha = md5(coalesce(t.title, '') || chr(0) || coalesce(t.body, '')) and r.reader_version = $version
order by t.source, t.repo, t.said_in
"""
# Only a text that names another PR (or reverts something) can claim a link: most are skipped at once.
_MAY_CLAIM = re.compile(r"#\d|/pull/\d|\bPR\s*\d|\brevert|回滚|撤销", re.I)
_OWN_NUMBER = re.compile(r"\s*\(#\d+\)\s*$")


@dataclass
class ClaimReadStats:
    texts_read: int = 0
    claims: int = 0
    reader_version: str = ""


def read_claims(con, progress: Callable[[str], None] | None = None, batch_size: int = BATCH) -> ClaimReadStats:
    """Read every text not yet read as it stands by this reader; replace its claims."""
    version = reader_version()
    stats = ClaimReadStats(reader_version=version)
    # The texts are read on a cursor of their own: a write on the connection that reads them would end the read.
    reader = second_cursor(con)
    try:
        texts = reader.execute(TEXTS_SQL, {"version": version, "git": names.GIT, "github": names.GITHUB})
        while batch := texts.fetchmany(batch_size):
            _store(con, batch, version, stats)
            if progress:
                progress(f"text claims: {stats.texts_read} texts read, {stats.claims} claims")
    finally:
        reader.close()
    return stats


def _store(con, texts: list[tuple], version: str, stats: ClaimReadStats) -> None:
    now = utc_now()
    claims, reads = RowBuffer("staging.text_claims"), RowBuffer("meta.text_reads")
    for source, repo, said_in, pr_number, title, body, text_sha in texts:
        number = pr_number if pr_number is not None else own_number(body)
        if number is not None and _MAY_CLAIM.search(_OWN_NUMBER.sub("", title or "") + "\n" + (body or "")):
            for i, claim in enumerate(text_claims(title or "", body, repo=repo, own=number)):
                claims.add(source=source, repo=repo, said_in=said_in, ordinal=i, pr_number=number, loaded_at=now,
                           **vars(claim))
        reads.add(source=source, repo=repo, said_in=said_in, text_sha=text_sha, reader_version=version, read_at=now)
    stats.texts_read += len(texts)
    stats.claims += len(claims)
    read = reads.to_arrow().select(["source", "repo", "said_in"])
    with transaction(con):
        con.register("_read_texts", read)
        try:
            for table in ("staging.text_claims", "meta.text_reads"):
                con.execute(f"delete from {table} t using _read_texts k "
                            "where t.source = k.source and t.repo = k.repo and t.said_in = k.said_in")
        finally:
            con.unregister("_read_texts")
        claims.insert(con)
        reads.insert(con)
