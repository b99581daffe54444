"""meta.fetch_misses: requests that gave up on one item (a PR's part the API answers 404 or 422 for, a list
page that is not JSON, a PR whose number cannot be stored, a report not published yet). Noted with their
reason so they can be seen and asked again; forgotten once the item arrives."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from ..db import utc_now
from .arrow_rows import RowBuffer

NOT_FOUND = (404, 410)


def note_misses(con, misses: Iterable[dict], seen_at: datetime | None = None) -> None:
    """Each miss a dict of url, source, repo, pr_number, status, detail and reason (when no reason is given,
    a 404 or 410 is `not_found`, anything else `http_error`)."""
    rows = RowBuffer("meta.fetch_misses")
    for miss in {m["url"]: m for m in misses}.values():  # the latest word on each URL
        status = miss.get("status") or 0
        rows.add(**{**miss, "status": status, "seen_at": seen_at or utc_now(),
                    "reason": miss.get("reason") or ("not_found" if status in NOT_FOUND else "http_error")})
    rows.insert(con, on_conflict="replace")


def note_miss(con, *, source: str, url: str, repo: str, pr_number: int | None, status: int, detail: str,
              reason: str | None = None) -> None:
    note_misses(con, [{"url": url, "source": source, "repo": repo, "pr_number": pr_number, "status": status,
                       "detail": detail, "reason": reason}])


def forget_misses(con, *, source: str, repo: str, pr_numbers: list[int]) -> None:
    con.execute("delete from meta.fetch_misses where source = ? and repo = ? and list_contains(?, pr_number)",
                [source, repo, pr_numbers])


def forget_urls(con, *, source: str, urls: list[str]) -> None:
    """The misses of URLs that were read now, and of the PRs their list pages could not give then."""
    if urls:
        con.execute("delete from meta.fetch_misses where source = ? and list_contains(?, split_part(url, '#item-', 1))",
                    [source, urls])
