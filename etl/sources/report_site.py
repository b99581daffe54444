"""The report site fetcher: reports published at <base>/<owner>/<repo>/pull/<number>/report.md, else (when
that answers 404 or 410) the site's web page of the same report at <base>/<owner>/<repo>/pull/<number>, which
the parser reads as well. The document's location says which of the two was read. It yields what the site
answered and knows nothing of the warehouse; etl/ingest/report_site_store.py decides what to ask for and
stores the answers. Requests are conditional (ETag / Last-Modified, handed in per URL), so a report already
stored costs a 304; a 404 for both only means the report is not written yet."""

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
    from_page: bool = False  # the site's web page was read: it had no report.md


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


def page_url(base_url: str, repo: str, number: int) -> str:
    """The site's web page of a report."""
    return f"{base_url.rstrip('/')}/{repo}/pull/{number}"


def report_url(base_url: str, repo: str, number: int) -> str:
    """The report's markdown, asked for first."""
    return f"{page_url(base_url, repo, number)}/report.md"


def report_urls(base_url: str, repo: str, number: int) -> tuple[str, str]:
    """Where a report is asked for, in order."""
    return report_url(base_url, repo, number), page_url(base_url, repo, number)


def fetch_reports(client: HttpClient, base_url: str, targets: list[tuple[str, int]],
                  validators: dict[str, tuple[str | None, str | None]]) -> Iterator[Fetched | NotModified |
                                                                                 NotPublished]:
    """One answer per (repo, number); `validators` maps a URL to the (ETag, Last-Modified) it was last
    stored with. A report neither URL has is NotPublished under its report.md URL."""
    for repo, number in targets:
        markdown, page = report_urls(base_url, repo, number)
        for url in (markdown, page):
            etag, modified = validators.get(url, (None, None))
            response = client.get(url, etag=etag, last_modified=modified)
            if response.status_code == 304:
                yield NotModified(repo, number)
                break
            if response.status_code not in (404, 410):
                yield Fetched(repo, number, SourceDocument(url, response.content), response.headers.get("ETag"),
                              response.headers.get("Last-Modified"), from_page=url == page)
                break
        else:
            yield NotPublished(repo, number, markdown, response.status_code)
