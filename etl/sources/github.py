"""The GitHub REST collector: per repo and collection window (a range of pull-request `updated_at`), the
pull requests (newest update first, down to the window's start or its bookmark) and, for each PR that
changed since it was last loaded, its files, reviews and review comments. Every page is fetched
conditionally with the validators of the last response for its URL, so an unchanged page costs a 304,
which GitHub does not count against the rate limit.

Windows split a first backfill of a long history into pieces that each finish, fail and resume alone.
A PR belongs to the window of its latest update, so an update moves it to a later window, never an
earlier one: a window walked completely after it ended is final and is never walked again.

The collector yields records (`Batch`, then `WindowWalked`) and knows nothing of the warehouse: what it
must know of earlier walks (validators, bookmarks, PRs already loaded) it asks a `GitHubState`, which the
loader (etl/ingest/github_store.py) implements over the warehouse and keeps current as it stores each
batch before the collector goes on."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from .. import names
from .http import FatalHttpError, HttpClient, HttpError, next_link

DEFAULT_API_URL = "https://api.github.com"
ACCEPT = "application/vnd.github+json"
CHILD_RESOURCES = ("files", "reviews", "comments")
MISSING_STATUS = (404, 410)
# GitHub's list can show an update a moment late, and clocks differ: a window counts as final only when it
# ended this long before the walk began.
FINAL_AFTER = timedelta(hours=1)


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
    """A response exactly as received, with its content id."""
    repo: str
    resource: str
    pr_number: int | None
    url: str
    status: int
    headers: dict
    content: bytes
    sha256: str
    response_id: str


@dataclass
class Batch:
    """One unit of work (a list page, or PRs and their parts), to be stored together: the responses, the
    rows read from them, the PRs whose parts they replace, and the parts that answered 404."""
    responses: list[ApiResponse] = field(default_factory=list)
    pulls: list[dict] = field(default_factory=list)
    children: dict[str, list[dict]] = field(default_factory=lambda: {k: [] for k in CHILD_RESOURCES})
    replaced: set[tuple[str, int]] = field(default_factory=set)
    misses: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class WindowWalked:
    """The walk's end: its figures, the newest update seen, and whether the window is final now."""
    window: Window
    newest_updated: datetime | None
    stats: RepoStats


def response_id(url: str, sha256: str) -> str:
    return hashlib.sha256(f"{url}\n{sha256}".encode()).hexdigest()[:32]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class Page:
    items: list
    next_url: str | None
    response_id: str


class _Missing(Exception):
    def __init__(self, url: str, status: int):
        super().__init__(f"HTTP {status} for {url}")
        self.url, self.status = url, status


def parse_time(value) -> datetime | None:
    """GitHub's ISO times as naive UTC; None when absent or unreadable (some recordings have mangled times)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def _login(user) -> tuple[str | None, bool | None]:
    if not isinstance(user, dict):
        return None, None
    login = user.get("login")
    return login, (user.get("type") == "Bot" or str(login or "").endswith("[bot]"))


class GitHubCollector:
    def __init__(self, client: HttpClient, api_url: str = DEFAULT_API_URL,
                 log: Callable[[str], None] | None = None, commit_every: int = 25):
        self.client = client
        self.commit_every = commit_every  # PRs per batch: fewer transactions, at most this many to redo
        self.api_url = api_url.rstrip("/")
        self.log = log or (lambda _message: None)

    def collect(self, repo: str, window: Window, state: GitHubState) -> Iterator[Batch | WindowWalked]:
        """Batches to store, each before the next is asked for (`state` then knows them), then the end."""
        stats = RepoStats(repo, window.key)
        earlier = state.window_state(repo, window.key)
        if earlier and earlier.final:
            stats.window_final = stats.already_final = True
            yield WindowWalked(window, earlier.newest_updated, stats)
            return
        walk_began = _now()
        newest = earlier.newest_updated if earlier else None
        floor = max(filter(None, (window.start, newest)), default=None)
        known = state.known_updated_at(repo)
        loaded: set[int] = set()
        url = f"{self.api_url}/repos/{repo}/pulls?state=all&sort=updated&direction=desc&per_page=100"
        while url and not stats.stopped_at_bookmark:
            batch = Batch()
            try:
                page = self._fetch(state, batch, url, repo, "pulls", None)
            except _Missing as missing:
                raise FatalHttpError(f"repository {repo} not found at {self.api_url} (HTTP {missing.status})"
                                     ) from None
            stats.list_pages += 1
            for item in page.items:
                updated = parse_time(item.get("updated_at"))
                if window.is_after(updated):
                    stats.prs_in_later_windows += 1
                    continue
                if floor is not None and updated is not None and updated < floor:
                    stats.stopped_at_bookmark = True  # everything further down is older, or was loaded before
                    break
                stats.prs_seen += 1
                newest = max(filter(None, (newest, updated)), default=None)
                if known.get(item["number"]) == updated:
                    stats.prs_unchanged += 1
                else:
                    stats.prs_loaded += 1
                    loaded.add(item["number"])
                    if not self._load_pull(state, batch, repo, item, page.response_id):
                        stats.prs_incomplete += 1
                    if len(batch.pulls) >= self.commit_every:
                        yield batch
                        batch = Batch()
            yield batch
            url = page.next_url
            self.log(f"github {repo} [{window.key}]: {stats.list_pages} list page(s), {stats.prs_loaded} PRs "
                     f"loaded, {stats.prs_unchanged} unchanged")
        yield from self._retry_incomplete(state, repo, window, stats, loaded)
        # Only after a complete walk: an interrupted one resumes, skipping the PRs it already loaded. A PR with a
        # part still missing keeps the window open, so that later runs ask for it again.
        stats.window_final = (window.end is not None and walk_began >= window.end + FINAL_AFTER
                              and not state.incomplete_pulls(repo, window.start, window.end))
        yield WindowWalked(window, newest, stats)

    def _load_pull(self, state: GitHubState, batch: Batch, repo: str, item: dict, response_id: str) -> bool:
        """Fetch a PR's files, reviews and comments into `batch`. A part that answers 404 is left empty and
        noted as a miss, and the PR is kept: the window is not final until a later walk gets it. False when
        a part was missing."""
        number = item["number"]
        children: dict[str, list | None] = {}
        for resource in CHILD_RESOURCES:
            url = f"{self.api_url}/repos/{repo}/pulls/{number}/{resource}?per_page=100"
            try:
                children[resource] = [entry for page in self._pages(state, batch, url, repo, resource, number)
                                      for entry in page.items]
            except _Missing as missing:
                children[resource] = None
                detail = f"{resource} of #{number} answered HTTP {missing.status}; asked again on the next run"
                batch.misses.append({"url": missing.url, "source": names.GITHUB, "repo": repo, "pr_number": number,
                                     "status": missing.status, "detail": detail})
                self.log(f"github {repo}#{number}: {resource} answered HTTP {missing.status}; the PR is kept "
                         f"without them and they are asked again on the next run")
        add_pull(batch, repo, item, children, response_id)
        return all(part is not None for part in children.values())

    def _retry_incomplete(self, state: GitHubState, repo: str, window: Window, stats: RepoStats,
                          just_tried: set[int]) -> Iterator[Batch]:
        """PRs of the window loaded by an earlier run with a part missing: fetched again, even when the walk
        stopped before reaching them."""
        for number in state.incomplete_pulls(repo, window.start, window.end):
            if number in just_tried:
                continue
            batch = Batch()
            try:
                page = self._fetch(state, batch, f"{self.api_url}/repos/{repo}/pulls/{number}", repo, "pull",
                                   number, single=True)
            except _Missing:
                continue  # the PR itself is gone; its misses stay listed
            if self._load_pull(state, batch, repo, page.items[0], page.response_id):
                stats.prs_completed += 1
            else:
                stats.prs_incomplete += 1
            yield batch

    def _pages(self, state: GitHubState, batch: Batch, url: str, repo: str, resource: str,
               number: int | None) -> Iterator[Page]:
        while url:
            page = self._fetch(state, batch, url, repo, resource, number)
            yield page
            url = page.next_url

    def _fetch(self, state: GitHubState, batch: Batch, url: str, repo: str, resource: str, number: int | None,
               single: bool = False) -> Page:
        """One page of a list (or, `single`, one object as a page of one), conditionally."""
        cached = state.cached(url)
        response = self.client.get(url, etag=cached.etag if cached else None,
                                   last_modified=cached.last_modified if cached and not cached.etag else None)
        if response.status_code in MISSING_STATUS:
            raise _Missing(url, response.status_code)
        if response.status_code == 304:
            if cached is None:
                raise HttpError(f"GET {url}: HTTP 304 to a request that sent no validators")
            items = json.loads(cached.content)
            return Page([items] if single else items, next_link(cached.headers), cached.response_id)
        try:
            items = response.json()
        except ValueError:
            raise HttpError(f"GET {url}: HTTP 200 with a body that is not JSON "
                            f"({response.headers.get('Content-Type', 'no content type')})") from None
        if single and isinstance(items, dict) and "number" in items:
            items = [items]
        elif single or not isinstance(items, list):
            raise HttpError(f"GET {url}: expected a JSON {'object' if single else 'list'}, got "
                            f"{type(items).__name__}")
        sha = hashlib.sha256(response.content).hexdigest()
        rid = response_id(url, sha)
        batch.responses.append(ApiResponse(repo, resource, number, url, response.status_code, dict(response.headers),
                                           response.content, sha, rid))
        return Page(items, next_link(response.headers), rid)


def add_pull(batch: Batch, repo: str, item: dict, children: dict[str, list | None], response_id: str) -> None:
    """A PR (a REST list item) and its parts (REST's lists; None for a part not fetched) into `batch`, replacing
    what the warehouse holds of it. The GraphQL collector hands its PRs over in the same shapes."""
    number = item["number"]
    batch.pulls.append({**pull_row(repo, item, children["files"]), "response_id": response_id})
    batch.replaced.add((repo, number))
    for resource, rows in (("files", file_rows), ("reviews", review_rows), ("comments", comment_rows)):
        batch.children[resource] += [{"repo": repo, "number": number, **row}
                                     for row in rows(children[resource] or [])]


def pull_row(repo: str, item: dict, files: list | None) -> dict:
    """A PR's row; `files` None when they could not be fetched (their totals are then unknown)."""
    author, author_is_bot = _login(item.get("user"))

    def total(field: str, per_file: str):
        value = item.get(field)
        return value if value is not None or files is None else sum(f.get(per_file) or 0 for f in files)

    return {
        "repo": repo, "number": item["number"], "title": item.get("title"), "body": item.get("body"),
        "author": author, "author_is_bot": author_is_bot, "state": item.get("state"), "draft": item.get("draft"),
        "created_at": parse_time(item.get("created_at")), "updated_at": parse_time(item.get("updated_at")),
        "merged_at": parse_time(item.get("merged_at")), "closed_at": parse_time(item.get("closed_at")),
        "base_ref": (item.get("base") or {}).get("ref"), "head_ref": (item.get("head") or {}).get("ref"),
        "merge_commit_sha": item.get("merge_commit_sha"),
        "additions": total("additions", "additions"), "deletions": total("deletions", "deletions"),
        "changed_files": item["changed_files"] if item.get("changed_files") is not None else (
            None if files is None else len(files)),
        "labels": [label.get("name") for label in item.get("labels") or [] if isinstance(label, dict)],
        "html_url": item.get("html_url"),
    }


def file_rows(files: list) -> Iterator[dict]:
    seen = set()
    for entry in files:
        path = entry.get("filename")
        if path and path not in seen:
            seen.add(path)
            yield {"path": path, "status": entry.get("status"), "additions": entry.get("additions"),
                   "deletions": entry.get("deletions"), "previous_path": entry.get("previous_filename")}


def review_rows(reviews: list) -> Iterator[dict]:
    for review in reviews:
        reviewer, is_bot = _login(review.get("user"))
        yield {"review_id": review["id"], "reviewer": reviewer, "reviewer_is_bot": is_bot,
               "state": review.get("state"), "submitted_at": parse_time(review.get("submitted_at")),
               "body": review.get("body"), "commit_id": review.get("commit_id")}


def comment_rows(comments: list) -> Iterator[dict]:
    for comment in comments:
        author, is_bot = _login(comment.get("user"))
        yield {"comment_id": comment["id"], "review_id": comment.get("pull_request_review_id"),
               "author": author, "author_is_bot": is_bot, "path": comment.get("path"),
               "line": comment.get("line") or comment.get("original_line") or comment.get("position"),
               "body": comment.get("body"), "created_at": parse_time(comment.get("created_at")),
               "in_reply_to": comment.get("in_reply_to_id")}
