"""The GitHub GraphQL collector's queries on the wire (etl/sources/github_graphql.py asks, this sends): each
query's cost by GitHub's formula before it is sent, the reserve of points, the page size of each query shape
(smaller after GitHub times out, grown back after successes, remembered), GitHub's rate limits, and what an
answer that cannot be used means.

An answer that cannot be used (a 5xx, a body that is not JSON or not whole, errors and no data, a query
still too big for one item) is the API's while the API answers nothing else: retried with backoff, and after
`give_up_after` seconds of nothing but failures the run stops with one line. When the API answers a probe (a
query of nothing but the rate limit), the answer is its items': they are asked for one by one, and for the one
(or each) whose answer still cannot be used `Unusable` is raised, for the collector to note. Every answer is kept in
the batch, as received, whether or not it could be used."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .github import ApiResponse, Batch, RepoStats, describe, parse_time, read_json, response_id
from .github_graphql_queries import MAX_PAGE, NODE_LIMIT, PROBE, Query, query_cost
from .http import FatalHttpError, HttpClient, HttpError

SERVER_ERRORS = frozenset({500, 502, 503, 504})
TOO_BIG = frozenset({502, 504})  # GitHub gave up on the query: a smaller page may pass
TOO_BIG_ERRORS = frozenset({"MAX_NODE_LIMIT_EXCEEDED", "RESOURCE_LIMITS_EXCEEDED"})
RATE_LIMITED = frozenset({"RATE_LIMIT", "RATE_LIMITED"})  # what GitHub sends, what its docs say
# Page sizes: where a shape starts, and the most it grows to (GitHub allows 100; a detail page of 50 PRs with
# their files and reviews is well inside GitHub's 10 s, and a timeout halves it).
START_SIZES = {"scan": 100, "detail": 50, "lookup": 100}
GROW_AFTER = 3  # successes in a row at a reduced size before trying a larger one
FOLLOW_UP_POINTS = 1  # the most points one follow-up query may cost
# Items given up on in a row, with no query of their shape answered in the walk, before the query itself is
# taken to be at fault (GitHub changed its schema, say): the run stops rather than note every PR as a miss.
QUERY_AT_FAULT_AFTER = 3


class _TooBig(Exception):
    """GitHub timed out on the query or refused its size: the caller sends a smaller page."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


class Unusable(Exception):
    """An answer that cannot be used: `reason` as meta.fetch_misses names it (server_error, not_json,
    cut_short, ...), `status` the last one answered, `since` when the request was first sent."""

    def __init__(self, reason: str, what: str, status: int | None, since: float | None = None):
        super().__init__(" ".join(what.split())[:400])
        self.reason, self.status, self.since = reason, status or 0, since


# A page of items asked for: (the items, data, errors, None), or (the one item, None, [], why its answer could
# not be used)
Chunk = tuple[list, dict | None, list, Unusable | None]


@dataclass
class GraphQLBatch(Batch):
    """A Batch, plus what the GraphQL store keeps beside it: the texts of the queries whose responses it holds,
    the page sizes that worked, the scan positions reached, and the misses of an earlier scan of the window
    that this walk speaks for anew (their URLs' common start)."""
    queries: dict[str, Query] = field(default_factory=dict)
    page_sizes: dict[str, int] = field(default_factory=dict)
    cursors: list[tuple[datetime, str]] = field(default_factory=list)
    forget_cursors: bool = False  # a remembered cursor was refused: start from the top next time
    settles: str | None = None


@dataclass
class GraphQLStats(RepoStats):
    queries: int = 0
    points: int = 0            # as GitHub counted them (rateLimit.cost)
    points_estimated: int = 0  # by the formula, before sending
    follow_ups: int = 0        # queries for a nested connection's next page
    smaller_pages: int = 0     # halvings after a timeout
    open_swept: int = 0        # open PRs asked about by number
    rest_file_lists: int = 0   # PRs whose files came from REST (a rename or copy)
    unusable_answers: int = 0  # answers that could not be used while the API answered (items then asked alone)
    probes: int = 0            # queries asking whether the API answers at all


class GraphQLClient:
    """Sends the collector's queries for one walk at a time (`new_walk`)."""

    def __init__(self, client: HttpClient, endpoint: str, log: Callable[[str], None], rate_limit_buffer: int,
                 give_up_after: float, rng: random.Random):
        self.client, self.endpoint, self.log = client, endpoint, log
        self.rate_limit_buffer, self.give_up_after, self._rng = rate_limit_buffer, give_up_after, rng
        self.sizes: dict[str, int] = {}
        self._successes: dict[str, int] = {}
        self._good: dict[str, int] = {}     # per shape, the last size that passed
        self._ceiling: dict[str, int] = {}  # per shape, below the smallest size that timed out in this run
        self._streak: tuple[float, int] | None = None  # (first failure, failures) since the last success
        self._remaining: int | None = None
        self._reset_at: float | None = None
        self._stats = GraphQLStats("")
        self._passed: set[str] = set()         # query shapes answered in this walk
        self._given_up: dict[str, int] = {}    # per shape, items given up on in this walk
        self._one_by_one: dict[str, int] = {}  # per shape, items still to ask for alone (a page's that failed)

    def new_walk(self, stats: GraphQLStats, sizes: dict[str, int]) -> None:
        """A walk begins: its figures go to `stats`, its page sizes start at `sizes`."""
        self._stats, self.sizes = stats, {**START_SIZES, **sizes}
        self._passed, self._given_up, self._one_by_one = set(), {}, {}

    def chunks(self, shape: str, items: list, batch: GraphQLBatch, repo: str,
               build: Callable[[list], tuple[Query, dict]]) -> Iterator[Chunk]:
        """`items` in pages of the shape's current size: (page, data, errors, None) per query, or (the one item,
        None, [], why) for an item whose answer could not be used."""
        done = 0
        while done < len(items):
            rest_of = items[done:]
            try:
                data, errors, used = self.ask(shape, batch, repo, lambda size, rest_of=rest_of: (
                    *build(rest_of[:size]), min(size, len(rest_of))))
            except Unusable as unusable:
                yield rest_of[:1], None, [], unusable
                done += 1
                continue
            yield rest_of[:used], data, errors, None
            done += used

    def ask(self, shape: str, batch: GraphQLBatch, repo: str,
            build: Callable[[int], tuple[Query, dict, int]]) -> tuple[dict, list, int]:
        """One query of the shape at its current size, smaller after each timeout; (data, errors, items it
        covered). After an answer that could not be used while the API answers, the items of its page are
        asked for one by one (by this call and the next ones); for one item, Unusable is raised for the caller
        to note."""
        size = self._fit(shape, build)
        while True:
            alone = self._one_by_one.get(shape, 0) > 0
            query, variables, covered = build(1 if alone else size)
            try:
                data, errors = self._post(query, variables, batch, repo)
            except _TooBig as too_big:
                if covered > 1:
                    self._failed(str(too_big), wait=False)
                    size = self._shrink(shape, size)
                    self._stats.smaller_pages += 1
                    self.log(f"github {repo}: {too_big}; {shape} pages of {size} from now on")
                    continue
                unusable = Unusable("server_error", f"{too_big}, for one item", too_big.status)
            except Unusable as failed:
                unusable = failed
            else:
                if alone:
                    self._one_by_one[shape] -= 1
                else:
                    self._grow(shape, size)
                self._passed.add(shape)
                batch.page_sizes = dict(self.sizes)
                return data, errors, covered
            if not self._the_answers_fault(unusable):
                continue  # the API's: waited for, and asked again
            self._stats.unusable_answers += 1
            if covered > 1:
                self._one_by_one[shape] = covered
                self.log(f"github {repo}: a {shape} answer for {covered} items could not be used ({unusable}); "
                         f"they are asked for one by one")
                continue
            if alone:
                self._one_by_one[shape] -= 1
            self._given_up[shape] = self._given_up.get(shape, 0) + 1
            if shape not in self._passed and self._given_up[shape] >= QUERY_AT_FAULT_AFTER:
                raise FatalHttpError(f"GitHub GraphQL at {self.endpoint}: no {shape} query could be used, whichever "
                                     f"items it asked for ({self._given_up[shape]} tried one by one; last: "
                                     f"{unusable}); stopped: the query is at fault, not the pull requests")
            raise unusable

    def _the_answers_fault(self, unusable: Unusable) -> bool:
        """Whether an answer that could not be used is its own fault: the API answers a probe now. If not, it
        is the API's: one more failure in a row (a wait, or the end of the run, raised by _failed)."""
        if self._probe():
            return True
        self._failed(str(unusable), since=unusable.since)
        return False

    def _probe(self) -> bool:
        """One cheap query, once: whether the API answers usable data at all."""
        self._stats.probes += 1
        try:
            response = self.client.post(self.endpoint, {"query": PROBE.text}, retry=False)
            body = read_json(response.content) if response.status_code == 200 else None
        except (HttpError, ValueError):
            return False
        return isinstance(value_at(body, "data"), dict)

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

    def _post(self, query: Query, variables: dict, batch: GraphQLBatch, repo: str) -> tuple[dict, list]:
        """Send one query (after waiting for the budget to allow it); its data and errors. Every answer is kept
        in `batch`. Raises _TooBig when GitHub timed out or refused the size, Unusable for an answer that
        cannot be used, FatalHttpError when no retry can help."""
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
            except HttpError as exc:  # connection errors, timeouts, bodies not whole, after the client's retries
                if exc.received is not None:
                    self._keep(query, exc.received, batch, repo, readable=False)
                raise Unusable(exc.reason, str(exc), exc.status, since=sent_at) from None
            status = response.status_code
            if status in (404, 410):
                raise FatalHttpError(f"{self.endpoint} answered HTTP {status}: no GraphQL API there "
                                     f"(set [sources] github_api = \"rest\" for a server without one)")
            try:
                body, unreadable = read_json(response.content), None
            except ValueError as why:
                body, unreadable = None, why
            errors = [e for e in as_list(value_at(body, "errors")) if isinstance(e, dict)]
            data = value_at(body, "data")
            message = _first_message(errors) or response.content[:120].decode("utf-8", "replace").strip()
            if status in TOO_BIG or any(e.get("type") in TOO_BIG_ERRORS for e in errors) or (
                    isinstance(body, dict) and data is None and _timed_out(message)):
                self._keep(query, response, batch, repo, readable=False)
                raise _TooBig(f"HTTP {status}: {message}", status)
            if status == 200 and any(e.get("type") in RATE_LIMITED for e in errors):
                rate_limit_waits += 1
                if rate_limit_waits > self.client.policy.max_rate_limit_waits:
                    raise HttpError(f"{self.endpoint}: still rate limited after {rate_limit_waits - 1} waits")
                self._wait_for_reset(response, message)
                continue
            if status != 200 or not isinstance(data, dict):
                self._keep(query, response, batch, repo, readable=False)
                raise Unusable(*_why_unusable(response, body, unreadable, errors, message), status)
            self._streak = None
            self._count(data, cost.points)
            self._keep(query, response, batch, repo, readable=True)
            return data, errors

    def _count(self, data: dict, estimated: int) -> None:
        limit = data.get("rateLimit")
        limit = limit if isinstance(limit, dict) else {}
        if is_int(limit.get("remaining")):
            self._remaining = limit["remaining"]
            reset = parse_time(limit.get("resetAt"))
            self._reset_at = reset.replace(tzinfo=UTC).timestamp() if reset else None
        stats = self._stats
        if stats is not None:
            stats.queries += 1
            stats.points += limit["cost"] if is_int(limit.get("cost")) else estimated
            stats.points_estimated += estimated

    def _keep(self, query: Query, response, batch: GraphQLBatch, repo: str, readable: bool) -> None:
        url = f"{self.endpoint}#query={query.sha256}"
        sha = hashlib.sha256(response.content).hexdigest()
        rid = response_id(url, sha)
        if not any(kept.response_id == rid for kept in batch.responses):  # the same failure again: kept once
            batch.responses.append(ApiResponse(repo, f"graphql:{query.shape}", None, url, response.status_code,
                                               dict(response.headers), response.content, sha, rid, readable))
        batch.queries[query.sha256] = query

    def _keep_budget(self, points: int) -> None:
        """Below the reserve of points (as the last response counted them), wait for the reset rather than
        spend the last ones; a reset further off than the longest wait allowed is no real limit's, and is not
        waited for."""
        now = self.client.clock.now()
        if (self._remaining is None or self._reset_at is None or self._reset_at <= now
                or self._remaining - points >= self.rate_limit_buffer):
            return
        wait = self._reset_at - now + 1.0
        if wait > self.client.policy.max_wait:
            self.log(f"github: {self._remaining} points left, but the reset GitHub gives is {wait:.0f} s away; "
                     "not waited for")
        else:
            self.client._wait(wait, f"{self._remaining} points left, a query of {points} would go under the reserve "
                                    f"of {self.rate_limit_buffer}")
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


def _why_unusable(response, body, unreadable: ValueError | None, errors: list, message: str) -> tuple[str, str]:
    """(reason, what) for an answer that is not a GraphQL answer with data."""
    status = response.status_code
    if status != 200:
        return ("server_error" if status >= 500 else "http_error"), f"HTTP {status}: {message}"
    if unreadable is not None:
        kind = response.headers.get("Content-Type", "no content type")
        return "not_json", f"HTTP 200 with a body that is not JSON ({kind}; {unreadable})"
    if errors:
        return "graphql_error", f"GraphQL errors and no data: {message}"
    return "unexpected_shape", f"HTTP 200 with {describe(body)} where GraphQL's data was expected"


def _first_message(errors: list) -> str:
    return str(errors[0].get("message", ""))[:200] if errors else ""


def _timed_out(message: str) -> bool:
    return message.startswith("Something went wrong while executing your query") or "couldn't respond" in message


def value_at(value, *names):
    """value[name][name]…, None where a step is no object."""
    for name in names:
        value = value.get(name) if isinstance(value, dict) else None
    return value


def as_list(value) -> list:
    return value if isinstance(value, list) else []


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
