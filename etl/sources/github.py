"""The GitHub REST collector: per repo and collection window (a range of pull-request `updated_at`), the
pull requests (newest update first, down to the window's start or its bookmark) and, for each PR that
changed since it was last loaded, its files, reviews and review comments. Every page is fetched
conditionally with the validators of the last response for its URL, so an unchanged page costs a 304,
which GitHub does not count against the rate limit.

Windows split a first backfill of a long history into pieces that each finish, fail and resume alone.
A PR belongs to the window of its latest update, so an update moves it to a later window, never an
earlier one: a window walked completely after it ended is final and is never walked again.

One bad pull request or response never stops a walk. A PR's payload is read into rows by
etl/sources/github_rows.py, which fits every value to its column and warns about what it changed; a part
(files, reviews, comments) that cannot be had (404, 422, a body that is not JSON or not whole, a pagination
loop) is noted in meta.fetch_misses and the PR kept without it, asked again by later runs; a list page that
cannot be read is noted and the walk goes on with the page after it, leaving the window open. What stops a
walk: bad credentials, no such repository, and an API that answers nothing at all, or only that it is rate
limited for longer than is worth waiting (a request failed after its retries, and the first request of the
walk that was answered, asked again once, fails too; or nothing was answered yet).

The collector yields records (`Batch`, then `WindowWalked`) and knows nothing of the warehouse: what it
must know of earlier walks (validators, bookmarks, PRs already loaded) it asks a `GitHubState`, which the
loader (etl/ingest/github_store.py) implements over the warehouse and keeps current as it stores each
batch before the collector goes on."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import urljoin

from .. import names
from .github_pages import PageGuard, Problem, page_after
from .github_rows import (  # noqa: F401 (the rows' readers, shared with the GraphQL collector, are also here)
    PullUnreadable,
    Warnings,
    comment_rows,
    describe,
    file_rows,
    parse_time,
    pull_number,
    pull_row,
    read_json,
    review_rows,
    updated_at,
)
from .http import ITEM_STATUSES, FatalHttpError, HttpClient, HttpError, last_page, message_of, next_link, same_origin

DEFAULT_API_URL = "https://api.github.com"
ACCEPT = "application/vnd.github+json"
CHILD_RESOURCES = ("files", "reviews", "comments")
MISSING_STATUS = (404, 410)
# GitHub's list can show an update a moment late, and clocks differ: a window counts as final only when it
# ended this long before the walk began.
FINAL_AFTER = timedelta(hours=1)
SKIPPED_IN_A_ROW = 3  # unreadable list pages passed over one after another before a walk gives up
# Why a request failed that may be the API's, not the item's: before noting a miss, the API is asked once
# whether it answers at all (a rate limit too long to wait for is the whole API's, unless it answers that).
MAYBE_THE_API = ("server_error", "no_answer", "too_slow", "rate_limited")


@dataclass(frozen=True)
class Window:
    """Pull requests last updated in [start, end), naive UTC; None on either side is open."""
    key: str = "all"
    start: datetime | None = None
    end: datetime | None = None

    def is_after(self, updated: datetime | None) -> bool:
        return self.end is not None and updated is not None and updated >= self.end


WHOLE_HISTORY = Window()


@dataclass
class RepoStats:
    repo: str
    window: str = WHOLE_HISTORY.key
    list_pages: int = 0
    prs_seen: int = 0
    prs_loaded: int = 0
    prs_unchanged: int = 0
    prs_incomplete: int = 0  # loaded with a part (files, reviews, comments) missing: asked again next run
    prs_completed: int = 0   # loaded earlier with a part missing, now whole
    prs_in_later_windows: int = 0
    prs_with_warnings: int = 0  # loaded with a value fitted or left out (staging.github_warnings)
    prs_unreadable: int = 0     # listed with no number the warehouse can store: only in meta.fetch_misses
    prs_with_problems: int = 0  # incomplete, warned about or unreadable: what the run reports
    list_problems: int = 0      # list pages not read, or links not followed: the walk is not complete
    stopped_at_bookmark: bool = False  # reached the window's start, or what an earlier walk of it loaded
    window_final: bool = False
    already_final: bool = False  # nothing to do: no request made


@dataclass(frozen=True)
class CachedResponse:
    etag: str | None
    last_modified: str | None
    response_id: str
    content: bytes
    headers: dict


@dataclass(frozen=True)
class WindowState:
    newest_updated: datetime | None  # the newest updated_at a completed walk of the window loaded
    final: bool


class GitHubState(Protocol):
    """What the collector asks about earlier walks."""

    def cached(self, url: str) -> CachedResponse | None: ...
    def window_state(self, repo: str, window_key: str) -> WindowState | None: ...
    def incomplete_pulls(self, repo: str, start: datetime | None, end: datetime | None) -> list[int]: ...
    def known_updated_at(self, repo: str) -> dict[int, datetime]: ...


@dataclass(frozen=True)
class ApiResponse:
    """A response exactly as received (a token in it replaced by a marker), with its content id; `readable`
    when rows were read from it (only those stand behind a later 304)."""
    repo: str
    resource: str
    pr_number: int | None
    url: str
    status: int
    headers: dict
    content: bytes
    sha256: str
    response_id: str
    readable: bool = True


@dataclass
class Batch:
    """One unit of work (a list page, or PRs and their parts), to be stored together: the responses, the
    rows read from them, the warnings about those rows, the PRs whose parts they replace, and the requests
    that gave up (misses: dicts of meta.fetch_misses' columns)."""
    responses: list[ApiResponse] = field(default_factory=list)
    pulls: list[dict] = field(default_factory=list)
    children: dict[str, list[dict]] = field(default_factory=lambda: {k: [] for k in CHILD_RESOURCES})
    warnings: list[dict] = field(default_factory=list)
    replaced: set[tuple[str, int]] = field(default_factory=set)
    misses: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class WindowWalked:
    """The walk's end: its figures, the newest update seen, and whether the window is final now."""
    window: Window
    newest_updated: datetime | None
    stats: RepoStats


def add_pull(batch: Batch, repo: str, item: dict, parts: dict[str, list], whole: dict[str, bool],
             response_id: str, warnings: Warnings) -> None:
    """A PR (a REST list item) and what was read of its parts (REST's lists; `whole` says which came whole)
    into `batch`, replacing what the warehouse holds of it, with the warnings its values raised. The GraphQL
    collector hands its PRs over in the same shapes. Raises when the payload cannot be read at all: nothing
    of the PR is added then."""
    row = pull_row(repo, item, parts["files"] if whole["files"] else None, warnings)
    rows = {"files": list(file_rows(parts["files"], warnings)),
            "reviews": list(review_rows(parts["reviews"], warnings)),
            "comments": list(comment_rows(parts["comments"], warnings))}
    batch.pulls.append({**row, "response_id": response_id})
    batch.replaced.add((repo, row["number"]))
    for resource, found in rows.items():
        batch.children[resource] += [{"repo": repo, "number": row["number"], **found_row} for found_row in found]
    batch.warnings += [{"repo": repo, "number": row["number"], "field": where, "warning": what}
                       for where, what in warnings.found.items()]


def response_id(url: str, sha256: str) -> str:
    return hashlib.sha256(f"{url}\n{sha256}".encode()).hexdigest()[:32]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class Page:
    url: str
    items: list
    next_url: str | None
    response_id: str
    last: int | None = None  # the list's page count, when its Link header says


class _Unread(Exception):
    """A request that gave up on its item: noted in meta.fetch_misses with `reason`, `status` and `detail`."""

    def __init__(self, url: str, reason: str, status: int | None, detail: str):
        super().__init__(detail)
        self.url, self.reason, self.status, self.detail = url, reason, status or 0, " ".join(detail.split())

    @classmethod
    def of(cls, url: str, problem: Problem) -> _Unread:
        return cls(url, problem.reason, 200, problem.detail)


@dataclass
class _Walk:
    """Where a walk of the pulls list is: what it may skip, what it loaded, what it found wrong."""
    window: Window
    newest: datetime | None         # the newest updated_at seen (or the earlier complete walk's)
    floor: datetime | None          # older than this is the window's start, or what an earlier walk loaded
    known: dict[int, datetime]      # PRs in the warehouse, with the updated_at they were loaded with
    loaded: set[int] = field(default_factory=set)
    problems: set = field(default_factory=set)  # PR numbers, or list items, with something wrong


class GitHubCollector:
    def __init__(self, client: HttpClient, api_url: str = DEFAULT_API_URL,
                 log: Callable[[str], None] | None = None, commit_every: int = 25):
        self.client = client
        self.commit_every = commit_every  # PRs per batch: fewer transactions, at most this many to redo
        self.api_url = api_url.rstrip("/")
        self.log = log or (lambda _message: None)
        self._answered: str | None = None  # the first URL the API answered in this walk: asked to see it lives

    def collect(self, repo: str, window: Window, state: GitHubState) -> Iterator[Batch | WindowWalked]:
        """Batches to store, each before the next is asked for (`state` then knows them), then the end."""
        stats = RepoStats(repo, window.key)
        earlier = state.window_state(repo, window.key)
        if earlier and earlier.final:
            stats.window_final = stats.already_final = True
            yield WindowWalked(window, earlier.newest_updated, stats)
            return
        walk_began = _now()
        self._answered = None
        newest = earlier.newest_updated if earlier else None
        walk = _Walk(window, newest, max(filter(None, (window.start, newest)), default=None),
                     state.known_updated_at(repo))
        for batch, page in self._list_pages(state, repo, stats):
            if page is not None:
                batch = yield from self._take_listed(state, batch, repo, page, walk, stats)
            yield batch
            if page is not None:
                self.log(f"github {repo} [{window.key}]: {stats.list_pages} list page(s), {stats.prs_loaded} PRs "
                         f"loaded, {stats.prs_unchanged} unchanged")
        yield from self._retry_incomplete(state, repo, window, stats, walk)
        stats.prs_with_problems = len(walk.problems)
        # Only after a complete walk: an interrupted one resumes, skipping the PRs it already loaded. A PR with a
        # part still missing keeps the window open, so that later runs ask for it again; so does a list page
        # that could not be read (and the bookmark stays where it was, so the next walk reaches its PRs).
        complete = not stats.list_problems
        stats.window_final = (complete and window.end is not None and walk_began >= window.end + FINAL_AFTER
                              and not state.incomplete_pulls(repo, window.start, window.end))
        yield WindowWalked(window, walk.newest if complete else newest, stats)

    def _list_pages(self, state: GitHubState, repo: str, stats: RepoStats) -> Iterator[tuple[Batch, Page | None]]:
        """The pulls list, newest update first, page by page, each with the batch it starts (None for a page
        that could not be read: the batch holds its miss). A page that cannot be read is passed over, the walk
        going on with the next page number; the walk stops at a pagination loop, at more pages than the list
        has, after SKIPPED_IN_A_ROW unreadable pages, or when the caller has read far enough
        (stats.stopped_at_bookmark)."""
        url = f"{self.api_url}/repos/{repo}/pulls?state=all&sort=updated&direction=desc&per_page=100"
        guard, skipped, came_from = PageGuard("pulls"), 0, None
        while url and not stats.stopped_at_bookmark:
            batch = Batch()
            try:
                page = self._fetch(state, batch, url, repo, "pulls", None)
                if problem := guard.read(url, page.items, page.last):
                    raise _Unread.of(came_from or url, problem)
            except _Unread as unread:
                if unread.reason == "not_found" and not (stats.list_pages or stats.list_problems):
                    raise FatalHttpError(f"repository {repo} not found at {self.api_url} (HTTP {unread.status})"
                                         ) from None
                stats.list_problems, skipped = stats.list_problems + 1, skipped + 1
                looped = unread.reason == "pagination_loop"
                url = None if looped or skipped > SKIPPED_IN_A_ROW else self._page_after(url, guard)
                self._miss(batch, repo, None, unread, "the list page",
                           f"the walk goes on with {url}" if url else "the walk stops here")
                yield batch, None
                continue
            skipped, came_from = 0, url
            stats.list_pages += 1
            yield batch, page
            if stats.stopped_at_bookmark:
                return
            try:
                url = self._next_url(page, guard)
            except _Unread as unread:
                stats.list_problems += 1
                stopped = Batch()
                self._miss(stopped, repo, None, unread, "the list page", "the walk stops here")
                yield stopped, None
                url = None

    @staticmethod
    def _page_after(url: str, guard: PageGuard) -> str | None:
        following = page_after(url, guard.last)
        return None if following is None or guard.refuse(following) else following

    def _take_listed(self, state: GitHubState, batch: Batch, repo: str, page: Page, walk: _Walk,
                     stats: RepoStats) -> Generator[Batch, None, Batch]:
        """Read one list page's PRs into `batch`, loading each that changed; full batches are yielded on the
        way, the last one returned. An item with no number the warehouse can store is noted and passed over."""
        for i, item in enumerate(page.items):
            try:
                number = pull_number(item)
            except PullUnreadable as why:
                stats.prs_unreadable += 1
                walk.problems.add(f"{page.url}#{i}")
                self._miss(batch, repo, None, _Unread(f"{page.url}#item-{i}", "unstorable", 200, str(why)),
                           f"item {i} of the list page", "the walk goes on")
                continue
            updated = updated_at(item)
            if walk.window.is_after(updated):
                stats.prs_in_later_windows += 1
                continue
            if walk.floor is not None and updated is not None and updated < walk.floor:
                stats.stopped_at_bookmark = True  # everything further down is older, or was loaded before
                break
            if number in walk.loaded:
                continue  # listed twice (updated during the walk, or a server repeating itself)
            stats.prs_seen += 1
            walk.newest = max(filter(None, (walk.newest, updated)), default=None)
            if updated is not None and walk.known.get(number) == updated:
                stats.prs_unchanged += 1
                continue
            stats.prs_loaded += 1
            walk.loaded.add(number)
            self._count(stats, walk.problems, number,
                        self._load_pull(state, batch, repo, number, item, page.response_id))
            if len(batch.pulls) >= self.commit_every:
                yield batch
                batch = Batch()
        return batch

    @staticmethod
    def _count(stats: RepoStats, problems: set, number: int, outcome: tuple[bool, bool]) -> None:
        whole, warned = outcome
        stats.prs_incomplete += not whole
        stats.prs_with_warnings += warned
        if not whole or warned:
            problems.add(number)

    def _load_pull(self, state: GitHubState, batch: Batch, repo: str, number: int, item: dict,
                   response_id: str) -> tuple[bool, bool]:
        """Fetch a PR's files, reviews and comments into `batch`, with the PR's rows and warnings. A part that
        cannot be had is noted as a miss and the PR kept with what could be read of it: the window is not
        final until a later walk gets it. (whether every part came whole, whether there were warnings)"""
        warnings, parts, whole = Warnings(), {}, {}
        for resource in CHILD_RESOURCES:
            url = f"{self.api_url}/repos/{repo}/pulls/{number}/{resource}?per_page=100"
            parts[resource], whole[resource] = [], True
            try:
                for page in self._pages(state, batch, url, repo, resource, number):
                    parts[resource] += page.items
            except _Unread as unread:
                whole[resource] = False
                kept = f" (the {len(parts[resource])} read before are kept)" if parts[resource] else ""
                self._miss(batch, repo, number, unread, f"{resource} of #{number}",
                           f"the PR is kept without them{kept} and they are asked again on the next run")
        try:
            add_pull(batch, repo, item, parts, whole, response_id, warnings)
        except Exception as exc:  # noqa: BLE001 (a payload no reading foresaw: the PR is noted, the walk goes on)
            self._miss(batch, repo, number, _Unread(f"{self.api_url}/repos/{repo}/pulls/{number}", "unstorable",
                                                    200, f"#{number} could not be read ({type(exc).__name__}: "
                                                         f"{str(exc)[:200]})"), f"#{number}", "it is not stored")
            return False, False
        if warnings:
            fields = ", ".join(list(warnings.found)[:5]) + (", ..." if len(warnings.found) > 5 else "")
            self.log(f"github {repo}#{number}: stored with {len(warnings.found)} value(s) changed or left out "
                     f"({fields}; see github_warnings)")
        return all(whole.values()), bool(warnings)

    def _retry_incomplete(self, state: GitHubState, repo: str, window: Window, stats: RepoStats,
                          walk: _Walk) -> Iterator[Batch]:
        """PRs of the window loaded by an earlier run with a part missing: fetched again, even when the walk
        stopped before reaching them."""
        for number in state.incomplete_pulls(repo, window.start, window.end):
            if number in walk.loaded:
                continue
            batch = Batch()
            url = f"{self.api_url}/repos/{repo}/pulls/{number}"
            try:
                page = self._fetch(state, batch, url, repo, "pull", number, single=True)
                pull_number(page.items[0])
            except _Unread as unread:
                if unread.reason != "not_found":  # a PR that is gone keeps its earlier misses listed
                    self._miss(batch, repo, number, unread, f"#{number}", "it stays incomplete")
                yield batch
                continue
            except PullUnreadable as why:
                self._miss(batch, repo, number, _Unread(url, "unstorable", 200, f"#{number}: {why}"), f"#{number}",
                           "it stays incomplete")
                yield batch
                continue
            whole, warned = self._load_pull(state, batch, repo, number, page.items[0], page.response_id)
            stats.prs_completed += whole
            self._count(stats, walk.problems, number, (whole, warned))
            yield batch

    def _pages(self, state: GitHubState, batch: Batch, url: str, repo: str, resource: str,
               number: int | None) -> Iterator[Page]:
        guard, came_from = PageGuard(resource), None
        while url:
            page = self._fetch(state, batch, url, repo, resource, number)
            if problem := guard.read(url, page.items, page.last):
                raise _Unread.of(came_from or url, problem)
            came_from = url
            yield page
            url = self._next_url(page, guard)

    def _next_url(self, page: Page, guard: PageGuard) -> str | None:
        """The page after `page`, or None at the list's end; _Unread when its link cannot be followed: to
        another host, back to a page already read, or beyond the pages the list can have."""
        if not page.next_url or not page.items:  # an empty page ends a list, whatever it links to
            return None
        try:
            following = urljoin(page.url, page.next_url)
        except ValueError:  # a URL that cannot be read (a bracket left open, a port that is not a number)
            following = page.next_url
        if not following.startswith(("http://", "https://")) or not same_origin(following, self.api_url):
            raise _Unread(page.url, "link_off_host", 200, f"its next link ({following[:200]}) leads away from "
                                                          f"{self.api_url}; not followed")
        if problem := guard.refuse(following):
            raise _Unread.of(page.url, problem)
        return following

    def _miss(self, batch: Batch, repo: str, number: int | None, unread: _Unread, what: str, then: str) -> None:
        batch.misses.append({"url": unread.url, "source": names.GITHUB, "repo": repo, "pr_number": number,
                             "status": unread.status, "reason": unread.reason,
                             "detail": f"{what}: {unread.detail}; {then}"})
        self.log(f"github {repo}: {what}: {unread.detail}; {then}")

    def _fetch(self, state: GitHubState, batch: Batch, url: str, repo: str, resource: str, number: int | None,
               single: bool = False) -> Page:
        """One page of a list (or, `single`, one object as a page of one), conditionally. Every response
        handed over is kept in `batch`; _Unread when nothing can be read from it."""
        cached = state.cached(url)
        try:
            response = self.client.get(url, etag=cached.etag if cached else None,
                                       last_modified=cached.last_modified if cached and not cached.etag else None,
                                       answers=ITEM_STATUSES)
        except FatalHttpError:
            raise
        except HttpError as failed:
            if failed.received is not None:
                self._keep(batch, repo, resource, number, url, failed.received, readable=False)
            if failed.reason in MAYBE_THE_API:
                self._check_api(state, failed)
            raise _Unread(url, failed.reason, failed.status, str(failed)) from None
        self._answered = self._answered or url
        status = response.status_code
        if status == 304:
            if cached is None:
                raise _Unread(url, "http_error", 304, "HTTP 304 to a request that sent no validators")
            content, headers, rid = cached.content, cached.headers, cached.response_id
        elif status == 200:
            content, headers, rid = response.content, response.headers, None
        else:
            self._keep(batch, repo, resource, number, url, response, readable=False)
            if status in MISSING_STATUS:
                raise _Unread(url, "not_found", status, f"HTTP {status}")
            raise _Unread(url, "http_error", status, f"HTTP {status}: {message_of(response)}".rstrip(": "))
        try:
            items = read_json(content)
        except ValueError as why:
            if rid is None:
                self._keep(batch, repo, resource, number, url, response, readable=False)
            kind = response.headers.get("Content-Type", "no content type")
            raise _Unread(url, "not_json", status, f"HTTP {status} with a body that is not JSON ({kind}; {why})"
                          ) from None
        if single and isinstance(items, dict):
            items = [items]
        elif single or not isinstance(items, list):
            if rid is None:
                self._keep(batch, repo, resource, number, url, response, readable=False)
            raise _Unread(url, "unexpected_shape", status, f"HTTP {status} with {describe(items)} where a JSON "
                                                           f"{'object' if single else 'list'} was expected")
        if rid is None:
            rid = self._keep(batch, repo, resource, number, url, response, readable=True)
        return Page(url, items, next_link(headers), rid, last_page(headers))

    def _check_api(self, state: GitHubState, failed: HttpError) -> None:
        """After a request failed for good in a way that may be the API's: does the API answer at all (and not
        only that it is rate limited)? The first request it answered in this walk is asked again, once
        (conditionally: a 304 costs nothing). If it answers, the failure is the item's, and becomes a miss; if
        not, or if nothing was answered yet, the walk stops with one line, and the next run asks again."""
        api_is = ("rate limited for longer than is worth waiting" if failed.reason == "rate_limited"
                  else "failing")
        if self._answered is None:
            raise HttpError(f"{failed}; nothing else was answered yet: the API is {api_is}, and the next run asks "
                            f"again", reason=failed.reason, status=failed.status)
        cached = state.cached(self._answered)
        try:
            self.client.get(self._answered, etag=cached.etag if cached else None, retry=False,
                            answers=frozenset(range(200, 500)) - {403, 429})
        except HttpError as silent:
            raise HttpError(f"{failed}; {self._answered}, answered before, answers nothing usable now either "
                            f"({silent.reason}): the API is {api_is}, and the next run asks again",
                            reason=failed.reason, status=failed.status) from None

    @staticmethod
    def _keep(batch: Batch, repo: str, resource: str, number: int | None, url: str, response,
              readable: bool) -> str:
        sha = hashlib.sha256(response.content).hexdigest()
        rid = response_id(url, sha)
        batch.responses.append(ApiResponse(repo, resource, number, url, response.status_code, dict(response.headers),
                                           response.content, sha, rid, readable))
        return rid
