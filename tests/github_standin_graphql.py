"""The stand-in GitHub's GraphQL side (POST /graphql): the repos its REST side serves (tests/github_standin.py),
the same PRs with the same misbehaviour, in GraphQL's shapes (tests/graphql_server.graphql_pull).

Every query is checked against GitHub's public schema and pagination rule (tests/graphql_server.check_query);
one GitHub would refuse is answered as GitHub answers it and kept in `invalid`, which the tests check is
empty. The answer is executed by graphql-core over the model with GitHub's schema deciding its shape (which
fields, nested how) but not policing its values: a value of another type than the schema says (a number as a
string, labels that are a number) is sent as the model holds it, as a misbehaving GitHub would send it.

A fault is keyed by what it hits (a `Target`), as on the REST side, and hits here:
- ("list", page): any answer holding a PR that REST lists on that page: the scan's, its details, a lookup;
- ("pull" | "files" | "reviews" | "comments", PR): any answer holding the PR's details (the detail query, a
  follow-up page of one of its connections).
A fault of the HTTP exchange (another status, a body not whole, a dribble, a header too long) hits the whole
answer. Two kinds exist only here, and change what the answer holds:
- `Paging(how)`: the pageInfo of the connection hit (for a list page, the scan's pull requests; for a PR's
  files, reviews or comments, its files, reviews or review threads);
- `Refuse(field)`: GraphQL's partial answer: the PR's `field` (without one, its node) comes back null with a
  FORBIDDEN error beside the data."""

from __future__ import annotations

import base64
import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import graphql
from graphql import ExecutionContext, is_leaf_type, is_list_type, is_non_null_type
from graphql.pyutils import Undefined

from etl.sources.github_graphql_queries import query_cost

from .github_standin import Answer, FakePull, FakeRepo, Fault, StandIn, Target, _json
from .graphql_server import (
    GitHubError,
    _error,
    _or_error,
    _refuse,
    _resolve,
    check_query,
    connection,
    github_schema,
    graphql_pull,
)

LISTING = frozenset({"PullScan", "PullLookup", "RateLimit"})  # queries that hold no PR's details
PARTS = {"files": "files", "reviews": "reviews", "comments": "reviewThreads"}  # REST's part: its connection
_MINTED = "cursor:v2:minted:"


class InAnswer(Fault):
    """A fault of what the answer holds for the PR or list page it hits; the exchange itself is normal."""


class Paging(InAnswer):
    """A connection's pageInfo misbehaves (the HTTP answer is normal otherwise):
    - `back`: its endCursor is the cursor the page was asked with (the same page again; null for the first);
    - `repeat`: a new endCursor each time, and a totalCount saying there is more, but the page it names
      brings the first page's entries again;
    - `endless`: hasNextPage for ever, with a new endCursor each time (a page it names is empty)."""

    def __init__(self, how: str):
        assert how in ("back", "repeat", "endless"), how
        self.how = how
        self._count = itertools.count(1)

    def paged(self, page: Callable[..., dict]) -> Callable[..., dict]:
        """A connection's page function (graphql_server.connection), misbehaving."""
        def misbehaving(first=None, after=None, **rest) -> dict:
            if not minted(after):
                return self.misbehave(page(first=first, after=after, **rest), after)
            found = page(first=first, **rest)  # a page this fault named: the first again, or nothing
            return self.misbehave(found if self.how == "repeat" else {**found, "nodes": [], "edges": []}, after)
        return misbehaving

    def misbehave(self, found: dict, after: str | None) -> dict:
        """A page asked for `after` a cursor, with its pageInfo (and totalCount) changed."""
        more = base64.b64encode(f"{_MINTED}{next(self._count)}".encode()).decode()
        info = {**found["pageInfo"], "hasNextPage": True, "endCursor": after if self.how == "back" else more}
        return {**found, "pageInfo": info,
                "totalCount": found["totalCount"] + 100 if self.how == "repeat" else found["totalCount"]}


def minted(cursor) -> bool:
    try:
        return isinstance(cursor, str) and base64.b64decode(cursor).decode().startswith(_MINTED)
    except ValueError:
        return False


class Refuse(InAnswer):
    """GraphQL's partial answer for the PR hit ("pull" target): its `field` (without one, its whole node) is
    null, with GitHub's FORBIDDEN error beside the data."""

    def __init__(self, field: str | None = None):
        self.field = field


class AsServed(ExecutionContext):
    """graphql-core's execution with the values as the model holds them: the schema chooses the fields and how
    they nest, never what a value may be (graphql-core would make a string `number` an error and null it)."""

    def complete_value(self, return_type, field_nodes, info, path, result):
        if isinstance(result, Exception):
            raise result
        kind = return_type.of_type if is_non_null_type(return_type) else return_type
        if result is None or result is Undefined:
            return None
        if is_list_type(kind):
            return self.complete_list_value(kind, field_nodes, info, path, result) if isinstance(result, list) \
                else result
        if is_leaf_type(kind) or not isinstance(result, dict):
            return result
        return super().complete_value(kind, field_nodes, info, path, result)


class GraphQLRoutes:
    def __init__(self, standin: StandIn):
        self.standin = standin
        self.invalid: list[str] = []

    def answer(self, payload: dict) -> tuple[Answer, tuple[Target, ...]]:
        """The answer to a query, and what it holds (the targets a fault may hit)."""
        query = payload.get("query") if isinstance(payload.get("query"), str) else ""
        variables = payload.get("variables") if isinstance(payload.get("variables"), dict) else {}
        document, problems = check_query(query, variables)
        if problems:
            self.invalid += problems
            return _json({"errors": [{"message": problem} for problem in problems]}), ()
        operation = next(d.name.value for d in document.definitions if getattr(d, "name", None))
        served: list[tuple[FakeRepo, int, bool]] = []  # each PR the answer holds: (repo, number, its details)
        cost = query_cost(query, variables)
        root = _Root(self.standin, served, details=operation not in LISTING, points=cost.points)
        result = graphql.execute(github_schema(), document, root_value=root.fields(), variable_values=variables,
                                 field_resolver=_resolve, execution_context_class=AsServed,
                                 type_resolver=lambda value, *_: value.get("__typename"))
        body = {"data": result.data}
        if result.errors:
            body["errors"] = [_error(e) for e in result.errors]
        return _json(body), _targets(served)


def _targets(served: list[tuple[FakeRepo, int, bool]]) -> tuple[Target, ...]:
    found = []
    for repo, number, details in served:
        found.append(Target(repo.name, "list", repo.page_of(number)))
        if details:
            found += [Target(repo.name, kind, number) for kind in ("pull", *PARTS)]
    return tuple(dict.fromkeys(found))


class _Root:
    """The root fields of one query's execution over the stand-in's repos; each PR it serves is noted."""

    def __init__(self, standin: StandIn, served: list, details: bool, points: int):
        self.standin, self.served, self.details, self.points = standin, served, details, points

    def fields(self) -> dict:
        return {"repository": self.repository, "nodes": lambda ids, **_: [_or_error(self.by_id, i) for i in ids],
                "node": lambda id, **_: self.thread(id),  # noqa: A006 (GraphQL's argument name)
                "rateLimit": lambda **_: {
                    "cost": max(1, self.points), "remaining": 4000, "limit": 5000, "used": 1000, "nodeCount": 0,
                    "resetAt": (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")}}

    def fault(self, repo: FakeRepo, kind: str, number: int) -> Fault | None:
        return self.standin.faults.get(Target(repo.name, kind, number))

    def repository(self, owner: str, name: str, **_) -> dict:
        repo = self.standin.repos.get(f"{owner}/{name}")
        if repo is None:
            raise GitHubError("NOT_FOUND", f"Could not resolve to a Repository with the name '{owner}/{name}'.")

        def pull_requests(orderBy=None, **page):  # noqa: N803 (GraphQL's argument name)
            assert orderBy == {"field": "UPDATED_AT", "direction": "DESC"}, orderBy
            found = connection(repo.listed(), build=lambda pull: self.node(repo, pull, details=False))
            paging = next((f for t, f in self.standin.faults.items() if isinstance(f, Paging)
                           and t.repo == repo.name and t.kind == "list"), None)
            if paging is not None and minted(page.get("after")):
                return paging.paged(found)(**page)
            before = len(self.served)
            answer = found(**page)
            if paging is not None and any(self.fault(repo, "list", repo.page_of(number)) is paging
                                          for _, number, _ in self.served[before:]):
                return paging.misbehave(answer, page.get("after"))
            return answer

        def pull_request(number: int, **_):
            pull = repo.pull(number)
            if pull is None:
                raise GitHubError("NOT_FOUND", f"Could not resolve to a PullRequest with the number of {number}.")
            return self.node(repo, pull, details=self.details)

        return {"__typename": "Repository", "pullRequests": pull_requests, "pullRequest": pull_request}

    def by_id(self, node_id: str):
        repo, pull = self._pull_of(node_id.removeprefix("PR_"))
        if pull is None:
            return None
        refused = self.fault(repo, "pull", pull.number)
        if isinstance(refused, Refuse) and refused.field is None:
            self.served.append((repo, pull.number, True))
            raise GitHubError("FORBIDDEN", "Resource not accessible by integration")
        return self.node(repo, pull, details=True)

    def thread(self, node_id: str):
        key, _, _ = node_id.removeprefix("PRRT_").rpartition("_")
        repo, pull = self._pull_of(key)
        node = self.node(repo, pull, details=True) if pull else None
        threads = node.get("reviewThreads") if isinstance(node, dict) else None
        listed = threads(first=100)["nodes"] if callable(threads) else []
        return next((t for t in listed if isinstance(t, dict) and t.get("id") == node_id), None)

    def _pull_of(self, key: str) -> tuple[FakeRepo | None, FakePull | None]:
        repo_id, _, number = key.partition(".")
        repo = next((r for r in self.standin.repos.values() if str(r.repo_id) == repo_id), None)
        return repo, (repo.pull(int(number)) if repo and number.isdigit() else None)

    def node(self, repo: FakeRepo, pull: FakePull, details: bool):
        """The PR's GraphQL object, with the faults that change what it holds."""
        self.served.append((repo, pull.number, details))
        node = graphql_pull(pull.payload, pull.files, pull.reviews, pull.comments, f"{repo.repo_id}.{pull.number}")
        if not isinstance(node, dict) or not details:
            return node
        for part, field in PARTS.items():
            paging = self.fault(repo, part, pull.number)
            if isinstance(paging, Paging) and callable(node.get(field)):
                node[field] = paging.paged(node[field])
        refused = self.fault(repo, "pull", pull.number)
        if isinstance(refused, Refuse) and refused.field:
            node[refused.field] = _refuse
        return node
