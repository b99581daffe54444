"""Load what the report site fetcher answers: the reports into raw.documents (their source_uri is the URL
read: `.../pull/<n>/report.md`, or `.../pull/<n>` when the site had only its web page), their validators
into meta.http_cache (after the documents, so a 304 never stands for a report the warehouse did not
receive), a report not published yet into meta.fetch_misses (asked again next run)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from .. import names
from ..db import upsert_values, utc_now
from ..sources.report_files import SourceDocument
from ..sources.report_site import Fetched, NotModified, NotPublished, report_urls
from .fetch_misses import forget_misses, note_miss
from .raw_documents import document_id, store_documents

# Merged PRs (by GitHub or by git) whose number has no parsed report yet.
WITHOUT_REPORT_SQL = """
with merged as (
    select repo, number from staging.github_pulls where merged_at is not null
    union
    select repo, pr_number from staging.git_commits where pr_number is not null
)
select repo, number from merged m
where not exists (select 1 from staging.report_versions r where r.repo = m.repo and r.pr_number = m.number)
order by repo, number
"""


@dataclass
class SiteStats:
    requested: int = 0
    fetched: int = 0
    pages: int = 0  # of those fetched, how many were the web page (the site had no report.md)
    unchanged: int = 0
    not_published: int = 0
    new_documents: int = 0


def prs_without_report(con) -> list[tuple[str, int]]:
    return [tuple(row) for row in con.execute(WITHOUT_REPORT_SQL).fetchall()]


def validators_for(con, base_url: str, targets: list[tuple[str, int]]) -> dict[str, tuple[str | None, str | None]]:
    urls = [url for repo, number in targets for url in report_urls(base_url, repo, number)]
    rows = con.execute("select url, etag, last_modified from meta.http_cache where list_contains(?, url)",
                       [urls]).fetchall()
    return {url: (etag, modified) for url, etag, modified in rows}


def load_report_site(con, answers: Iterable[Fetched | NotModified | NotPublished], *, run_id: str | None = None,
                     progress: Callable[[str], None] | None = None) -> SiteStats:
    stats, validators = SiteStats(), []

    def documents() -> Iterator[SourceDocument]:
        for answer in answers:
            stats.requested += 1
            if isinstance(answer, NotModified):
                stats.unchanged += 1
            elif isinstance(answer, NotPublished):
                stats.not_published += 1
                note_miss(con, source=names.REPORT_SITE, url=answer.url, repo=answer.repo, pr_number=answer.number,
                          status=answer.status, detail="no report published yet; asked again on the next run")
            else:
                stats.fetched += 1
                stats.pages += answer.from_page
                forget_misses(con, source=names.REPORT_SITE, repo=answer.repo, pr_numbers=[answer.number])
                content = answer.document.read()
                rid = document_id(answer.document.location, hashlib.sha256(content).hexdigest())
                validators.append([answer.document.location, answer.etag, answer.last_modified, rid, utc_now()])
                yield answer.document

    stats.new_documents = store_documents(con, documents(), run_id=run_id, progress=progress).new_documents
    if validators:
        upsert_values(con, "meta.http_cache", validators)
    return stats
