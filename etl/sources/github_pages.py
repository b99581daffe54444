"""Walking the pages of one GitHub list without being walked in circles: a next page (a REST `Link` URL, or
a GraphQL cursor) already read, a page that brings only entries already read (the same page under another
name: GitHub's /repositories/{id}/ form of a URL, say), or more pages than the list can have (its `last`
link, or as many entries read as its GraphQL `totalCount` says it holds, else a bound for the kind of list)
each end the walk with the reason, which the collector notes as a miss. Both collectors walk their lists
with a PageGuard."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Pages a list may have when it does not say: GitHub gives at most 3,000 files of a PR (30 pages of 100);
# the others are generous bounds on what a real list holds.
MAX_PAGES = {"pulls": 100_000, "files": 31, "reviews": 1_000, "comments": 1_000}


@dataclass(frozen=True)
class Problem:
    reason: str  # as meta.fetch_misses names it: pagination_loop | too_many_pages
    detail: str


class PageGuard:
    def __init__(self, kind: str):
        self.limit = MAX_PAGES.get(kind, 1_000)
        self.pages = 0
        self.last: int | None = None
        self.total: int | None = None
        self._keys: set = set()
        self._entries: set = set()

    def read(self, key: str, entries: list, last: int | None = None, total: int | None = None) -> Problem | None:
        """Note a page read under `key` (a URL or a cursor) with its entries, and the page count its links
        give (or the entry count its `totalCount` gives); a Problem when it brought nothing new."""
        self.pages += 1
        self._keys.add(page_key(key))
        self.last = last or self.last
        self.total = total if isinstance(total, int) and not isinstance(total, bool) else self.total
        found = {identity(entry) for entry in entries}
        repeated = self.pages > 1 and bool(found) and found <= self._entries
        self._entries |= found
        if repeated:
            return Problem("pagination_loop", f"it brings only entries already read ({key[:200]})")
        return None

    def refuse(self, following: str) -> Problem | None:
        """Why the page named `following` may not be read next, if it may not."""
        if page_key(following) in self._keys:
            return Problem("pagination_loop", f"its next link leads back to a page already read ({following[:200]})")
        if self.total is not None and len(self._entries) >= self.total:
            return Problem("too_many_pages", f"all {self.total} entries its total count gives were read, yet it "
                                             f"says there are more ({following[:200]}); not followed")
        allowed = self.last or self.limit
        if self.pages >= allowed:
            said = f"only {self.last} (its last link says)" if self.last else f"no more than {allowed}"
            return Problem("too_many_pages", f"{self.pages} pages read, and the list has {said}; its next link "
                                             f"({following[:200]}) is not followed")
        return None


def page_key(url: str) -> tuple | str:
    """A page's name as compared for loops: a URL with its query's order aside and no page number meaning
    page 1; a cursor as it is."""
    parts = urlsplit(url)
    if not parts.scheme:
        return url
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.setdefault("page", "1")
    return parts.scheme, parts.netloc.lower(), parts.path, tuple(sorted(query.items()))


def identity(entry) -> object:
    """What tells one entry of a list from another: a PR's number, a file's name, a review's or comment's id."""
    if isinstance(entry, dict):
        for key in ("number", "id", "filename"):
            if isinstance(entry.get(key), (int, str)):
                return key, entry[key]
    return json.dumps(entry, sort_keys=True, default=str)[:1000]


def page_after(url: str, last: int | None) -> str | None:
    """The list page after one that could not be read (so its link is unknown): the same URL with the next
    page number, as GitHub numbers its list pages; None past the list's last page."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    number = next((int(v) for k, v in query if k == "page" and v.isdigit() and len(v) < 9), 1) + 1
    if last is not None and number > last:
        return None
    return urlunsplit(parts._replace(query=urlencode([*[(k, v) for k, v in query if k != "page"],
                                                      ("page", str(number))])))
