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
(url `<endpoint>#query=<sha256>`, the query text in raw.github_graphql_queries), one that could not be used
too.

Cost first: each query's points are computed by GitHub's formula before it is sent (github_graphql_queries),
kept under the node limit, and every query asks `rateLimit`, so that below `rate_limit_buffer` points the
collector waits for the reset instead of failing (not for a reset further off than the client's longest
wait, which no real limit has). Faults: a 502/504, GitHub's "Something went wrong while executing your
query" or a resource limit halves the page size of that query shape and sends it again; the size that worked
is remembered (meta.github_query_sizes) and grown back after a few successes. Secondary limits (403/429,
Retry-After) are waited out by the HTTP client; the primary limit (HTTP 200 with a RATE_LIMIT error) until its
reset. A response with data and errors keeps the data and notes each missing part in meta.fetch_misses
against its PR, which is fetched again on the next run. NOT_FOUND for the repository, 401 and a 403 that is no
rate limit fail at once.

One bad pull request or answer never stops a walk (docs/github.md). An answer that cannot be used (a 5xx, a
body that is not JSON or not whole, errors and no data, a query still too big for one item) is the API's while
the API answers nothing else: it is retried with backoff, and after `give_up_after` seconds of nothing but
failures the run stops with one line (no step retry: the next run resumes from what was committed). When the
API answers a probe, the answer is its items': they are asked for one by one, and the one PR (or thread)
whose answer still cannot be used is noted in meta.fetch_misses with the reason and asked again next run.
The scan cannot step past a page it could not read (the cursor was in it): it ends there, noted, without
moving the window's bookmark, so the next walk reads on. Every connection is walked with a PageGuard: a cursor
already read, a page of entries already read, or more pages than its totalCount allows ends that walk with a
miss, the part kept with what was read."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from .. import names
from . import github as rest
from .github import (
    DEFAULT_API_URL,
    FINAL_AFTER,
    Batch,
    GitHubCollector,
    GitHubState,
    PullUnreadable,
    Warnings,
    Window,
    WindowWalked,
    add_pull,
    describe,
    parse_time,
    pull_number,
)
from .github_graphql_client import (  # noqa: F401 (GraphQLBatch and GraphQLStats are the collector's records)
    GraphQLBatch,
    GraphQLClient,
    GraphQLStats,
    Unusable,
    as_list,
    is_int,
    value_at,
)
from .github_graphql_queries import DETAIL, MAX_PAGE, SCAN, graphql_endpoint, lookup, more
from .github_graphql_shapes import rest_comments, rest_files, rest_pull, rest_reviews
from .github_pages import PageGuard
from .http import FatalHttpError, HttpClient, HttpError

GIVE_UP_AFTER = 90.0  # seconds of failures in a row before the run stops
MARGIN = FINAL_AFTER  # walks look this far below their bookmark again: a list can show an update late
NESTED = ("labels", "files", "reviews", "reviewThreads")
PARTS = {"files": "files", "reviews": "reviews", "reviewThreads": "comments", "comments": "comments"}  # REST's


class GraphQLState(GitHubState, Protocol):
    def open_pulls(self, repo: str) -> list[int]: ...
    def unloaded_misses(self, repo: str) -> list[int]: ...
    def page_sizes(self, repo: str) -> dict[str, int]: ...
    def scan_cursor(self, repo: str, at_or_after: datetime) -> str | None: ...


@dataclass
class _Pull:
    """A PR on its way: where it was found, then its detail node, what is missing of it, and the walk of each
    of its connections (PageGuards by connection, or `comments:<thread id>`)."""
    id: str
    number: int
    node: dict | None = None
    misses: list[dict] = field(default_factory=list)
    incomplete: set[str] = field(default_factory=set)  # REST's parts not read whole (kept with what was read)
    guards: dict[str, PageGuard] = field(default_factory=dict)
    stopped: set[str] = field(default_factory=set)     # connections not to be followed further


class GraphQLCollector:
    def __init__(self, client: HttpClient, api_url: str = DEFAULT_API_URL, log: Callable[[str], None] | None = None,
                 rate_limit_buffer: int = 50, give_up_after: float | None = None, rng: random.Random | None = None):
        self.client = client
        self.api_url = api_url.rstrip("/")
        self.endpoint = graphql_endpoint(self.api_url)
        self.log = log or (lambda _message: None)
        self.rest = GitHubCollector(client, self.api_url, log)  # the file lists of PRs that rename a file
        self.queries = GraphQLClient(client, self.endpoint, self.log, rate_limit_buffer,
                                     GIVE_UP_AFTER if give_up_after is None else give_up_after, rng or random.Random())
        self._problems: set = set()  # PRs (or list items) with something wrong in this walk: what the run reports

    def collect(self, repo: str, window: Window, state: GraphQLState) -> Iterator[Batch | WindowWalked]:
        """Batches to store, each before the next is asked for (`state` then knows them), then the end."""
        stats = GraphQLStats(repo, window.key)
        earlier = state.window_state(repo, window.key)
        if earlier and earlier.final:
            stats.window_final = stats.already_final = True
            yield WindowWalked(window, earlier.newest_updated, stats)
            return
        self.queries.new_walk(stats, state.page_sizes(repo))
        self._problems = set()
        walk_began = rest._now()
        newest = earlier.newest_updated if earlier else None
        floor = max(filter(None, (window.start, newest - MARGIN if newest else None)), default=None)
        known = state.known_updated_at(repo)
        handled: set[int] = set()
        failed: set[int] = set()
        for batch, seen in self._scan(repo, window, floor, known, state, stats, failed):
            newest = max(filter(None, (newest, *(updated for _, _, updated in seen))), default=None)
            handled.update(number for number, _, _ in seen)
            yield from self._load(repo, [pull for _, pull, _ in seen if pull is not None], state, stats, failed, batch)
        yield from self._ask_again(repo, window, walk_began, known, handled, state, stats, failed)
        stats.prs_with_problems = len(self._problems)
        # A scan that could not read on leaves the bookmark where it was, so that the next walk reaches the PRs
        # below the place it stopped.
        complete = not stats.list_problems
        stats.window_final = (complete and window.end is not None and walk_began >= window.end + FINAL_AFTER
                              and not failed and not state.incomplete_pulls(repo, window.start, window.end))
        yield WindowWalked(window, newest if complete else (earlier.newest_updated if earlier else None), stats)

    # 1. the list
    def _scan(self, repo: str, window: Window, floor: datetime | None, known: dict[int, datetime],
              state: GraphQLState, stats: GraphQLStats, failed: set[int]) -> Iterator[tuple[GraphQLBatch, list]]:
        """Per scan page: its batch (holding the response) and the window's PRs on it, as (number, the pull to
        load or None when unchanged or not loadable, updatedAt)."""
        owner, name = repo.split("/", 1)
        where = f"{self.endpoint}#{repo}/pullRequests@{window.key}"  # what this walk's misses of the list are
        after = state.scan_cursor(repo, window.end) if window.end else None
        from_cursor, settles = after is not None, where
        guard, listed_before, position = PageGuard("pulls"), set(), 0
        while True:
            batch = self._batch()
            batch.settles, settles = settles, None
            try:
                data, errors, _ = self.queries.ask("scan", batch, repo, lambda size, after=after: (
                    SCAN, {"owner": owner, "name": name, "first": size, "after": after}, size))
            except Unusable as unusable:
                self._list_stopped(batch, repo, where, unusable.reason, unusable.status,
                                   f"a page of it could not be used ({unusable})", stats)
                yield batch, []
                return
            listed = value_at(data, "repository", "pullRequests")
            if not isinstance(listed, dict):
                if from_cursor:  # a remembered position GitHub no longer takes: from the top, and forget them
                    self.log(f"github {repo}: the remembered list position was refused; scanning from the top")
                    after, from_cursor, batch.forget_cursors, guard = None, False, True, PageGuard("pulls")
                    yield batch, []
                    continue
                raise self._no_repository(repo, errors)
            stats.list_pages += 1
            edges = as_list(listed.get("edges"))
            nodes = [value_at(edge, "node") for edge in edges]
            if problem := guard.read(after or "", nodes, total=listed.get("totalCount")):
                self._list_stopped(batch, repo, where, problem.reason, 200, problem.detail, stats)
                yield batch, []
                return
            changed, stop, above = [], False, None
            for edge in edges:
                position += 1
                node, cursor = value_at(edge, "node"), value_at(edge, "cursor")
                try:
                    number = pull_number(node)
                except PullUnreadable as why:
                    stats.prs_unreadable += 1
                    self._problems.add(f"{where}#item-{position}")
                    batch.misses.append(self._list_miss(repo, f"{where}#item-{position}", "unstorable", 200,
                                                        f"item {position} of the list: {why}; the walk goes on"))
                    continue
                updated = parse_time(node.get("updatedAt"))
                if floor is not None and updated is not None and updated < floor:
                    stats.stopped_at_bookmark = stop = True  # everything further down is older, or loaded before
                    if above:  # where the next older window's walk can start
                        batch.cursors.append(above)
                    break
                above = (updated, cursor) if updated and isinstance(cursor, str) else above
                if window.is_after(updated):
                    stats.prs_in_later_windows += 1
                    continue
                if number in listed_before:
                    continue  # listed twice (updated during the walk, or a server repeating itself)
                listed_before.add(number)
                stats.prs_seen += 1
                if updated is not None and known.get(number) == updated:
                    stats.prs_unchanged += 1
                    changed.append((number, None, updated))
                elif not isinstance(node.get("id"), str):
                    failed.add(number)
                    self._problems.add(number)
                    batch.misses.append(self._miss_row(repo, number, ["node"], f"listed with no id to ask for it by "
                                                       f"({describe(node.get('id'))})", reason="unexpected_shape"))
                    changed.append((number, None, updated))
                else:
                    changed.append((number, _Pull(node["id"], number), updated))
            last, cursor = (nodes[-1], value_at(edges[-1], "cursor")) if edges else (None, None)
            if (updated := parse_time(value_at(last, "updatedAt"))) and isinstance(cursor, str):
                batch.cursors.append((updated, cursor))
            yield batch, changed
            self.log(f"github {repo} [{window.key}]: {stats.list_pages} list page(s), {stats.prs_loaded} PRs "
                     f"loaded, {stats.prs_unchanged} unchanged, {stats.points} points")
            if stop or not edges or not _has_more(listed):  # an empty page ends a list, whatever it says
                return
            after = _cursor_of(listed)
            if problem := guard.refuse(after or ""):
                stopped = self._batch()
                self._list_stopped(stopped, repo, where, problem.reason, 200, problem.detail, stats)
                yield stopped, []
                return

    def _list_stopped(self, batch: GraphQLBatch, repo: str, where: str, reason: str, status: int, what: str,
                      stats: GraphQLStats) -> None:
        stats.list_problems += 1
        batch.misses.append(self._list_miss(repo, where, reason, status, f"the list of pull requests: {what}; the "
                                            f"walk stops here, and the next one reads on from where it began"))

    def _list_miss(self, repo: str, url: str, reason: str, status: int, detail: str) -> dict:
        self.log(f"github {repo}: {detail}")
        return {"url": url, "source": names.GITHUB, "repo": repo, "pr_number": None, "status": status,
                "reason": reason, "detail": " ".join(detail.split())}

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
        for part, data, _, unusable in self.queries.chunks("lookup", numbers, batch, repo, lambda part: (
                lookup(len(part)), {"owner": owner, "name": name, **{f"n{i}": n for i, n in enumerate(part)}})):
            if unusable:
                self._unloaded(repo, part[0], batch, failed, "asked for by number", unusable)
                continue
            found = value_at(data, "repository")
            for i, number in enumerate(part):
                node = value_at(found, f"p{i}")
                if not isinstance(node, dict):
                    self.log(f"github {repo}#{number}: GitHub no longer has it; left as it is")
                    continue
                updated = parse_time(node.get("updatedAt"))
                inside = (updated is not None and not window.is_after(updated)
                          and (window.start is None or updated >= window.start))
                if number in incomplete or (inside and known.get(number) != updated):
                    if isinstance(node.get("id"), str):
                        again.append(_Pull(node["id"], number))
                    else:
                        failed.add(number)
                        self._problems.add(number)
                        batch.misses.append(self._miss_row(repo, number, ["node"], "found by number with no id to ask "
                                                           "for it by", reason="unexpected_shape"))
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
            try:
                data, errors, used = self.queries.ask("detail", batch, repo, lambda size, rest_of=rest_of: (
                    DETAIL, {"ids": [p.id for p in rest_of[:size]]}, min(size, len(rest_of))))
            except Unusable as unusable:  # the answer of this one PR cannot be had now
                done += 1
                self._unloaded(repo, rest_of[0].number, batch, failed, "its details", unusable)
                yield batch
                batch = self._batch()
                continue
            part, done = rest_of[:used], done + used
            response_of_page = batch.responses[-1].response_id
            nodes = value_at(data, "nodes")
            for pull, node in zip(part, nodes if isinstance(nodes, list) else [None] * len(part), strict=False):
                pull.node = node if isinstance(node, dict) and node.get("number") is not None else None
            self._note_errors(repo, errors, lambda path, part=part: part[path[1]] if path[0] == "nodes" else None)
            loaded = [p for p in part if p.node is not None]
            for pull in part:
                if pull.node is None:  # noted, and asked again next run (the window stays open meanwhile)
                    failed.add(pull.number)
                    self._problems.add(pull.number)
                    batch.misses += pull.misses or [self._miss_row(repo, pull.number, ["node"],
                                                                   "GraphQL: no PR came back")]
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

    def _unloaded(self, repo: str, number: int, batch: GraphQLBatch, failed: set[int], what: str,
                  unusable: Unusable) -> None:
        """A PR whose answer could not be used: noted, and asked for again by the next run."""
        failed.add(number)
        self._problems.add(number)
        batch.misses.append(self._miss_row(repo, number, ["node"], f"{what}: the answer could not be used "
                                           f"({unusable})", reason=unusable.reason, status=unusable.status))

    def _add(self, repo: str, pull: _Pull, state: GraphQLState, batch: GraphQLBatch, stats: GraphQLStats,
             rid: str) -> None:
        node = pull.node
        children = {"files": rest_files(node), "reviews": rest_reviews(node), "comments": rest_comments(node)}
        for part, value in children.items():
            if value is None and not pull.misses:
                pull.misses.append(self._miss_row(repo, pull.number, [part], "GraphQL: this part did not come back"))
        if children["files"] and any(isinstance(f, dict) and f.get("status") in ("renamed", "copied")
                                     for f in children["files"]):
            url = f"{self.api_url}/repos/{repo}/pulls/{pull.number}/files?per_page=100"
            try:
                children["files"] = [entry for page in self.rest._pages(state, batch, url, repo, "files", pull.number)
                                     for entry in page.items]
                stats.rest_file_lists += 1
            except FatalHttpError:
                raise
            except (rest._Unread, HttpError) as failed:  # GraphQL's list stands, without the previous paths
                self.log(f"github {repo}#{pull.number}: REST could not give its files ({failed}); renamed files are "
                         "kept without their previous path")
        parts = {part: value or [] for part, value in children.items()}
        whole = {part: value is not None and part not in pull.incomplete for part, value in children.items()}
        warnings = Warnings()
        try:
            add_pull(batch, repo, rest_pull(node), parts, whole, rid, warnings)
        except Exception as exc:  # noqa: BLE001 (a payload no reading foresaw: the PR is noted, the walk goes on)
            pull.misses.append(self._miss_row(repo, pull.number, ["node"], f"could not be read ({type(exc).__name__}: "
                                              f"{str(exc)[:200]})", reason="unstorable"))
        if warnings:
            stats.prs_with_warnings += 1
            fields = ", ".join(list(warnings.found)[:5]) + (", ..." if len(warnings.found) > 5 else "")
            self.log(f"github {repo}#{pull.number}: stored with {len(warnings.found)} value(s) changed or left out "
                     f"({fields}; see github_warnings)")
        if warnings or pull.misses:
            self._problems.add(pull.number)
        batch.misses += pull.misses

    # the pages of each PR's connections
    def _complete(self, repo: str, pulls: list[_Pull], batch: GraphQLBatch, stats: GraphQLStats) -> None:
        """Follow-up pages of every nested connection that has more, merged into the PRs' nodes: first the PRs'
        own connections, then the comments of their review threads."""
        owner, name = repo.split("/", 1)
        for pull in pulls:
            for connection in NESTED:
                self._read(repo, pull, connection, pull.node, connection, None)
        for connection in NESTED:
            todo = [p for p in pulls if self._follows(repo, p, p.node, connection, connection)]
            while todo:
                pages = self.queries.chunks(f"more_{connection}", todo, batch, repo, lambda part, c=connection: (
                    more(c, len(part)), {"owner": owner, "name": name, **_page_variables(part, c)}))
                for part, data, errors, unusable in pages:
                    stats.follow_ups += 1
                    if unusable:
                        self._part_lost(repo, part[0], connection, connection, unusable.reason,
                                        f"its next page could not be used ({unusable})")
                        continue
                    found = value_at(data, "repository")
                    self._note_errors(repo, errors, lambda path, part=part: part[int(path[1][1:])]
                                      if path[0] == "repository" and len(path) > 1 else None)
                    for i, pull in enumerate(part):
                        page = value_at(found, f"p{i}", connection)
                        self._next_page(repo, pull, pull.node, connection, connection, page)
                todo = [p for p in todo if self._follows(repo, p, p.node, connection, connection)]
        threads = []
        for pull in pulls:
            for thread in _objects(pull.node.get("reviewThreads")):
                key = f"comments:{thread.get('id')}"
                self._read(repo, pull, key, thread, "comments", None)
                if self._follows(repo, pull, thread, "comments", key):
                    threads.append((pull, thread, key))
        while threads:
            pages = self.queries.chunks("more_comments", threads, batch, repo, lambda part: (
                more("comments", len(part)), _thread_variables(part)))
            for part, data, errors, unusable in pages:
                stats.follow_ups += 1
                if unusable:
                    pull, _, key = part[0]
                    self._part_lost(repo, pull, "comments", key, unusable.reason,
                                    f"the next page of a review thread's comments could not be used ({unusable})")
                    continue
                self._note_errors(repo, errors, lambda path, part=part: part[int(path[0][1:])][0])
                for i, (pull, thread, key) in enumerate(part):
                    self._next_page(repo, pull, thread, "comments", key, value_at(data, f"t{i}", "comments"))
            threads = [(p, t, key) for p, t, key in threads if self._follows(repo, p, t, "comments", key)]

    def _read(self, repo: str, pull: _Pull, key: str, holder: dict, connection: str, asked: str | None) -> bool:
        """Note a page of `holder`'s connection, asked for after `asked` (None: its first page), in its walk;
        False (and the part noted as lost) when it brought nothing new."""
        page = holder.get(connection)
        guard = pull.guards.setdefault(key, PageGuard(PARTS.get(connection, connection)))
        if problem := guard.read(asked or "", as_list(value_at(page, "nodes")), total=value_at(page, "totalCount")):
            self._part_lost(repo, pull, connection, key, problem.reason, problem.detail)
            return False
        return True

    def _follows(self, repo: str, pull: _Pull, holder: dict, connection: str, key: str) -> bool:
        """Whether `holder`'s connection has a next page to ask for. One that leads back to a page already read,
        or beyond what its totalCount allows, is not asked for: the part is kept with what was read, and noted."""
        page = holder.get(connection)
        if key in pull.stopped or not _has_more(page):
            return False
        if isinstance(holder, dict) and connection == "comments" and not isinstance(holder.get("id"), str):
            self._part_lost(repo, pull, connection, key, "unexpected_shape", "a review thread with more comments "
                                                                                 "has no id to ask for them by")
            return False
        if problem := pull.guards[key].refuse(_cursor_of(page) or ""):
            self._part_lost(repo, pull, connection, key, problem.reason, problem.detail)
            return False
        return True

    def _next_page(self, repo: str, pull: _Pull, holder: dict, connection: str, key: str, page) -> None:
        """A follow-up page of `holder`'s connection, merged into it when it came and brought something new."""
        asked = _cursor_of(holder.get(connection))
        if not isinstance(page, dict):
            self._part_lost(repo, pull, connection, key, "partial_data", "its next page did not come back")
            return
        if self._read(repo, pull, key, {connection: page}, connection, asked or ""):
            _extend(holder[connection], page)

    def _part_lost(self, repo: str, pull: _Pull, connection: str, key: str, reason: str, what: str) -> None:
        """A connection not read whole: its part is kept with what was read, noted, and asked again next run."""
        pull.stopped.add(key)
        pull.incomplete.add(PARTS.get(connection, connection))
        pull.misses.append(self._miss_row(repo, pull.number, [connection], what, reason=reason))

    # partial answers
    def _note_errors(self, repo: str, errors: list, owner_of: Callable[[list], _Pull | None]) -> None:
        """Errors beside data: each one's part is noted as missing against its PR."""
        for error in errors:
            path = error.get("path")
            path = path if isinstance(path, list) else []
            try:
                pull = owner_of(path) if path else None
            except (IndexError, ValueError, TypeError):
                pull = None
            what = f"GraphQL {error.get('type') or 'error'}: {error.get('message', '')}"
            if not isinstance(pull, _Pull):
                self.log(f"github {repo}: {what} at {path or 'the query'}; ignored")
                continue
            pull.misses.append(self._miss_row(repo, pull.number, [str(p) for p in path[2:]] or ["node"], what))

    def _miss_row(self, repo: str, number: int, where: list[str], what: str, reason: str = "partial_data",
                  status: int = 200) -> dict:
        self.log(f"github {repo}#{number}: {what} ({'.'.join(where)}); kept without it, asked again next run")
        return {"url": f"{self.endpoint}#{repo}/pull/{number}/{'/'.join(where)}", "source": names.GITHUB,
                "repo": repo, "pr_number": number, "status": status, "reason": reason,
                "detail": " ".join(f"{what} ({'.'.join(where)}); asked again on the next run".split())}

    def _no_repository(self, repo: str, errors: list) -> FatalHttpError:
        found = next((e for e in errors if e.get("type") == "NOT_FOUND"), None) or (errors[0] if errors else {})
        return FatalHttpError(f"repository {repo} not found at {self.endpoint} "
                              f"(GraphQL {found.get('type') or 'error'}: {found.get('message', 'no data')})")

    def _batch(self) -> GraphQLBatch:
        return GraphQLBatch(page_sizes=dict(self.queries.sizes))


def _objects(connection) -> list[dict]:
    return [n for n in as_list(value_at(connection, "nodes")) if isinstance(n, dict)]


def _has_more(connection) -> bool:
    return value_at(connection, "pageInfo", "hasNextPage") is True


def _cursor_of(connection) -> str | None:
    """Where the connection's next page starts; None (its first page) for a cursor that is no text."""
    cursor = value_at(connection, "pageInfo", "endCursor")
    return cursor if isinstance(cursor, str) else None


def _remaining(connection) -> int:
    """How many nodes the connection's next page should ask for (all that are left, up to a page)."""
    total = connection.get("totalCount")
    left = total - len(as_list(connection.get("nodes"))) if is_int(total) else MAX_PAGE
    return max(1, min(MAX_PAGE, left))


def _page_variables(part: list[_Pull], connection: str) -> dict:
    found = {}
    for i, pull in enumerate(part):
        page = pull.node[connection]
        found.update({f"n{i}": pull.number, f"a{i}": _cursor_of(page), f"f{i}": _remaining(page)})
    return found


def _thread_variables(part: list[tuple[_Pull, dict, str]]) -> dict:
    found = {}
    for i, (_, thread, _) in enumerate(part):
        page = thread["comments"]
        found.update({f"t{i}": thread["id"], f"a{i}": _cursor_of(page), f"f{i}": _remaining(page)})
    return found


def _extend(connection: dict, page: dict) -> None:
    """Append a follow-up page to a connection."""
    connection["nodes"] = [*as_list(connection.get("nodes")), *as_list(page.get("nodes"))]
    connection["pageInfo"] = page.get("pageInfo") if isinstance(page.get("pageInfo"), dict) else {}
    connection["totalCount"] = page.get("totalCount", connection.get("totalCount"))
