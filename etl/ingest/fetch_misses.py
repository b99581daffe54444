"""meta.fetch_misses: requests that found nothing (a PR the API answers 404 for, a report not published
yet). Noted so they can be seen and asked again; forgotten once the item arrives."""

from __future__ import annotations

from ..db import upsert_values, utc_now


def note_miss(con, *, source: str, url: str, repo: str, pr_number: int | None, status: int, detail: str) -> None:
    upsert_values(con, "meta.fetch_misses", [(url, source, repo, pr_number, status, detail, utc_now())])


def forget_misses(con, *, source: str, repo: str, pr_numbers: list[int]) -> None:
    con.execute("delete from meta.fetch_misses where source = ? and repo = ? and list_contains(?, pr_number)",
                [source, repo, pr_numbers])
