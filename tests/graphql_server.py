"""A local stand-in for GitHub's API over real HTTP, serving one synthetic repository (bench/synthetic_pulls.py)
over both APIs: GET answers as REST does (the same pages, ETags and Link headers the REST benchmark serves),
POST /graphql as GraphQL does.

Every GraphQL query is validated against GitHub's real public schema (../shared/github_graphql/schema.graphql,
parsed once per process) with graphql-core, and against GitHub's pagination rule (every connection given a
`first` or `last` of 1 to 100); a query that fails either is answered as GitHub answers it and kept in
`invalid`, which the tests check is empty. Its cost is computed by GitHub's formula
(etl.sources.github_graphql_queries.query_cost), refused above the node limit, and counted against a primary
rate limit whose reset follows `clock` (a test's FakeClock, shared with the client, so waits need no sleep).

Faults, set on the instance:
- `fail_with`: every GraphQL request answers this status (500, 502, ...); `rest_fail_with`: every REST one;
- `timeout_over_nodes`: a query that may return more nodes answers 502 with GitHub's recorded "Something went
  wrong while executing your query" body (GitHub's 10 s limit meets big pages first);
- `forbidden`: PR number → fields answered null with a FORBIDDEN error beside the data (partial data);
- `hidden`: PRs the list shows but whose node is refused (null, FORBIDDEN) when asked for by id;
- `secondary_limits`: the next N requests answer 403 with Retry-After (a secondary rate limit);
- `points`: the primary limit's points left (GitHub answers HTTP 200 with a RATE_LIMIT error when spent);
- `token`: the token every request must carry (else 401, as GitHub answers a missing or wrong one);
- `replay`: the next answers, (status, recorded body in ../shared/github_graphql/), before anything else."""

from __future__ import annotations

import base64
import json
import sys
import threading
import time
from datetime import UTC, datetime
from functools import lru_cache
from http.server import ThreadingHTTPServer
from pathlib import Path

import graphql
from graphql import GraphQLError, TypeInfo, TypeInfoVisitor, Visitor, get_named_type, visit

from etl.sources.github_graphql_queries import NODE_LIMIT, query_cost

from .local_server import QuietHandler, send, serve_in_background, stop

PROJECT_ROOT = Path(__file__).resolve().parents[1]
GRAPHQL_FIXTURES = PROJECT_ROOT.parent / "shared" / "github_graphql"
sys.path.insert(0, str(PROJECT_ROOT / "bench"))
from synthetic_pulls import REPO, FakeGitHub, rest_answer  # noqa: E402

STATUS_TO_CHANGE_TYPE = {"added": "ADDED", "removed": "DELETED", "modified": "MODIFIED", "renamed": "RENAMED",
                         "copied": "COPIED", "changed": "CHANGED"}
LIMIT = 5000
WINDOW = 1800.0  # seconds from the first request until the primary limit resets


@lru_cache(maxsize=1)
def github_schema() -> graphql.GraphQLSchema:
    """GitHub's public schema, built once per process (1.2 MB of SDL; it defines two fields twice, which GitHub
    serves as is, so the SDL check is skipped)."""
    return graphql.build_schema((GRAPHQL_FIXTURES / "schema.graphql").read_text(encoding="utf-8"),
                                assume_valid_sdl=True)


def recorded(name: str) -> bytes:
    return (GRAPHQL_FIXTURES / name).read_bytes()


class GitHubError(Exception):
    """An error GitHub reports beside the data, with its type (NOT_FOUND, FORBIDDEN)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def _cursor(text: str) -> str:
    return base64.b64encode(f"cursor:v2:{text}".encode()).decode()


def _uncursor(cursor: str) -> str:
    try:
        text = base64.b64decode(cursor).decode()
    except ValueError:
        text = ""
    if not text.startswith("cursor:v2:"):
        raise GitHubError("INVALID_CURSOR_ARGUMENTS", f"`{cursor}` does not appear to be a valid cursor.")
    return text.removeprefix("cursor:v2:")


def connection(items: list, key=None, build=None):
    """A connection field over `items` (made into nodes by `build` once chosen): first/after paging with offset
    cursors, or keyset ones (`key(item)`, which sort descending)."""
    def page(first: int | None = None, last: int | None = None, after: str | None = None, **_) -> dict:
        start = 0
        if after is not None:
            if key is None:
                start = int(_uncursor(after)) + 1
            else:  # a keyset cursor: the place after that key, whatever moved since
                start = next((i for i, item in enumerate(items) if key(item) < _uncursor(after)), len(items))
        chosen = items[start:start + (first or last or 0)]
        cursors = [key(item) if key else str(start + i) for i, item in enumerate(chosen)]
        nodes = [build(item) for item in chosen] if build else chosen
        return {"totalCount": len(items), "nodes": nodes,
                "edges": [{"cursor": _cursor(c), "node": node} for c, node in zip(cursors, nodes, strict=True)],
                "pageInfo": {"hasNextPage": start + len(chosen) < len(items), "hasPreviousPage": start > 0,
                             "endCursor": _cursor(cursors[-1]) if cursors else None,
                             "startCursor": _cursor(cursors[0]) if cursors else None}}
    return page


def _actor(user):
    if not isinstance(user, dict):
        return user  # a deleted account (None), or what a hostile payload put there
    login = user.get("login")
    if user.get("type") == "Bot" and isinstance(login, str):
        return {"__typename": "Bot", "login": login.removesuffix("[bot]")}
    return {"__typename": "User", "login": login}


def _summed(files: list, key: str):
    return sum(f[key] for f in files if isinstance(f, dict) and isinstance(f.get(key), int))


def graphql_pull(item, files: list, reviews: list, comments: list, key: str):
    """A PR as GitHub's GraphQL API gives it (its node id `PR_<key>`), built from what its REST API gives (the
    list item, files, reviews and review comments): the object both stand-ins serve, its connections paged by
    `connection`. A
    value of another shape than REST documents is handed on as it is (labels that are a number stay a number,
    an account that is a string stays one, a null review stays null), so that a hostile REST payload makes the
    same hostile GraphQL node."""
    if not isinstance(item, dict):
        return item
    merged = item.get("merged_at") is not None
    state = "OPEN" if item.get("state") == "open" else "MERGED" if merged else "CLOSED"
    sha, url, labels = item.get("merge_commit_sha"), item.get("html_url"), item.get("labels")
    return {
        "__typename": "PullRequest", "id": f"PR_{key}", "number": item.get("number"), "title": item.get("title"),
        "body": item.get("body") or "", "state": state, "isDraft": item.get("draft"),
        "createdAt": item.get("created_at"), "updatedAt": item.get("updated_at"), "mergedAt": item.get("merged_at"),
        "closedAt": item.get("closed_at"), "baseRefName": _ref(item.get("base")), "headRefName": _ref(item.get("head")),
        "url": url, "additions": item.get("additions", _summed(files, "additions")),
        "deletions": item.get("deletions", _summed(files, "deletions")),
        "changedFiles": item.get("changed_files", len(files)), "author": _actor(item.get("user")),
        "mergeCommit": {"oid": sha} if sha and state == "MERGED" else None,
        "potentialMergeCommit": {"oid": sha} if sha and state == "OPEN" else None,
        "labels": connection([{"name": label.get("name")} if isinstance(label, dict) else label
                              for label in labels or []]) if labels is None or isinstance(labels, list) else labels,
        "files": connection([{"path": f.get("filename"), "additions": f.get("additions"),
                              "deletions": f.get("deletions"),
                              "changeType": STATUS_TO_CHANGE_TYPE.get(f.get("status"), f.get("status"))}
                             if isinstance(f, dict) else f for f in files]),
        "reviews": connection([_review(url, r) if isinstance(r, dict) else r for r in reviews]),
        "reviewThreads": connection(_threads(key, url, comments)),
    }


def _ref(branch):
    return branch.get("ref") if isinstance(branch, dict) else branch


def _big(value):
    """A REST id as GraphQL's BigInt (a string); None stays None."""
    return None if value is None else str(value)


def _review(url: str, review: dict) -> dict:
    rid = review.get("id")
    return {"fullDatabaseId": _big(rid), "url": f"{url}#pullrequestreview-{rid}" if rid is not None else url,
            "author": _actor(review.get("user")), "state": review.get("state"), "submittedAt": review.get("submitted_at"),
            "body": review.get("body") or "", "commit": {"oid": review["commit_id"]} if review.get("commit_id") else None}


def _threads(key: str, url: str, comments: list) -> list[dict]:
    """Review comments as GraphQL holds them: in threads, a reply in its first comment's thread (a comment
    that is no object is a thread of its own)."""
    threads: dict[object, list] = {}
    for i, c in enumerate(comments):
        if not isinstance(c, dict):
            threads[f"x{i}"] = [c]
            continue
        cid, replied = c.get("id"), c.get("in_reply_to_id")
        threads.setdefault(replied or cid, []).append({
            "fullDatabaseId": _big(cid), "url": f"{url}#discussion_r{cid}", "author": _actor(c.get("user")),
            "path": c.get("path"), "line": c.get("line"), "originalLine": c.get("original_line"), "body": c.get("body"),
            "createdAt": c.get("created_at"), "replyTo": {"fullDatabaseId": _big(replied)} if replied else None,
            "pullRequestReview": {"fullDatabaseId": _big(c["pull_request_review_id"])}
            if c.get("pull_request_review_id") else None})
    return [{"__typename": "PullRequestReviewThread", "id": f"PRRT_{key}_{root}", "comments": connection(found)}
            for root, found in threads.items()]


class _PaginationRule(Visitor):
    """GitHub's rule beyond the schema: a connection whose nodes or edges are asked for needs `first` or `last`
    between 1 and 100."""

    def __init__(self, type_info: TypeInfo, variables: dict):
        super().__init__()
        self.type_info, self.variables, self.errors = type_info, variables, []

    def enter_field(self, node, *_):
        named = get_named_type(self.type_info.get_type())
        if named is None or not named.name.endswith("Connection") or not node.selection_set:
            return
        asked = {s.name.value for s in node.selection_set.selections if hasattr(s, "name")}
        if not asked & {"nodes", "edges"}:
            return
        bounds = {a.name.value: graphql.value_from_ast_untyped(a.value, self.variables) for a in node.arguments or ()}
        size = bounds.get("first", bounds.get("last"))
        if size is None:
            self.errors.append(f"You must provide a `first` or `last` value to paginate the `{node.name.value}` "
                               "connection.")
        elif not 1 <= int(size) <= 100:
            self.errors.append(f"`{node.name.value}` asks for {size} records; the limit is 1 to 100.")


def check_query(text: str, variables: dict) -> tuple[graphql.DocumentNode | None, list[str]]:
    """The query parsed, and what GitHub would refuse in it: against its schema, and its pagination rule."""
    try:
        document = graphql.parse(text)
    except GraphQLError as exc:
        return None, [exc.message]
    problems = [e.message for e in graphql.validate(github_schema(), document)]
    if not problems:
        type_info = TypeInfo(github_schema())
        rule = _PaginationRule(type_info, variables)
        visit(document, TypeInfoVisitor(type_info, rule))
        problems = rule.errors
    return document, problems


class GitHubStandIn:
    def __init__(self, fake: FakeGitHub, clock=None, repo: str = REPO):
        self.fake, self.repo = fake, repo
        self.clock = clock or type("Now", (), {"now": staticmethod(time.time)})()
        self.requests: list[dict] = []
        self.invalid: list[str] = []
        self.fail_with: int | None = None
        self.rest_fail_with: int | None = None
        self.timeout_over_nodes: int | None = None
        self.forbidden: dict[int, set[str]] = {}
        self.hidden: set[int] = set()  # PRs listed but refused when asked for by id
        self.secondary_limits = 0
        self.replay: list[tuple[int, str]] = []  # the next answers: (status, a recorded body's file name)
        self.token: str | None = None
        self.points = LIMIT
        self.rate_limited = 0  # queries refused for the primary limit
        self.reset_at = self.clock.now() + WINDOW
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # the repository as GraphQL objects
    def pull(self, n: int, listed: bool = False) -> dict | None:
        if n not in self.fake.updated:
            return None
        found = graphql_pull(self.fake.pull(n, listed=listed), self.fake.files(n), self.fake.reviews(n),
                             self.fake.comments(n), str(n))
        for name in self.forbidden.get(n, ()):
            found[name] = _refuse
        return found

    def node(self, node_id: str) -> dict | None:
        kind, _, rest = node_id.partition("_")
        if kind == "PR" and rest.isdigit():
            if int(rest) in self.hidden:
                raise GitHubError("FORBIDDEN", "Resource not accessible by integration")
            return self.pull(int(rest))
        if kind == "PRRT":
            number, _, root = rest.partition("_")
            pull = self.pull(int(number))
            return next((t for t in pull["reviewThreads"](first=100)["nodes"] if t["id"] == node_id), None) \
                if pull else None
        return None

    def repository(self, owner: str, name: str, **_) -> dict:
        if f"{owner}/{name}" != self.repo:
            raise GitHubError("NOT_FOUND", f"Could not resolve to a Repository with the name '{owner}/{name}'.")
        def pull_requests(orderBy=None, **page):  # noqa: N803 (GraphQL's argument name)
            assert orderBy == {"field": "UPDATED_AT", "direction": "DESC"}, orderBy
            key = lambda n: f"{self.fake.listed(n).strftime('%Y-%m-%dT%H:%M:%S')}|{n:09d}"  # noqa: E731
            return connection(self.fake.ordered(), key=key, build=lambda n: self.pull(n, listed=True))(**page)

        def pull_request(number: int, **_):
            found = self.pull(number)
            if found is None:
                raise GitHubError("NOT_FOUND", f"Could not resolve to a PullRequest with the number of {number}.")
            return found

        return {"__typename": "Repository", "pullRequests": pull_requests, "pullRequest": pull_request}

    # requests
    def answer(self, payload: dict, headers: dict) -> tuple[int, dict, bytes]:
        with self._lock:
            return self._answer(payload, headers)

    def _answer(self, payload: dict, headers: dict) -> tuple[int, dict, bytes]:
        entry = {"headers": headers, "variables": payload.get("variables") or {}, "query": payload.get("query", "")}
        self.requests.append(entry)
        if self.token and headers.get("Authorization") != f"Bearer {self.token}":
            return self._reply(entry, 401, {"message": "Bad credentials"})
        if self.replay:
            status, body = self.replay.pop(0)
            return self._reply(entry, status, recorded(body) if body.endswith(".json") else body.encode())
        if self.fail_with:
            body = recorded("error_timeout_502_my_badges_issue72.json") if self.fail_with in (502, 504) else \
                {"message": {403: "Resource not accessible by integration"}.get(self.fail_with, "Server Error")}
            return self._reply(entry, self.fail_with, body)
        if self.secondary_limits:
            self.secondary_limits -= 1
            return self._reply(entry, 403, {"message": "You have exceeded a secondary rate limit. Please wait a few "
                                                       "minutes before you try again."}, {"Retry-After": "60"})
        document, problems = check_query(entry["query"], entry["variables"])
        if problems:
            return self._invalid(entry, problems)
        cost = entry["cost"] = query_cost(entry["query"], entry["variables"])
        entry["shape"] = next(d.name.value for d in document.definitions if getattr(d, "name", None))
        if cost.nodes > NODE_LIMIT:
            return self._reply(entry, 200, {"errors": [{"type": "MAX_NODE_LIMIT_EXCEEDED", "message": (
                f"This query requests up to {cost.nodes:,} possible nodes which exceeds the maximum limit of "
                f"{NODE_LIMIT:,}.")}]})
        if self.timeout_over_nodes is not None and cost.nodes > self.timeout_over_nodes:
            return self._reply(entry, 502, recorded("error_timeout_502_my_badges_issue72.json"))
        if self.clock.now() >= self.reset_at:
            self.points, self.reset_at = LIMIT, self.clock.now() + WINDOW
        if cost.points > self.points:
            self.rate_limited += 1
            return self._reply(entry, 200, recorded("error_rate_limited_githubkit_issue271.json"))
        self.points -= cost.points
        root = {"repository": self.repository, "nodes": lambda ids, **_: [_or_error(self.node, i) for i in ids],
                "node": lambda id, **_: self.node(id),  # noqa: A006
                "rateLimit": lambda **_: {"cost": cost.points, "remaining": self.points, "limit": LIMIT,
                                      "used": LIMIT - self.points, "nodeCount": cost.nodes,
                                      "resetAt": datetime.fromtimestamp(self.reset_at, UTC).strftime(
                                          "%Y-%m-%dT%H:%M:%SZ")}}
        result = graphql.execute(github_schema(), document, root_value=root, variable_values=entry["variables"],
                                 field_resolver=_resolve, type_resolver=lambda value, *_: value.get("__typename"))
        body = {"data": result.data}
        if result.errors:
            body["errors"] = [_error(e) for e in result.errors]
        return self._reply(entry, 200, body)

    def _invalid(self, entry: dict, problems: list[str]) -> tuple[int, dict, bytes]:
        self.invalid += problems
        return self._reply(entry, 200, {"errors": [{"message": p} for p in problems]})

    def _reply(self, entry: dict, status: int, body, headers: dict | None = None) -> tuple[int, dict, bytes]:
        entry["status"] = status
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        limit = {"X-RateLimit-Limit": str(LIMIT), "X-RateLimit-Remaining": str(self.points),
                 "X-RateLimit-Used": str(LIMIT - self.points), "X-RateLimit-Reset": str(int(self.reset_at)),
                 "X-RateLimit-Resource": "graphql"}
        return status, {"Content-Type": "application/json", **limit, **(headers or {})}, content

    # the server
    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def graphql_requests(self) -> list[dict]:
        return [r for r in self.requests if "query" in r]

    def __enter__(self) -> GitHubStandIn:
        stand_in = self

        class Handler(QuietHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_GET(self):  # noqa: N802
                stand_in.requests.append({"get": self.path, "headers": dict(self.headers)})
                if stand_in.rest_fail_with:
                    self._send(stand_in.rest_fail_with, {"Content-Type": "application/json"}, b'{"message": "Failed"}')
                    return
                self._send(*rest_answer(stand_in.fake, self.path, stand_in.base_url, self.headers.get("If-None-Match")))

            def do_POST(self):  # noqa: N802
                payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if self.path != "/graphql":
                    self._send(404, {"Content-Type": "application/json"}, b'{"message": "Not Found"}')
                    return
                self._send(*stand_in.answer(payload, dict(self.headers)))

            def _send(self, status: int, headers: dict, body: bytes) -> None:
                send(self, status, headers.items(), body)

        self._server = serve_in_background(Handler)
        return self

    def __exit__(self, *exc) -> None:
        stop(self._server)


def _or_error(find, node_id: str):
    """The node, or the error that refused it: graphql-core makes an Exception item null with its own error."""
    try:
        return find(node_id)
    except GitHubError as exc:
        return exc


def _refuse(**_):
    raise GitHubError("FORBIDDEN", "Resource not accessible by integration")


def _resolve(source, info, **args):
    value = source.get(info.field_name) if isinstance(source, dict) else None
    return value(**args) if callable(value) else value


def _error(error: GraphQLError) -> dict:
    found = {"message": error.message, "path": error.path,
             "locations": [{"line": loc.line, "column": loc.column} for loc in error.locations or ()]}
    if isinstance(error.original_error, GitHubError):
        found = {"type": error.original_error.kind, **found}
    return found
