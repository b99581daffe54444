"""Hostile GitHub data, as a table of cases: each is one pull request or response that misbehaves (how the
stand-in misbehaves) among normal ones, and what must be true after a run (what the warehouse holds).

`run_case(case, collect, tmp_path, api)` runs one case through a collector of either API: `collect(con,
api_url, repo, token)` fills the warehouse `con` from the stand-in at `api_url`, which serves the same repos
and faults over REST and GraphQL (tests/github_standin.py, tests/github_standin_graphql.py). It runs twice:
with the fault, then with the fault gone (a transient one heals: the next run must complete what the first
could not, and forget its misses).

Each case is defined once and holds for both APIs where GraphQL has a counterpart; where the two differ, the
case says so (`graphql`): its fault in GraphQL's terms (a `Link` loop is a cursor loop), what must hold
there, or why GraphQL has no counterpart (a `Link` to another host: a GraphQL page is a cursor at the one
endpoint). A few cases exist only in GraphQL (`rest` says why). Two differences follow from GraphQL's shape
and are applied to every case (`Case.expect_in`): a PR's files, reviews and comments come in the answer that
carries the PR, so a fault of that answer costs the PR (noted, and whole on the next run) where REST keeps it
without the part; and the scan cannot step past a page it could not read (its cursor was in it), so the
PRs listed after a list page that fails are read by the next run.

After the first run, always: the collector returned (no exception), every normal PR is stored with all its
files, reviews and comments (but those of a list page that could not be read, which are noted as a miss),
the hostile PR is stored (with a warning naming each field that had to be changed) or noted in
meta.fetch_misses with its reason, and the token is nowhere in the warehouse."""

from __future__ import annotations

import copy
import gzip
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import duckdb

from .github_standin import (
    PER_PAGE,
    Answer,
    Dribble,
    FakeRepo,
    Fault,
    Raw,
    RawJSON,
    Replace,
    Rewrite,
    StandIn,
    Target,
    build_repo,
    current_page,
    gzip_header_on_plain_body,
    gzipped,
    link_next,
    page_url,
)
from .github_standin_graphql import InAnswer, Paging, Refuse

HOSTILE = 105  # among #101-#109, four to a list page: #105 opens page 2
NUMBERS = list(range(101, 110))
PAGES = -(-len(NUMBERS) // PER_PAGE)
APIS = ("rest", "graphql")
TOKEN = "s3cr3t-hostile-token-without-github-shape-7q"  # no ghp_ prefix: only the exact secret can find it
ECHO = "@@ECHO@@"  # a payload's text where the stand-in writes back the token it was sent
DIFF_TOO_LONG = ('{"message":"Sorry, this diff is taking too long to generate.","errors":[{"resource":"PullRequest",'
                 '"field":"diff","code":"not_available"}],"documentation_url":'
                 '"https://docs.github.com/rest/pulls/pulls#list-pull-requests-files"}')
PROXY_PAGE = "<!DOCTYPE html><html><head><title>Proxy</title></head><body>Please sign in to the proxy</body></html>"

Collect = Callable[[duckdb.DuckDBPyConnection, str, str, str], None]


@dataclass(frozen=True)
class Expect:
    stored: bool = True               # the hostile PR is in staging.github_pulls after the first run
    warns: tuple[str, ...] = ()       # payload fields warned about on the hostile PR (staging.github_warnings)
    miss: str | None = None           # the reason noted in meta.fetch_misses for it (its part, itself or its page)
    lost: tuple[int, ...] = ()        # list pages whose PRs the first run could not have (read in the next)
    values: dict = field(default_factory=dict)  # column: value of the hostile PR's row
    parts: dict = field(default_factory=dict)   # part: rows stored for the hostile PR (default: all of them)
    heals: bool | None = None         # a second run without the fault completes it (default: when a fault)
    check: Callable[[duckdb.DuckDBPyConnection], None] | None = None  # anything else


@dataclass(frozen=True)
class InGraphQL:
    """How a case goes through the GraphQL collector, where it differs: its fault in GraphQL's terms, and what
    must hold (by default the REST expectation, as Case.expect_in adapts it)."""
    fault: tuple[str, Fault] | None = None
    expect: Expect | None = None


@dataclass(frozen=True)
class Case:
    name: str
    expect: Expect
    pull: Callable[[dict], object] | None = None            # changes the hostile PR's payload
    part: tuple[str, Callable[[list], list]] | None = None  # changes one of its parts' payload
    fault: tuple[str, Fault] | None = None                  # what misbehaves ("files", "list:2" ...) and how
    repo: Callable[[FakeRepo], None] | None = None          # changes the repo (a PR listed twice)
    graphql: InGraphQL | str | None = None                  # its GraphQL form, or why there is none
    rest: str | None = None                                 # why a GraphQL case has no REST counterpart

    def runs_in(self, api: str) -> bool:
        return not isinstance(self.graphql if api == "graphql" else self.rest, str)

    def fault_in(self, api: str) -> tuple[str, Fault] | None:
        if api == "graphql" and isinstance(self.graphql, InGraphQL) and self.graphql.fault:
            return self.graphql.fault
        return self.fault

    def expect_in(self, api: str) -> Expect:
        """What must hold through `api`'s collector: for GraphQL, a fault of the exchange carrying the PR costs
        the PR where REST keeps it without the part, and a list page that cannot be read costs the pages
        after it too (the next run reads them), unless the case says otherwise."""
        if api == "rest":
            return self.expect
        if isinstance(self.graphql, InGraphQL) and self.graphql.expect:
            return self.graphql.expect
        expect, fault = self.expect, self.fault_in(api)
        if fault and fault[0] in PART_TABLES and expect.miss and not isinstance(fault[1], InAnswer):
            return Expect(stored=False, miss=expect.miss, heals=expect.heals, check=expect.check)
        if expect.lost:
            return replace(expect, lost=tuple(range(min(expect.lost), PAGES + 1)))
        return expect

    def target(self, repo: str, api: str) -> Target:
        kind, _, key = self.fault_in(api)[0].partition(":")
        return Target(repo, kind, int(key) if key else HOSTILE)


def _set(**values) -> Callable[[dict], dict]:
    def change(payload: dict) -> dict:
        return {**payload, **values}
    return change


def _without(name: str) -> Callable[[dict], dict]:
    return lambda payload: {k: v for k, v in payload.items() if k != name}


def _first(change: Callable[[dict], dict]) -> Callable[[list], list]:
    return lambda entries: [change(entries[0]), *entries[1:]]


def _cut_in_half(answer: Answer, _handler) -> Answer:
    return Answer(answer.status, answer.headers, answer.body[: len(answer.body) // 2])


def _shorter_than_its_length(answer: Answer) -> bytes:
    body = answer.body[: len(answer.body) // 2]
    return (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(answer.body)}\r\n\r\n"
            .encode() + body)


def _header_line_of(size: int) -> Callable[[Answer], bytes]:
    return lambda answer: (f"HTTP/1.1 200 OK\r\nX-Padding: {'a' * size}\r\nContent-Length: {len(answer.body)}\r\n\r\n"
                           .encode() + answer.body)


def _headers_many(count: int) -> Callable[[Answer], bytes]:
    return lambda answer: ("HTTP/1.1 200 OK\r\n" + "".join(f"X-Extra-{i}: {i}\r\n" for i in range(count))
                           + f"Content-Length: {len(answer.body)}\r\n\r\n").encode() + answer.body


def _echo_token(answer: Answer, handler) -> Answer:
    sent = handler.headers.get("Authorization", "").removeprefix("Bearer ")
    return Answer(answer.status, answer.headers, answer.body.replace(ECHO.encode(), sent.encode()))


def _echo_token_in_headers(answer: Answer, handler) -> Answer:
    sent = handler.headers.get("Authorization", "")
    return Answer(answer.status, [*answer.headers, ("X-Echo-Authorization", sent), ("X-Token", sent[7:])],
                  answer.body)


def _not_utf8(answer: Answer, _handler) -> Answer:
    return Answer(answer.status, answer.headers, answer.body.replace(b"Change 105", b"Change \xff\xfe105"))


def _endless_pages(answer: Answer, handler) -> Answer:
    """Each page new comments (their ids moved on by the page number) and a next link, though the last link
    says there are two pages."""
    page = current_page(handler)
    comments = [{**c, "id": c["id"] + 1000 * page} for c in json.loads(answer.body)]
    links = f'<{page_url(handler, page + 1)}>; rel="next", <{page_url(handler, 2)}>; rel="last"'
    return Answer(answer.status, [*answer.headers, ("Link", links)], json.dumps(comments).encode())


def _bomb(answer: Answer, _handler) -> Answer:
    """100 MB of zeros, gzipped to about 100 KB: more than a body may unpack to."""
    return Answer(200, [("Content-Type", "application/json"), ("Content-Encoding", "gzip")],
                  gzip.compress(b"[" + b" " * (100 << 20) + b"]", compresslevel=1))


def _raw_head(head: str) -> Callable[[Answer], bytes]:
    return lambda answer: f"HTTP/1.1 200 OK\r\n{head}\r\n\r\n".encode() + answer.body


def _broken_chunks(answer: Answer) -> bytes:
    return (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"%x\r\n" % 10 + answer.body[:10]
            + b"\r\nZZ-not-a-size\r\n" + answer.body[10:] + b"\r\n0\r\n\r\n")


def _listed_twice(repo: FakeRepo) -> None:
    hostile = repo.pull(HOSTILE)
    repo.pulls.insert(repo.pulls.index(hostile), copy.deepcopy(hostile))


def _raw_keeps(fragment: bytes) -> Callable[[duckdb.DuckDBPyConnection], None]:
    def check(con):
        assert any(fragment in bytes(c) for (c,) in con.execute("select content from raw.github_responses").fetchall())
    return check


def _body_length(length: int) -> Callable[[duckdb.DuckDBPyConnection], None]:
    def check(con):
        assert con.execute("select length(body) from staging.github_pulls where number = ?",
                           [HOSTILE]).fetchone()[0] == length
    return check


def _body_has(text: str) -> Callable[[duckdb.DuckDBPyConnection], None]:
    def check(con):
        assert text in con.execute("select body from staging.github_pulls where number = ?", [HOSTILE]).fetchone()[0]
    return check


def _raw_headers_have(text: str) -> Callable[[duckdb.DuckDBPyConnection], None]:
    def check(con):
        assert con.execute("select count(*) from raw.github_responses where headers::varchar like ?",
                           [f"%{text}%"]).fetchone()[0]
    return check


def _impossible_rate_limit(answer: Answer, _handler) -> Answer:
    body = json.loads(answer.body)
    body["data"]["rateLimit"].update(remaining=0, resetAt="5026-01-01T00:00:00Z")
    return Answer(answer.status, answer.headers, json.dumps(body).encode())


TEN_MB = 10 * 1024 * 1024
ANSWERED_ALONE = ("REST answers each part of a PR by itself, with its own status (see 451 on reviews): it has no "
                  "errors beside data")

CASES = [
    # ---- a PR's payload: values of another type or range than documented (stored, with a warning) ----
    Case("number given as a string", Expect(warns=("number",)), pull=_set(number=str(HOSTILE))),
    Case("additions given as a string", Expect(warns=("additions",), values={"additions": 12}),
         pull=_set(additions="12")),
    Case("a label name that is a number", Expect(warns=("labels[0].name",), values={"labels": ["7"]}),
         pull=_set(labels=[{"name": 7}])),
    Case("labels that are a number", Expect(warns=("labels",), values={"labels": []}), pull=_set(labels=3)),
    Case("null elements in lists", Expect(warns=("labels[0]", "reviews[0]"), values={"labels": ["bug"]}),
         pull=_set(labels=[None, {"name": "bug"}]), part=("reviews", lambda reviews: [None, *reviews])),
    Case("an account that is a string", Expect(warns=("user",), values={"author": None}), pull=_set(user="ghost")),
    Case("a deleted account (user null) on the PR and its reviews", Expect(values={"author": None}),
         pull=_set(user=None), part=("reviews", lambda reviews: [{**r, "user": None} for r in reviews])),
    Case("a number too large for a float", Expect(warns=("additions",), values={"additions": None}),
         pull=_set(additions=RawJSON("1e400"))),
    Case("an integer of 5,000 digits", Expect(warns=("deletions",), values={"deletions": None}),
         pull=_set(deletions=RawJSON("9" * 5000))),
    Case("changed_files beyond 32 bits", Expect(warns=("changed_files",), values={"changed_files": None}),
         pull=_set(changed_files=2**31)),
    Case("a boolean given as a string", Expect(warns=("draft",), values={"draft": None}), pull=_set(draft="yes")),
    Case("a branch that is a string, not an object", Expect(warns=("base",), values={"base_ref": None}),
         pull=_set(base="main"), graphql="GraphQL gives a branch as a plain string (baseRefName): there is no "
                                         "object for it to be instead"),
    Case("a title that is an object", Expect(warns=("title",), values={"title": '{"en": "x"}'}),
         pull=_set(title={"en": "x"})),
    Case("an unreadable merge time", Expect(warns=("merged_at",), values={"merged_at": None}),
         pull=_set(merged_at="2026-13-45T99:99:99Z")),
    Case("an unreadable updated_at (stored, not skipped as unchanged)", Expect(warns=("updated_at",)),
         pull=_set(updated_at="yesterday")),
    Case("no updated_at at all", Expect(warns=("updated_at",)), pull=_without("updated_at")),
    Case("a lone surrogate in the title", Expect(warns=("title",), values={"title": "broken \ufffd title"},
                                                 check=_raw_keeps(b"\\ud800")),
         pull=_set(title="broken \ud800 title")),
    Case("bytes that are not UTF-8 in a list page", Expect(warns=("title",), check=_raw_keeps(b"\xff\xfe105")),
         fault=("list:2", Rewrite(_not_utf8))),
    Case("a NUL character in the body", Expect(values={"body": "before\x00after"}), pull=_set(body="before\x00after")),
    Case("a 10 MB body", Expect(check=_body_length(TEN_MB)), pull=_set(body="y" * TEN_MB)),
    Case("Markdown and HTML in the title", Expect(values={"title": "![p](http://host/pixel.png) [Sign in](http://x)"}),
         pull=_set(title="![p](http://host/pixel.png) [Sign in](http://x)")),
    Case("a PR listed twice", Expect(), repo=_listed_twice),
    Case("a token echoed in a PR body", Expect(check=_body_has("[REDACTED]")),
         pull=_set(body=f"the proxy saw {ECHO} go by"), fault=("list:2", Rewrite(_echo_token))),
    Case("a token echoed in response headers", Expect(check=_raw_headers_have("[REDACTED]")),
         fault=("files", Rewrite(_echo_token_in_headers))),
    # ---- a PR's number: nothing to store it under (noted, not stored) ----
    Case("a PR number of 2^31", Expect(stored=False, miss="unstorable"), pull=_set(number=2**31)),
    Case("a PR number of 2^63", Expect(stored=False, miss="unstorable"), pull=_set(number=2**63)),
    Case("a PR without a number", Expect(stored=False, miss="unstorable"), pull=_without("number")),
    Case("a list item that is not an object", Expect(stored=False, miss="unstorable"), pull=lambda _payload: 42),
    # ---- its files, reviews and comments: entries without their key, or of another type ----
    Case("a review without an id", Expect(warns=("reviews[0].id",), parts={"reviews": -1}),
         part=("reviews", _first(_without("id")))),
    Case("a review id given as a string", Expect(warns=("reviews[0].id",)),
         part=("reviews", _first(lambda r: {**r, "id": str(r["id"])})),
         graphql="GraphQL sends a review's id (fullDatabaseId, a BigInt) as a string by design"),
    Case("a review id beyond 64 bits", Expect(warns=("reviews[0].id",), parts={"reviews": -1}),
         part=("reviews", _first(_set(id=2**64)))),
    Case("a file without a filename", Expect(warns=("files[0].filename",), parts={"files": -1}),
         part=("files", _first(_without("filename")))),
    Case("file additions given as a string", Expect(warns=("files[0].additions",)),
         part=("files", _first(_set(additions="3")))),
    Case("comments that are not objects", Expect(warns=("comments[0]", "comments[1]")),
         part=("comments", lambda comments: ["a comment", 5, *comments])),
    # ---- a part's response: the PR is kept without it, and it is asked again ----
    Case("GitHub's 422 'diff is taking too long to generate' on files", Expect(miss="http_error", parts={"files": 0}),
         fault=("files", Replace(422, DIFF_TOO_LONG))),
    Case("451 on reviews", Expect(miss="http_error", parts={"reviews": 0}),
         fault=("reviews", Replace(451, '{"message": "Unavailable for legal reasons"}'))),
    Case("a proxy's HTML page with status 200", Expect(miss="not_json", parts={"reviews": 0},
                                                       check=_raw_keeps(b"Please sign in to the proxy")),
         fault=("reviews", Replace(200, PROXY_PAGE, (("Content-Type", "text/html"),)))),
    Case("truncated JSON", Expect(miss="not_json", parts={"comments": 0}), fault=("comments", Rewrite(_cut_in_half))),
    Case("a body shorter than its Content-Length", Expect(miss="cut_short", parts={"files": 0}),
         fault=("files", Raw(_shorter_than_its_length))),
    Case("Content-Encoding gzip on a plain body", Expect(miss="undecodable", parts={"reviews": 0}),
         fault=("reviews", Rewrite(lambda a, _h: gzip_header_on_plain_body(a)))),
    Case("an honest gzip body", Expect(), fault=("files", Rewrite(lambda a, _h: gzipped(a)))),
    Case("a header line of 70 KB", Expect(miss="garbled", parts={"comments": 0}),
         fault=("comments", Raw(_header_line_of(70_000)))),
    Case("150 headers", Expect(miss="garbled", parts={"files": 0}), fault=("files", Raw(_headers_many(150)))),
    Case("a body dribbled a byte at a time", Expect(miss="too_slow", parts={"reviews": 0}),
         fault=("reviews", Dribble(0.4))),
    Case("headers dribbled a byte at a time", Expect(miss="too_slow", parts={"files": 0}),
         fault=("files", Dribble(0.4, from_headers=True))),
    Case("500 to every request for a PR's files", Expect(miss="server_error", parts={"files": 0}),
         fault=("files", Replace(500, '{"message": "Server Error"}'))),
    Case("a redirect that loops", Expect(miss="http_error", parts={"reviews": 0}),  # 307: a POST stays a POST
         fault=("reviews", Rewrite(lambda a, h: Answer(307, [("Location", page_url(h, 1))], b"")))),
    Case("JSON nested 100,000 deep", Expect(miss="not_json", parts={"comments": 0}),
         fault=("comments", Replace(200, "[" * 100_000 + "]" * 100_000))),
    Case("JSON null where a list belongs", Expect(miss="unexpected_shape", parts={"files": 0}),
         fault=("files", Replace(200, "null"))),
    Case("an error object with status 200", Expect(miss="unexpected_shape", parts={"files": 0}),
         fault=("files", Replace(200, '{"message": "Server Error"}'))),
    Case("a 429 with a negative Retry-After", Expect(),
         fault=("reviews", Replace(429, '{"message": "slow down"}', (("Retry-After", "-5"),), times=1))),
    Case("a Link next back to the same page", Expect(miss="pagination_loop"),
         fault=("files", link_next(lambda h: page_url(h, 1))),
         graphql=InGraphQL(fault=("files", Paging("back")))),  # endCursor: the cursor the page was asked with
    Case("pages without end beyond the last", Expect(miss="too_many_pages"),
         fault=("comments", Rewrite(_endless_pages)),
         graphql=InGraphQL(fault=("comments", Paging("endless")))),  # hasNextPage for ever, past its totalCount
    Case("a next link to a page of entries already read", Expect(miss="pagination_loop"),
         fault=("reviews", link_next(lambda h: page_url(h, current_page(h) + 1))),
         graphql=InGraphQL(fault=("reviews", Paging("repeat")))),  # a new endCursor, the same entries
    Case("a Link next to another host", Expect(miss="link_off_host"),
         fault=("files", link_next(lambda _h: "http://elsewhere.invalid/steal")), graphql="a GraphQL page is named by an opaque cursor sent to the one endpoint: there is no link to lead elsewhere"),
    Case("a Link next to a file", Expect(miss="link_off_host"), fault=("reviews", link_next(lambda _h: "file:///etc/passwd")),
         graphql="a GraphQL page is named by an opaque cursor sent to the one endpoint: there is no link to lead elsewhere"),
    Case("a Link next that is not a URL", Expect(miss="link_off_host"),
         fault=("comments", link_next(lambda _h: "http://[::1/broken")), graphql="a GraphQL page is named by an opaque cursor sent to the one endpoint: there is no link to lead elsewhere"),
    Case("a gzip bomb", Expect(miss="too_large", parts={"files": 0}), fault=("files", Rewrite(_bomb))),
    Case("a Content-Length that is not a number", Expect(),
         fault=("reviews", Raw(_raw_head("Content-Type: application/json\r\nContent-Length: abc")))),
    Case("a chunked body with a chunk size that is not one", Expect(miss="cut_short", parts={"comments": 0}),
         fault=("comments", Raw(_broken_chunks))),
    Case("204 No Content where files belong", Expect(miss="http_error", parts={"files": 0}),
         fault=("files", Replace(204, ""))),
    Case("a rate limit on one PR's files that resets in years", Expect(miss="rate_limited", parts={"files": 0}),
         fault=("files", Replace(403, '{"message": "API rate limit exceeded"}', (
             ("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", str(int(time.time()) + 10**9)))))),
    Case("rate-limit headers on a 200 that cannot be true", Expect(),
         fault=("reviews", Rewrite(lambda a, _h: Answer(a.status, [*a.headers, ("X-RateLimit-Remaining", "0"),
                                                                   ("X-RateLimit-Reset", "99999999999")], a.body)))),
    Case("another endpoint's answer where files belong", Expect(warns=("files[0].filename",), parts={"files": 0}),
         part=("files", lambda _files: [{"number": 1, "title": "a pull request, not a file"}])),
    # ---- a list page: noted, the walk goes on past it, the next run reads it ----
    Case("a list page that is a proxy's HTML page", Expect(miss="not_json", lost=(2,), stored=False),
         fault=("list:2", Replace(200, PROXY_PAGE, (("Content-Type", "text/html"),)))),
    Case("a list page of truncated JSON", Expect(miss="not_json", lost=(2,), stored=False),
         fault=("list:2", Rewrite(_cut_in_half))),
    Case("a list page that answers 500 to every request", Expect(miss="server_error", lost=(2,), stored=False),
         fault=("list:2", Replace(502, '{"message": "Server Error"}'))),
    Case("a list page that is an object", Expect(miss="unexpected_shape", lost=(2,), stored=False),
         fault=("list:2", Replace(200, '{"message": "Not a list"}'))),
    Case("a list page whose next link loops back", Expect(miss="pagination_loop", lost=(3,)),
         fault=("list:2", link_next(lambda h: page_url(h, 1))),
         # the scan's one page of 100 holds every PR: the loop is found after it, nothing is lost
         graphql=InGraphQL(fault=("list:2", Paging("back")), expect=Expect(miss="pagination_loop"))),
    Case("list pages without end", Expect(miss="too_many_pages"),
         fault=("list:3", link_next(lambda h: page_url(h, current_page(h) + 1), last=3)),
         graphql=InGraphQL(fault=("list:3", Paging("endless")))),
    # ---- GraphQL's own: errors beside the data, and what its answers carry besides -----------------------------
    Case("errors beside the data: the PR's files refused (FORBIDDEN)", Expect(miss="partial_data", parts={"files": 0}),
         fault=("pull", Refuse("files")), rest=ANSWERED_ALONE),
    Case("errors beside the data: the PR's node refused (FORBIDDEN)", Expect(stored=False, miss="partial_data"),
         fault=("pull", Refuse()), rest=ANSWERED_ALONE),
    Case("errors and no data in the answer holding the PR", Expect(stored=False, miss="graphql_error"),
         fault=("pull", Replace(200, '{"data": null, "errors": [{"message": "Something unexpected happened"}]}')),
         rest=ANSWERED_ALONE),
    Case("a rateLimit in the answer that cannot be true (no points left, a reset in 3,000 years)", Expect(),
         fault=("list:1", Rewrite(_impossible_rate_limit)),  # the scan's answer: the details are asked after it
         rest="REST says its limits in headers: see 'rate-limit headers on a 200 that cannot be true'"),
]


def serve_case(case: Case, repo_name: str = "acme/widgets", api: str = "rest") -> tuple[FakeRepo, dict[Target, Fault]]:
    """The repo of a case (normal PRs and the hostile one) and its faults, as `api` meets them."""
    repo = build_repo(repo_name, NUMBERS)
    hostile = repo.pull(HOSTILE)
    if case.pull:
        hostile.payload = case.pull(hostile.payload)
    if case.part:
        name, change = case.part
        setattr(hostile, name, change(hostile.part(name)))
    if case.repo:
        case.repo(repo)
    fault = case.fault_in(api)
    return repo, ({case.target(repo_name, api): fault[1]} if fault else {})


def run_case(case: Case, collect: Collect, tmp_path, api: str = "rest", repo_name: str = "acme/widgets") -> None:
    from etl.db import apply_schema

    con = duckdb.connect(str(tmp_path / "hostile.duckdb"))
    apply_schema(con)
    normal, _ = serve_case(Case("normal", Expect()), repo_name)  # what each PR's parts are when nothing misbehaves
    repo, faults = serve_case(case, repo_name, api)
    expect = case.expect_in(api)
    with StandIn([repo]) as standin:
        routes = standin.graphql if api == "graphql" else None  # GitHub's schema loaded before the clock runs
        standin.faults.update(faults)
        collect(con, standin.base_url, repo_name, TOKEN)
        check_first_run(con, case, expect, normal)
        heals = expect.heals if expect.heals is not None else case.fault_in(api) is not None
        standin.faults.clear()
        collect(con, standin.base_url, repo_name, TOKEN)
        check_later_run(con, case, normal, heals)
        assert routes is None or not routes.invalid, routes.invalid[:3]  # every query GitHub's schema takes
    con.close()


def _rows(con, table: str, number: int) -> int:
    return con.execute(f"select count(*) from {table} where number = ?", [number]).fetchone()[0]


PART_TABLES = {"files": "staging.github_files", "reviews": "staging.github_reviews",
               "comments": "staging.github_review_comments"}


def check_first_run(con, case: Case, expect: Expect, normal: FakeRepo) -> None:
    stored = {n for (n,) in con.execute("select number from staging.github_pulls").fetchall()}
    lost = {n for n in NUMBERS if normal.page_of(n) in expect.lost}
    for pull in normal.pulls:
        if pull.number == HOSTILE or pull.number in lost:
            continue
        assert pull.number in stored, f"{case.name}: normal PR #{pull.number} was not stored"
        for part, table in PART_TABLES.items():
            assert _rows(con, table, pull.number) == len(pull.part(part)), (case.name, pull.number, part)
    assert (HOSTILE in stored) == expect.stored, f"{case.name}: hostile PR stored: {HOSTILE in stored}"
    misses = con.execute("select reason, pr_number, url, detail from meta.fetch_misses").fetchall()
    if expect.miss:
        assert expect.miss in {reason for reason, *_ in misses}, (case.name, misses)
        assert all("Traceback" not in detail and "\n" not in detail for *_, detail in misses)
    else:
        assert not misses, (case.name, misses)
    if not expect.stored:
        assert expect.miss, f"{case.name}: the hostile PR must be stored or noted"
    warned = {field for (field,) in con.execute("select field from staging.github_warnings where number = ?",
                                                [HOSTILE]).fetchall()}
    assert set(expect.warns) <= warned, (case.name, warned)
    if not expect.warns:
        assert not warned, (case.name, warned)
    if expect.stored:
        columns = [d[0] for d in con.execute("select * from staging.github_pulls limit 0").description]
        row = dict(zip(columns, con.execute("select * from staging.github_pulls where number = ?",
                                            [HOSTILE]).fetchone(), strict=True))
        for column, value in expect.values.items():
            assert row[column] == value, (case.name, column, row[column])
        model = normal.pull(HOSTILE)
        for part, table in PART_TABLES.items():
            wanted = expect.parts.get(part)
            count = len(model.part(part)) + wanted if wanted is not None and wanted < 0 else wanted
            if count is None and not (expect.miss and part == _part_of(case)):
                count = len(model.part(part))
            if count is not None:
                assert _rows(con, table, HOSTILE) == count, (case.name, part, _rows(con, table, HOSTILE), count)
    if expect.check:
        expect.check(con)
    assert_no_token(con)


def _part_of(case: Case) -> str | None:
    return case.fault[0] if case.fault and case.fault[0] in PART_TABLES else None


def check_later_run(con, case: Case, normal: FakeRepo, heals: bool) -> None:
    """After a run without the fault: a transient fault healed (every PR whole, nothing missing); a
    permanent one is where it was, without duplicates."""
    counts = con.execute("select count(*), count(distinct number) from staging.github_pulls").fetchone()
    assert counts[0] == counts[1]
    if heals:
        assert not con.execute("select url, reason from meta.fetch_misses").fetchall(), case.name
        for pull in normal.pulls:
            expected = {part: len(pull.part(part)) for part in PART_TABLES}
            if pull.number == HOSTILE and case.part:
                continue  # its payload is still what the case made it
            assert {part: _rows(con, table, pull.number) for part, table in PART_TABLES.items()} == expected, (
                case.name, pull.number)
    assert_no_token(con)


def assert_no_token(con) -> None:
    """The token is in no text, blob or JSON column of any table."""
    columns = con.execute("select table_schema || '.' || table_name, column_name from information_schema.columns "
                          "where data_type in ('VARCHAR', 'BLOB', 'JSON', 'VARCHAR[]') "
                          "and table_schema not in ('information_schema', 'pg_catalog')").fetchall()
    for table, column in columns:
        leaked = con.execute(f'select count(*) from {table} where position(? in "{column}"::varchar) > 0',
                             [TOKEN]).fetchone()[0]
        assert leaked == 0, f"the token is stored in {table}.{column}"
