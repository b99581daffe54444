"""The report site fetcher: reports published at <base>/<owner>/<repo>/pull/<number>/report.md. It yields
what the site answered and knows nothing of the warehouse; etl/ingest/report_site_store.py decides what to
ask for and stores the answers. Requests are conditional (ETag / Last-Modified, handed in), so a report
already stored costs a 304; a 404 only means the report is not written yet."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .http import HttpClient
from .report_files import SourceDocument


@dataclass(frozen=True)
class Fetched:
    repo: str
    number: int
    document: SourceDocument
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class NotModified:
    repo: str
    number: int


@dataclass(frozen=True)
class NotPublished:
    repo: str
    number: int
    url: str
    status: int


def report_url(base_url: str, repo: str, number: int) -> str:
    return f"{base_url.rstrip('/')}/{repo}/pull/{number}/report.md"


def fetch_reports(client: HttpClient, base_url: str, targets: list[tuple[str, int]],
                  validators: dict[str, tuple[str | None, str | None]]) -> Iterator[Fetched | NotModified |
                                                                                 NotPublished]:
    """One answer per (repo, number); `validators` maps a URL to the (ETag, Last-Modified) it was last
    stored with."""
    for repo, number in targets:
        url = report_url(base_url, repo, number)
        etag, modified = validators.get(url, (None, None))
        response = client.get(url, etag=etag, last_modified=modified)
        if response.status_code == 304:
            yield NotModified(repo, number)
        elif response.status_code in (404, 410):
            yield NotPublished(repo, number, url, response.status_code)
        else:
            yield Fetched(repo, number, SourceDocument(url, response.content), response.headers.get("ETag"),
                          response.headers.get("Last-Modified"))
