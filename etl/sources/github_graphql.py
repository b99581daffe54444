"""The GitHub GraphQL collector: what the REST collector (etl/sources/github.py) collects, in a fraction of the
rate limit. Per repo and window of pull-request `updatedAt` (the same windows, bookmarks and finality):

1. scan the repo's PRs newest update first (`scan`: 100 a query, 1 point), down to the window's start or a
   little below what the last complete walk of it reached, skipping those updated after the window; a walk of
   an older window starts at a cursor an earlier scan left just above it;
2. fetch the PRs that changed by id with everything nested (`detail`: about 0.12 points a PR), then, for a
   PR with more files, reviews, threads or thread comments than one page holds, just those pages (`more_*`,
   several PRs a query); a PR that renames or copies a file has its file list from REST (GraphQL has no
   previous path);
3. ask by number (`lookup`: 100 a point) for the window's PRs a part was missing of, those a walk could not
   load at all, and, in the window holding today, every PR the warehouse holds as open, and load again the
   ones that changed: a PR merged since the last run is never left open, even when the list showed its
   update late.

Every PR goes through the REST collector's rows (`add_pull`), every response body into raw.github_responses
(url `<endpoint>#query=<sha256>`, the query text in raw.github_graphql_queries).

Cost first: each query's points are computed by GitHub's formula before it is sent (github_graphql_queries),
kept under the node limit, and every query asks `rateLimit`, so that below `rate_limit_buffer` points the
collector waits for the reset instead of failing. Faults: a 502/504, GitHub's "Something went wrong while
executing your query" or a resource limit halves the page size of that query shape and sends it again; the
size that worked is remembered (meta.github_query_sizes) and grown back after a few successes. Other server
errors are retried with backoff; after `give_up_after` seconds of nothing but failures the run stops with one
line (no step retry: the next run resumes from what was committed). Secondary limits (403/429, Retry-After)
are waited out by the HTTP client; the primary limit (HTTP 200 with a RATE_LIMIT error) until its reset. A
response with data and errors keeps the data and notes each missing part in meta.fetch_misses against its
PR, which is fetched again on the next run. NOT_FOUND for the repository, 401 and a 403 that is no rate limit
fail at once."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from .. import names
from . import github as rest
from .github import (
    DEFAULT_API_URL,
    FINAL_AFTER,
    ApiResponse,
    Batch,
    GitHubCollector,
    GitHubState,
    RepoStats,
    Warnings,
    Window,
    WindowWalked,
    add_pull,
    parse_time,
    response_id,
)
from .github_graphql_queries import (
    DETAIL,
    MAX_PAGE,
    NODE_LIMIT,
    SCAN,
    Query,
    graphql_endpoint,
    lookup,
    more,
    query_cost,
)
from .github_graphql_shapes import rest_comments, rest_files, rest_pull, rest_reviews
from .http import FatalHttpError, HttpClient, HttpError

SERVER_ERRORS = frozenset({500, 502, 503, 504})
TOO_BIG = frozenset({502, 504})  # GitHub gave up on the query: a smaller page may pass
TOO_BIG_ERRORS = frozenset({"MAX_NODE_LIMIT_EXCEEDED", "RESOURCE_LIMITS_EXCEEDED"})
RATE_LIMITED = frozenset({"RATE_LIMIT", "RATE_LIMITED"})  # what GitHub sends, what its docs say
GIVE_UP_AFTER = 90.0  # seconds of failures in a row before the run stops
MARGIN = FINAL_AFTER  # walks look this far below their bookmark again: a list can show an update late
NESTED = ("labels", "files", "reviews", "reviewThreads")
# Page sizes: where a shape starts, and the most it grows to (GitHub allows 100; a detail page of 50 PRs with
# their files and reviews is well inside GitHub's 10 s, and a timeout halves it).
START_SIZES = {"scan": 100, "detail": 50, "lookup": 100}
GROW_AFTER = 3  # successes in a row at a reduced size before trying a larger one
FOLLOW_UP_POINTS = 1  # the most points one follow-up query may cost


class _TooBig(Exception):
    """GitHub timed out on the query or refused its size: the caller sends a smaller page."""


@dataclass
class GraphQLBatch(Batch):
    """A Batch, plus what the GraphQL store keeps beside it: the texts of the queries whose responses it holds,
    the page sizes that worked, and the scan positions reached."""
    queries: dict[str, Query] = field(default_factory=dict)
    page_sizes: dict[str, int] = field(default_factory=dict)
    cursors: list[tuple[datetime, str]] = field(default_factory=list)
    forget_cursors: bool = False  # a remembered cursor was refused: start from the top next time


@dataclass
class GraphQLStats(RepoStats):
    queries: int = 0
    points: int = 0            # as GitHub counted them (rateLimit.cost)
    points_estimated: int = 0  # by the formula, before sending
    follow_ups: int = 0        # queries for a nested connection's next page
    smaller_pages: int = 0     # halvings after a timeout
    open_swept: int = 0        # open PRs asked about by number
    rest_file_lists: int = 0   # PRs whose files came from REST (a rename or copy)


class GraphQLState(GitHubState, Protocol):
    def open_pulls(self, repo: str) -> list[int]: ...
    def unloaded_misses(self, repo: str) -> list[int]: ...
    def page_sizes(self, repo: str) -> dict[str, int]: ...
    def scan_cursor(self, repo: str, at_or_after: datetime) -> str | None: ...


@dataclass
class _Pull:
    """A PR on its way: where it was found, then its detail node."""
    id: str
    number: int
    node: dict | None = None
    misses: list[dict] = field(default_factory=list)


class GraphQLCollector:
    def __init__(self, client: HttpClient, api_url: str = DEFAULT_API_URL, log: Callable[[str], None] | None = None,
                 rate_limit_buffer: int = 50, give_up_after: float | None = None, rng: random.Random | None = None):
        self.client = client
        self.api_url = api_url.rstrip("/")
        self.endpoint = graphql_endpoint(self.api_url)
        self.log = log or (lambda _message: None)
        self.rate_limit_buffer = rate_limit_buffer
        self.give_up_after = GIVE_UP_AFTER if give_up_after is None else give_up_after
        self.rest = GitHubCollector(client, self.api_url, log)  # the file lists of PRs that rename a file
        self._rng = rng or random.Random()
        self.sizes: dict[str, int] = {}
        self._successes: dict[str, int] = {}
        self._good: dict[str, int] = {}     # per shape, the last size that passed
        self._ceiling: dict[str, int] = {}  # per shape, below the smallest size that timed out in this run
        self._streak: tuple[float, int] | None = None  # (first failure, failures) since the last success
        self._remaining: int | None = None
        self._reset_at: float | None = None
        self._stats: GraphQLStats | None = None

    def collect(self, repo: str, window: Window, state: GraphQLState) -> Iterator[Batch | WindowWalked]:
        """Batches to store, each before the next is asked for (`state` then knows them), then the end."""
        stats = self._stats = GraphQLStats(repo, window.key)
        earlier = state.window_state(repo, window.key)
        if earlier and earlier.final:
            stats.window_final = stats.already_final = True
            yield WindowWalked(window, earlier.newest_updated, stats)
            return
        self.sizes = {**START_SIZES, **state.page_sizes(repo)}
        walk_began = rest._now()
        newest = earlier.newest_updated if earlier else None
        floor = max(filter(None, (window.start, newest - MARGIN if newest else None)), default=None)
        known = state.known_updated_at(repo)
        handled: set[int] = set()
        failed: set[int] = set()
        for batch, seen in self._scan(repo, window, floor, known, state, stats):
            newest = max(filter(None, (newest, *(updated for _, _, updated in seen))), default=None)
            handled.update(number for number, _, _ in seen)
            yield from self._load(repo, [pull for _, pull, _ in seen if pull is not None], state, stats, failed, batch)
        yield from self._ask_again(repo, window, walk_began, known, handled, state, stats, failed)
        stats.window_final = (window.end is not None and walk_began >= window.end + FINAL_AFTER and not failed
                              and not state.incomplete_pulls(repo, window.start, window.end))
        yield WindowWalked(window, newest, stats)

    # 1. the list
    def _scan(self, repo: str, window: Window, floor: datetime | None, known: dict[int, datetime],
              state: GraphQLState, stats: GraphQLStats) -> Iterator[tuple[GraphQLBatch, list]]:
        """Per scan page: its batch (holding the response) and the window's PRs on it, as (number, the pull to
        load or None when unchanged, updatedAt)."""
        owner, name = repo.split("/", 1)
        after = state.scan_cursor(repo, window.end) if window.end else None
        from_cursor = after is not None
        while True:
            batch = self._batch()
            data, errors, _ = self._adaptive("scan", batch, repo, lambda size, after=after: (
                SCAN, {"owner": owner, "name": name, "first": size, "after": after}, size))
            listed = ((data or {}).get("repository") or {}).get("pullRequests")
            if listed is None:
                if from_cursor:  # a remembered position GitHub no longer takes: from the top, and forget them
                    self.log(f"github {repo}: the remembered list position was refused; scanning from the top")
                    after, from_cursor, batch.forget_cursors = None, False, True
                    yield batch, []
                    continue
                raise self._no_repository(repo, errors)
            stats.list_pages += 1
            changed, stop, above = [], False, None
            for edge in listed.get("edges") or []:
                node = edge.get("node") or {}
                updated = parse_time(node.get("updatedAt"))
                if floor is not None and updated is not None and updated < floor:
                    stats.stopped_at_bookmark = stop = True  # everything further down is older, or loaded before
                    if above:  # where the next older window's walk can start
                        batch.cursors.append(above)
                    break
                above = (updated, edge["cursor"]) if updated else above
                if window.is_after(updated):
                    stats.prs_in_later_windows += 1
                    continue
                stats.prs_seen += 1
                if known.get(node["number"]) == updated:
                    stats.prs_unchanged += 1
                    changed.append((node["number"], None, updated))
                else:
                    changed.append((node["number"], _Pull(node["id"], node["number"]), updated))
            edges = listed.get("edges") or []
            if edges and (last := parse_time((edges[-1].get("node") or {}).get("updatedAt"))):
                batch.cursors.append((last, edges[-1]["cursor"]))
            yield batch, changed
            self.log(f"github {repo} [{window.key}]: {stats.list_pages} list page(s), {stats.prs_loaded} PRs "
                     f"loaded, {stats.prs_unchanged} unchanged, {stats.points} points")
            page = listed.get("pageInfo") or {}
            if stop or not page.get("hasNextPage"):
                return
            after = page.get("endCursor")

    # 3. PRs asked about by number
    def _ask_again(self, repo: str, window: Window, walk_began: datetime, known: dict[int, datetime],
                   handled: set[int], state: GraphQLState, stats: GraphQLStats,
                   failed: set[int]) -> Iterator[Batch]:
        """This window's PRs loaded with a part missing, and the PRs a walk found but could not load that belong
        to it; in the window holding today, also the PRs the warehouse holds as open, when they changed."""
        incomplete = [n for n in state.incomplete_pulls(repo, window.start, window.end) if n not in handled]
        current = window.end is None or window.end > walk_began
        swept = [n for n in state.open_pulls(repo) if n not in handled] if current else []
        unloaded = [n for n in state.unloaded_misses(repo) if n not in handled]
        numbers = list(dict.fromkeys([*incomplete, *swept, *unloaded]))
        if not numbers:
            return
        stats.open_swept += len(swept)
        owner, name = repo.split("/", 1)
        batch, again = self._batch(), []
        for part, data, _ in self._chunks("lookup", numbers, batch, repo, lambda part: (
                lookup(len(part)), {"owner": owner, "name": name, **{f"n{i}": n for i, n in enumerate(part)}})):
            found = (data or {}).get("repository") or {}
            for i, number in enumerate(part):
                node = found.get(f"p{i}")
                if node is None:
                    self.log(f"github {repo}#{number}: GitHub no longer has it; left as it is")
                    continue
                updated = parse_time(node.get("updatedAt"))
                inside = (updated is not None and not window.is_after(updated)
                          and (window.start is None or updated >= window.start))
                if number in incomplete or (inside and known.get(number) != updated):
                    again.append(_Pull(node["id"], number))
                elif number in unloaded and not inside:
                    self.log(f"github {repo}#{number}: not loaded yet; its window ({updated}) asks for it")
        yield from self._load(repo, again, state, stats, failed, batch, completing=set(incomplete))

    # 2. the PRs that changed
    def _load(self, repo: str, pulls: list[_Pull], state: GraphQLState, stats: GraphQLStats, failed: set[int],
              first_batch: GraphQLBatch, completing: set[int] = frozenset()) -> Iterator[Batch]:
        """Each detail page of `pulls`, completed and turned into rows, as one batch (the first also holding
        `first_batch`'s responses)."""
        batch, done = first_batch, 0
        if not pulls:
            yield batch
            return
        while done < len(pulls):
            rest_of = pulls[done:]
            data, errors, used = self._adaptive("detail", batch, repo, lambda size, rest_of=rest_of: (
                DETAIL, {"ids": [p.id for p in rest_of[:size]]}, min(size, len(rest_of))))
            part, done = rest_of[:used], done + used
            response_of_page = batch.responses[-1].response_id
            for pull, node in zip(part, (data or {}).get("nodes") or [None] * len(part), strict=False):
                pull.node = node if isinstance(node, dict) and node.get("number") is not None else None
            self._note_errors(repo, errors, lambda path, part=part: part[path[1]] if path[0] == "nodes" else None)
            loaded = [p for p in part if p.node is not None]
            for pull in part:
                if pull.node is None:  # noted, and asked again next run (the window stays open meanwhile)
                    failed.add(pull.number)
                    batch.misses += pull.misses or [self._miss_row(repo, pull, ["node"], "GraphQL: no PR came back")]
            self._complete(repo, loaded, batch, stats)
            for pull in loaded:
                self._add(repo, pull, state, batch, stats, response_of_page)
                if pull.misses:
                    stats.prs_incomplete += 1
                elif pull.number in completing:
                    stats.prs_completed += 1
            stats.prs_loaded += sum(1 for p in loaded if p.number not in completing)
            yield batch
            batch = self._batch()

    def _add(self, repo: str, pull: _Pull, state: GraphQLState, batch: GraphQLBatch, stats: GraphQLStats,
             rid: str) -> None:
        node = pull.node
        children = {"files": rest_files(node), "reviews": rest_reviews(node), "comments": rest_comments(node)}
        for part, value in children.items():
            if value is None and not pull.misses:
                pull.misses.append(self._miss_row(repo, pull, [part], "GraphQL: this part did not come back"))
        if children["files"] is not None and any(f["status"] in ("renamed", "copied") for f in children["files"]):
            url = f"{self.api_url}/repos/{repo}/pulls/{pull.number}/files?per_page=100"
            try:
                children["files"] = [entry for page in self.rest._pages(state, batch, url, repo, "files", pull.number)
                                     for entry in page.items]
                stats.rest_file_lists += 1
            except rest._Missing as missing:
                self.log(f"github {repo}#{pull.number}: REST answered HTTP {missing.status} for its files; "
                         "renamed files are kept without their previous path")
        parts = {part: value or [] for part, value in children.items()}
        whole = {part: value is not None for part, value in children.items()}
        warnings = Warnings()
        try:
            add_pull(batch, repo, rest_pull(node), parts, whole, rid, warnings)
        except Exception as exc:  # noqa: BLE001 (a payload no reading foresaw: the PR is noted, the walk goes on)
            pull.misses.append(self._miss_row(repo, pull, ["node"], f"could not be read ({type(exc).__name__}: "
                                                                    f"{str(exc)[:200]})", reason="unstorable"))
        if warnings:
            self.log(f"github {repo}#{pull.number}: stored with {len(warnings.found)} value(s) changed or left out "
                     f"(see github_warnings)")
        batch.misses += pull.misses

    def _complete(self, repo: str, pulls: list[_Pull], batch: GraphQLBatch, stats: GraphQLStats) -> None:
        """Follow-up pages of every nested connection that has more, merged into the PRs' nodes: first the PRs'
        own connections, then the comments of their review threads."""
        owner, name = repo.split("/", 1)
        for connection in NESTED:
            todo = [p for p in pulls if _has_more(p.node.get(connection))]
            while todo:
                pages = self._chunks(f"more_{connection}", todo, batch, repo, lambda part, c=connection: (
                    more(c, len(part)), {"owner": owner, "name": name, **_page_variables(part, c)}))
                for part, data, errors in pages:
                    stats.follow_ups += 1
                    found = (data or {}).get("repository") or {}
                    self._note_errors(repo, errors, lambda path, part=part: part[int(path[1][1:])]
                                      if path[0] == "repository" and len(path) > 1 else None)
                    for i, pull in enumerate(part):
                        _extend(pull.node, connection, (found.get(f"p{i}") or {}).get(connection))
                todo = [p for p in todo if _has_more(p.node.get(connection))]
        threads = [(p, t) for p in pulls for t in _nodes(p.node.get("reviewThreads")) if _has_more(t.get("comments"))]
        while threads:
            for part, data, errors in self._chunks("more_comments", threads, batch, repo, lambda part: (
                    more("comments", len(part)), _thread_variables(part))):
                stats.follow_ups += 1
                self._note_errors(repo, errors, lambda path, part=part: part[int(path[0][1:])][0])
                for i, (_, thread) in enumerate(part):
                    _extend(thread, "comments", ((data or {}).get(f"t{i}") or {}).get("comments"))
            threads = [(p, t) for p, t in threads if _has_more(t.get("comments"))]

    # queries, sizes and faults
    def _chunks(self, shape: str, items: list, batch: GraphQLBatch, repo: str,
                build: Callable[[list], tuple[Query, dict]]) -> Iterator[tuple[list, dict | None, list]]:
        """`items` in pages of the shape's current size: (page, data, errors) per query."""
        done = 0
        while done < len(items):
            rest_of = items[done:]
            data, errors, used = self._adaptive(shape, batch, repo, lambda size, rest_of=rest_of: (
                *build(rest_of[:size]), min(size, len(rest_of))))
            yield rest_of[:used], data, errors
            done += used

    def _adaptive(self, shape: str, batch: GraphQLBatch, repo: str,
                  build: Callable[[int], tuple[Query, dict, int]]) -> tuple[dict | None, list, int]:
        """One query of the shape at its current size, smaller after each timeout; (data, errors, items it
        covered)."""
        size = self._fit(shape, build)
        while True:
            query, variables, covered = build(size)
            try:
                data, errors = self._post(query, variables, batch, repo)
            except _TooBig as too_big:
                self._failed(str(too_big), wait=size == 1)
                if size > 1:
                    size = self._shrink(shape, size)
                    self._stats.smaller_pages += 1
                    self.log(f"github {repo}: {too_big}; {shape} pages of {size} from now on")
                continue
            self._grow(shape, size)
            batch.page_sizes = dict(self.sizes)
            return data, errors, covered

    def _fit(self, shape: str, build: Callable[[int], tuple[Query, dict, int]]) -> int:
        """The shape's size, made smaller while the query would exceed the node limit (or, for a follow-up,
        cost more than FOLLOW_UP_POINTS)."""
        size = self.sizes.setdefault(shape, MAX_PAGE)
        while size > 1:
            query, variables, _ = build(size)
            cost = query_cost(query.text, variables)
            if cost.nodes <= NODE_LIMIT and (not shape.startswith("more_") or cost.points <= FOLLOW_UP_POINTS):
                break
            size = max(1, size // 2)
        return size

    def _shrink(self, shape: str, size: int) -> int:
        """After a timeout at `size`: back to the last size that passed if this was a larger try, else half."""
        self._ceiling[shape] = size - 1
        good = self._good.get(shape)
        self.sizes[shape] = good if good is not None and good < size else max(1, size // 2)
        self._successes[shape] = 0
        return self.sizes[shape]

    def _grow(self, shape: str, size: int) -> None:
        """After GROW_AFTER successes in a row, try halfway to the smallest size that timed out in this run (or
        to the shape's start size): a page size grows back once GitHub keeps up, and stops probing once the
        sizes that fail are found."""
        self._good[shape] = size
        self._successes[shape] = self._successes.get(shape, 0) + 1
        ceiling = min(self._ceiling.get(shape, MAX_PAGE), START_SIZES.get(shape, MAX_PAGE))
        if self._successes[shape] >= GROW_AFTER and self.sizes.get(shape, ceiling) < ceiling:
            self.sizes[shape] = min(ceiling, max(size + 1, (size + ceiling + 1) // 2))
            self._successes[shape] = 0

    def _post(self, query: Query, variables: dict, batch: GraphQLBatch, repo: str) -> tuple[dict | None, list]:
        """Send one query (after waiting for the budget to allow it); its data and errors. Raises _TooBig when
        GitHub timed out or refused the size, FatalHttpError when no retry can help."""
        cost = query_cost(query.text, variables)
        self._keep_budget(cost.points)
        payload = {"query": query.text, "variables": variables}
        rate_limit_waits = 0
        while True:
            sent_at = self.client.clock.now()
            try:
                response = self.client.post(self.endpoint, payload, pass_through=SERVER_ERRORS)
            except FatalHttpError:
                raise
            except HttpError as exc:  # connection errors and timeouts, after the client's own retries
                self._failed(str(exc), since=sent_at)
                continue
            status = response.status_code
            if status in (404, 410):
                raise FatalHttpError(f"{self.endpoint} answered HTTP {status}: no GraphQL API there "
                                     f"(set [sources] github_api = \"rest\" for a server without one)")
            body = _json(response)
            errors = [e for e in (body or {}).get("errors") or [] if isinstance(e, dict)]
            message = _first_message(body) or response.text[:120].strip()
            if status in TOO_BIG or any(e.get("type") in TOO_BIG_ERRORS for e in errors) or (
                    body is not None and body.get("data") is None and _timed_out(message)):
                raise _TooBig(f"HTTP {status}: {message}")
            if status != 200 or body is None:
                self._failed(f"HTTP {status}: {message}")
                continue
            if any(e.get("type") in RATE_LIMITED for e in errors):
                rate_limit_waits += 1
                if rate_limit_waits > self.client.policy.max_rate_limit_waits:
                    raise HttpError(f"{self.endpoint}: still rate limited after {rate_limit_waits - 1} waits")
                self._wait_for_reset(response, message)
                continue
            self._streak = None
            self._record(query, response, body, cost.points, batch, repo)
            return body.get("data"), errors

    def _record(self, query: Query, response, body: dict, estimated: int, batch: GraphQLBatch, repo: str) -> None:
        limit = (body.get("data") or {}).get("rateLimit") or {}
        if isinstance(limit.get("remaining"), int):
            self._remaining = limit["remaining"]
            reset = parse_time(limit.get("resetAt"))
            self._reset_at = reset.replace(tzinfo=UTC).timestamp() if reset else None
        stats = self._stats
        if stats is not None:
            stats.queries += 1
            stats.points += limit.get("cost") if isinstance(limit.get("cost"), int) else estimated
            stats.points_estimated += estimated
        url = f"{self.endpoint}#query={query.sha256}"
        sha = hashlib.sha256(response.content).hexdigest()
        batch.responses.append(ApiResponse(repo, f"graphql:{query.shape}", None, url, response.status_code,
                                           dict(response.headers), response.content, sha, response_id(url, sha)))
        batch.queries[query.sha256] = query

    def _keep_budget(self, points: int) -> None:
        """Below the reserve of points (as the last response counted them), wait for the reset rather than
        spend the last ones."""
        now = self.client.clock.now()
        if (self._remaining is None or self._reset_at is None or self._reset_at <= now
                or self._remaining - points >= self.rate_limit_buffer):
            return
        self.client._wait(self._reset_at - now + 1.0, f"{self._remaining} points left, a query of {points} would go "
                                                       f"under the reserve of {self.rate_limit_buffer}")
        self._remaining = None

    def _wait_for_reset(self, response, message: str) -> None:
        now = self.client.clock.now()
        try:
            reset = float(response.headers["X-RateLimit-Reset"])
        except (KeyError, ValueError):
            reset = self._reset_at if self._reset_at and self._reset_at > now else now + 60.0
        self._remaining = None
        self.client._wait(max(0.0, reset - now) + 1.0, f"GraphQL rate limit ({message})")

    def _failed(self, what: str, wait: bool = True, since: float | None = None) -> None:
        """One more failure in a row (a request that failed after being tried since `since`): wait (exponential
        backoff with jitter) and let the caller retry, unless the failures would then have lasted longer than
        `give_up_after` seconds, which stops the run with one line."""
        now = self.client.clock.now()
        began, failures = self._streak or (min(now, since or now), 0)
        failures += 1
        self._streak = (began, failures)
        delay = min(32.0, 2.0 ** (failures - 1)) * (0.5 + self._rng.random()) if wait else 0.0
        if now - began + delay > self.give_up_after:
            raise FatalHttpError(f"GitHub GraphQL at {self.endpoint} failed {failures} times in a row over "
                                 f"{now - began:.0f} s (last: {what}); stopped, the next run resumes from what "
                                 f"was committed")
        self.client.stats.retries += 1
        if delay:
            self.client._wait(delay, f"{what}; retry {failures}", rate_limited=False)

    # partial answers
    def _note_errors(self, repo: str, errors: list, owner_of: Callable[[list], _Pull | None]) -> None:
        """Errors beside data: each one's part is noted as missing against its PR."""
        for error in errors:
            path = error.get("path") or []
            try:
                pull = owner_of(path) if path else None
            except (IndexError, ValueError, TypeError):
                pull = None
            what = f"GraphQL {error.get('type') or 'error'}: {error.get('message', '')}"
            if pull is None:
                self.log(f"github {repo}: {what} at {path or 'the query'}; ignored")
                continue
            pull.misses.append(self._miss_row(repo, pull, [str(p) for p in path[2:]] or ["node"], what))

    def _miss_row(self, repo: str, pull: _Pull, where: list[str], what: str, reason: str = "partial_data") -> dict:
        self.log(f"github {repo}#{pull.number}: {what} ({'.'.join(where)}); kept without it, asked again next run")
        return {"url": f"{self.endpoint}#{repo}/pull/{pull.number}/{'/'.join(where)}", "source": names.GITHUB,
                "repo": repo, "pr_number": pull.number, "status": 200, "reason": reason,
                "detail": f"{what} ({'.'.join(where)}); asked again on the next run"}

    def _no_repository(self, repo: str, errors: list) -> FatalHttpError:
        found = next((e for e in errors if e.get("type") == "NOT_FOUND"), None) or (errors[0] if errors else {})
        return FatalHttpError(f"repository {repo} not found at {self.endpoint} "
                              f"(GraphQL {found.get('type') or 'error'}: {found.get('message', 'no data')})")

    def _batch(self) -> GraphQLBatch:
        return GraphQLBatch(page_sizes=dict(self.sizes))


def _json(response) -> dict | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _first_message(body: dict | None) -> str:
    errors = (body or {}).get("errors") or []
    return str(errors[0].get("message", ""))[:200] if errors and isinstance(errors[0], dict) else ""


def _timed_out(message: str) -> bool:
    return message.startswith("Something went wrong while executing your query") or "couldn't respond" in message


def _nodes(connection) -> list:
    return [n for n in (connection or {}).get("nodes") or [] if isinstance(n, dict)]


def _has_more(connection) -> bool:
    return bool(isinstance(connection, dict) and (connection.get("pageInfo") or {}).get("hasNextPage"))


def _remaining(connection) -> int:
    """How many nodes the connection's next page should ask for (all that are left, up to a page)."""
    total = connection.get("totalCount")
    left = total - len(connection.get("nodes") or []) if isinstance(total, int) else MAX_PAGE
    return max(1, min(MAX_PAGE, left))


def _page_variables(part: list[_Pull], connection: str) -> dict:
    found = {}
    for i, pull in enumerate(part):
        page = pull.node[connection]
        found.update({f"n{i}": pull.number, f"a{i}": page["pageInfo"].get("endCursor"), f"f{i}": _remaining(page)})
    return found


def _thread_variables(part: list[tuple[_Pull, dict]]) -> dict:
    found = {}
    for i, (_, thread) in enumerate(part):
        page = thread["comments"]
        found.update({f"t{i}": thread["id"], f"a{i}": page["pageInfo"].get("endCursor"), f"f{i}": _remaining(page)})
    return found


def _extend(holder: dict, connection: str, page: dict | None) -> None:
    """Append a follow-up page to a connection; a page that did not come back leaves the connection null (a
    missing part)."""
    if page is None:
        holder[connection] = None
        return
    holder[connection]["nodes"] = [*_nodes(holder[connection]), *(page.get("nodes") or [])]
    holder[connection]["pageInfo"] = page.get("pageInfo") or {}
    holder[connection]["totalCount"] = page.get("totalCount", holder[connection].get("totalCount"))
