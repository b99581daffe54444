"""The report site collector: reports published at <base>/<owner>/<repo>/pull/<number>/report.md, for PR
numbers given explicitly or for the merged PRs in the warehouse that have no report yet. Requests are
conditional (ETag / Last-Modified), so a report already stored costs a 304; a 404 only means the report
is not written yet: it is noted and asked for again on the next run."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..db import upsert_values, utc_now
from ..ingest.fetch_misses import forget_misses, note_miss
from ..ingest.raw_documents import document_id
from .http import HttpClient
from .report_files import SourceDocument

# Merged PRs (by GitHub or by git) whose number has no parsed report yet.
WITHOUT_REPORT_SQL = """
with merged as (
    select repo, number from core.github_pulls where merged_at is not null
    union
    select repo, pr_number from core.git_commits where pr_number is not null
)
select repo, number from merged m
where not exists (select 1 from core.report_versions r where r.repo = m.repo and r.pr_number = m.number)
order by repo, number
"""


@dataclass
class SiteStats:
    requested: int = 0
    fetched: int = 0
    unchanged: int = 0
    not_published: int = 0


def report_url(base_url: str, repo: str, number: int) -> str:
    return f"{base_url.rstrip('/')}/{repo}/pull/{number}/report.md"


def prs_without_report(con) -> list[tuple[str, int]]:
    return [tuple(row) for row in con.execute(WITHOUT_REPORT_SQL).fetchall()]


class ReportSite:
    def __init__(self, con, client: HttpClient, base_url: str, log: Callable[[str], None] | None = None):
        self.con, self.client, self.base_url = con, client, base_url
        self.log = log or (lambda _message: None)
        self.stats = SiteStats()
        self._validators: list[list] = []

    def documents(self, targets: list[tuple[str, int]]) -> Iterator[SourceDocument]:
        """The reports that are new or changed since they were last fetched."""
        for repo, number in targets:
            url = report_url(self.base_url, repo, number)
            cached = self.con.execute("select etag, last_modified from meta.http_cache where url = ?", [url]).fetchone()
            self.stats.requested += 1
            response = self.client.get(url, etag=cached[0] if cached else None,
                                       last_modified=cached[1] if cached else None)
            if response.status_code == 304:
                self.stats.unchanged += 1
                continue
            if response.status_code in (404, 410):
                self.stats.not_published += 1
                note_miss(self.con, source="report_site", url=url, repo=repo, pr_number=number,
                          status=response.status_code, detail="no report published yet; asked again on the next run")
                continue
            self.stats.fetched += 1
            forget_misses(self.con, source="report_site", repo=repo, pr_numbers=[number])
            rid = document_id(url, hashlib.sha256(response.content).hexdigest())
            self._validators.append([url, response.headers.get("ETag"), response.headers.get("Last-Modified"),
                                     rid, utc_now()])
            yield SourceDocument(url, response.content)

    def save_validators(self) -> None:
        """Call once the documents are stored: a validator saved before its document would turn the
        next request into a 304 for a report the warehouse never received."""
        if self._validators:
            upsert_values(self.con, "meta.http_cache", self._validators)
            self._validators.clear()
