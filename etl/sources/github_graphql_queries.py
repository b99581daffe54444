"""The GitHub GraphQL queries the collector sends, and GitHub's published formula for what a query costs.

Cost (docs.github.com, "Rate limits and query limits for the GraphQL API"): every connection (a field given
`first` or `last`) is one request for each parent object it may be asked on, assuming every connection above
it comes back full; the query's points are those requests divided by 100 and rounded, and never less than 1.
Its node count is the objects the connections may return (each `first` times its parents); a call may ask
for at most 500,000. `nodes(ids:)` is no connection; its objects are counted as parents of what is nested in
them (the docs say nothing of it: counting them is the cautious reading).

Shapes, each with the page size the collector adapts (see github_graphql.py):
- scan: one page of the repo's pull requests, newest update first, with nothing but what tells whether a PR
  changed (id, number, updatedAt), and how many there are (so that a walk told of more pages than that ends):
  1 point per 100 PRs, however far back a window lies;
- detail: the PRs that changed, by id, with everything the warehouse keeps nested (labels, files, reviews,
  review threads and their comments) and each connection's pageInfo and totalCount;
- lookup: PRs by number (the open ones the warehouse holds, the ones a part was missing of): cheap;
- more_<connection>: the next pages of a nested connection for the PRs (or threads) that have more;
- probe: nothing but the rate limit, asked after an answer that could not be used, to tell whether the API
  answers at all (then the fault is the answer's)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from graphql import FieldNode, FragmentDefinitionNode, FragmentSpreadNode, InlineFragmentNode, OperationDefinitionNode
from graphql import parse as parse_graphql
from graphql.language import ListValueNode, VariableNode
from graphql.utilities import value_from_ast_untyped

NODE_LIMIT = 500_000
REQUESTS_PER_POINT = 100
MAX_PAGE = 100  # GitHub's bound on first/last

# How much of each nested connection the detail query asks for. A connection costs a request per PR whatever
# its size, except review threads: each thread's comments are a connection of their own, so the thread page
# is kept small and a PR with more threads gets a follow-up (one request per extra thread).
LABELS, FILES, REVIEWS, THREADS, THREAD_COMMENTS = 20, 100, 30, 8, 20

_PAGE = "pageInfo { hasNextPage endCursor }"
_ACTOR = "login __typename"
_REVIEW = f"fullDatabaseId url author {{ {_ACTOR} }} state submittedAt body commit {{ oid }}"
_COMMENT = (f"fullDatabaseId url author {{ {_ACTOR} }} path line originalLine body createdAt "
            "replyTo { fullDatabaseId } pullRequestReview { fullDatabaseId }")
_THREAD = f"id comments(first: {THREAD_COMMENTS}) {{ totalCount {_PAGE} nodes {{ {_COMMENT} }} }}"
CONNECTIONS = {  # what a node of each nested connection holds
    "labels": "name", "files": "path additions deletions changeType", "reviews": _REVIEW,
    "reviewThreads": _THREAD, "comments": _COMMENT,
}
_PULL = f"""
fragment PullFields on PullRequest {{
  id number title body state isDraft createdAt updatedAt mergedAt closedAt baseRefName headRefName url
  additions deletions changedFiles
  author {{ {_ACTOR} }}
  mergeCommit {{ oid }}
  potentialMergeCommit {{ oid }}
  labels(first: {LABELS}) {{ totalCount {_PAGE} nodes {{ {CONNECTIONS["labels"]} }} }}
  files(first: {FILES}) {{ totalCount {_PAGE} nodes {{ {CONNECTIONS["files"]} }} }}
  reviews(first: {REVIEWS}) {{ totalCount {_PAGE} nodes {{ {_REVIEW} }} }}
  reviewThreads(first: {THREADS}) {{ totalCount {_PAGE} nodes {{ {_THREAD} }} }}
}}"""
_RATE = "rateLimit { cost remaining resetAt }"
_REPO_VARS = "$owner: String!, $name: String!"
_REPO = "repository(owner: $owner, name: $name)"


@dataclass(frozen=True)
class Query:
    shape: str
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


SCAN = Query("scan", f"""query PullScan({_REPO_VARS}, $first: Int!, $after: String) {{
  {_REPO} {{
    pullRequests(first: $first, after: $after, orderBy: {{field: UPDATED_AT, direction: DESC}}) {{
      totalCount {_PAGE}
      edges {{ cursor node {{ id number updatedAt }} }}
    }}
  }}
  {_RATE}
}}""")

DETAIL = Query("detail", f"""query PullDetails($ids: [ID!]!) {{
  nodes(ids: $ids) {{ ...PullFields }}
  {_RATE}
}}
{_PULL}""")


PROBE = Query("probe", f"query RateLimit {{\n  {_RATE}\n}}")


@lru_cache(maxsize=256)
def lookup(count: int) -> Query:
    """PRs by number, `count` of them: p0 … p{count-1}, each with what tells whether it changed."""
    variables = ", ".join(f"$n{i}: Int!" for i in range(count))
    fields = "\n    ".join(f"p{i}: pullRequest(number: $n{i}) {{ id number updatedAt }}" for i in range(count))
    return Query("lookup", f"query PullLookup({_REPO_VARS}, {variables}) {{\n  {_REPO} {{\n    {fields}\n  }}\n"
                           f"  {_RATE}\n}}")


@lru_cache(maxsize=256)
def more(connection: str, count: int) -> Query:
    """The next page of one nested connection for `count` PRs (p{i}: number $n{i}, cursor $a{i}, size $f{i}),
    or, for `comments`, of `count` review threads (t{i}: thread id $t{i})."""
    def page(i: int) -> str:
        return (f"{connection}(first: $f{i}, after: $a{i}) {{ totalCount {_PAGE} "
                f"nodes {{ {CONNECTIONS[connection]} }} }}")

    if connection == "comments":
        variables = ", ".join(f"$t{i}: ID!, $a{i}: String, $f{i}: Int!" for i in range(count))
        fields = "\n  ".join(f"t{i}: node(id: $t{i}) {{ ... on PullRequestReviewThread {{ {page(i)} }} }}"
                             for i in range(count))
        return Query("more_comments", f"query MoreThreadComments({variables}) {{\n  {fields}\n  {_RATE}\n}}")
    variables = ", ".join(f"$n{i}: Int!, $a{i}: String, $f{i}: Int!" for i in range(count))
    fields = "\n    ".join(f"p{i}: pullRequest(number: $n{i}) {{ {page(i)} }}" for i in range(count))
    return Query(f"more_{connection}", f"query More({_REPO_VARS}, {variables}) {{\n  {_REPO} {{\n    {fields}\n  }}\n"
                                       f"  {_RATE}\n}}")


@dataclass(frozen=True)
class Cost:
    requests: int  # connection requests, GitHub's unit before dividing by 100
    nodes: int     # the most objects the connections may return

    @property
    def points(self) -> int:
        """What the call counts against the rate limit: requests / 100, rounded half up, at least 1."""
        return max(1, (self.requests + REQUESTS_PER_POINT // 2) // REQUESTS_PER_POINT)


@lru_cache(maxsize=512)
def _document(text: str):
    return parse_graphql(text, no_location=True)


def query_cost(text: str, variables: dict | None = None) -> Cost:
    """GitHub's cost of a query document with these variables, by the formula above."""
    document = _document(text)
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    totals = [0, 0]
    variables = variables or {}

    def walk(selections, parents: int) -> None:
        for selection in selections:
            if isinstance(selection, FragmentSpreadNode):
                walk(fragments[selection.name.value].selection_set.selections, parents)
            elif isinstance(selection, InlineFragmentNode):
                walk(selection.selection_set.selections, parents)
            elif isinstance(selection, FieldNode) and selection.selection_set:
                arguments = {a.name.value: a.value for a in selection.arguments or ()}
                size = next((_value(arguments[k], variables) for k in ("first", "last") if k in arguments), None)
                listed = _value(arguments["ids"], variables) if "ids" in arguments else None
                within = parents
                if size is not None:
                    totals[0] += parents
                    within = parents * int(size)
                    totals[1] += within
                elif isinstance(listed, list):
                    within = parents * len(listed)
                    totals[1] += within
                walk(selection.selection_set.selections, within)

    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            walk(definition.selection_set.selections, 1)
    return Cost(*totals)


def _value(node, variables: dict):
    if isinstance(node, VariableNode):
        return variables.get(node.name.value)
    if isinstance(node, ListValueNode):
        return [_value(v, variables) for v in node.values]
    return value_from_ast_untyped(node, variables)


def graphql_endpoint(api_url: str) -> str:
    """The GraphQL endpoint beside a REST base: https://api.github.com/graphql, or https://HOST/api/graphql for
    GitHub Enterprise's https://HOST/api/v3 (any other base, a local stand-in say, gets /graphql)."""
    base = api_url.rstrip("/")
    return base[:-len("/v3")] + "/graphql" if base.endswith("/api/v3") else base + "/graphql"
