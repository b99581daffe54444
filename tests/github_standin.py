"""A stand-in GitHub on a real local socket, serving repos of pull requests built from recorded GitHub
payloads (../shared/github_api), any of whose responses can be made to misbehave at the HTTP level: a
wrong status, a body that is not JSON or not whole, a lying Content-Encoding, a header too long, a server
that dribbles, a Link that loops, a token echoed back.

The repos are a model (each PR's payload, files, reviews and comments) and faults keyed by what they hit
(`Target`: a list page, one PR, or one PR's files, reviews or comments), served over both of GitHub's APIs:
REST here (`RestRoutes`, GET), GraphQL in tests/github_standin_graphql.py (POST /graphql), which maps the same
targets onto the answers of its queries."""

from __future__ import annotations

import copy
import functools
import gzip
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .local_server import QuietHandler, serve_in_background, stop
from .replay_server import require_fixtures

PER_PAGE = 4  # PRs per list page: small, so a few PRs make several pages


# ---- the model: repos of pull requests ---------------------------------------------------------------------

@dataclass
class FakePull:
    number: int
    payload: dict
    files: list = field(default_factory=list)
    reviews: list = field(default_factory=list)
    comments: list = field(default_factory=list)

    def part(self, name: str) -> list:
        return getattr(self, name)


@dataclass
class FakeRepo:
    name: str
    pulls: list[FakePull]
    repo_id: int = 4242

    def listed(self) -> list[FakePull]:
        """Newest update first, as GitHub lists them (an unreadable time sorts last)."""
        def key(pull: FakePull) -> str:
            updated = pull.payload.get("updated_at") if isinstance(pull.payload, dict) else None
            return updated if isinstance(updated, str) else ""
        return sorted(self.pulls, key=key, reverse=True)

    def page_of(self, number: int) -> int:
        numbers = [p.number for p in self.listed()]
        return numbers.index(number) // PER_PAGE + 1

    def pages(self) -> int:
        return max(1, -(-len(self.pulls) // PER_PAGE))

    def pull(self, number: int) -> FakePull | None:
        return next((p for p in self.pulls if p.number == number), None)


def _recorded(name: str):
    return json.loads((require_fixtures() / f"{name}.json").read_text(encoding="utf-8"))


def build_repo(name: str, numbers: list[int], *, newest: datetime | None = None) -> FakeRepo:
    """PRs shaped like GitHub's own (a recorded list page's items, with every field GitHub sends), each with
    recorded files, reviews and comments, renumbered; #n updated n hours before `newest`."""
    newest = newest or datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    listed = _recorded("pulls_list_paged_pygithub__1")
    files, reviews = _recorded("pull_files_github3py__1"), _recorded("pull_reviews_pygithub__1")
    comments = _recorded("pull_review_comments_hub4j__1")
    pulls = []
    for i, number in enumerate(numbers):
        payload = copy.deepcopy(listed[i % len(listed)])
        stamp = (newest - timedelta(hours=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        payload.update(number=number, title=f"Change {number} of {name}", updated_at=stamp, created_at=stamp,
                       html_url=f"https://github.com/{name}/pull/{number}")
        pulls.append(FakePull(number, payload, copy.deepcopy(files[: 1 + i % len(files)]),
                              copy.deepcopy(reviews[: 1 + i % len(reviews)]),
                              copy.deepcopy(comments[: i % (len(comments) + 1)])))
    return FakeRepo(name, pulls)


class RawJSON(str):
    """A JSON text put into a payload as written (a number like 1e400 that json.dumps cannot write)."""


def encode(value) -> bytes:
    raws: list[str] = []

    def swap(node):
        if isinstance(node, RawJSON):
            raws.append(str(node))
            return f"@@raw{len(raws) - 1}@@"
        if isinstance(node, dict):
            return {k: swap(v) for k, v in node.items()}
        if isinstance(node, list):
            return [swap(v) for v in node]
        return node

    text = json.dumps(swap(value))
    for i, raw in enumerate(raws):
        text = text.replace(f'"@@raw{i}@@"', raw)
    return text.encode("utf-8", "surrogatepass")


# ---- what a response is, and how one misbehaves --------------------------------------------------------------

@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True)
class Target:
    """What a fault hits in `repo`: ("list", page number), ("pull", PR number) or (files|reviews|comments,
    PR number)."""
    repo: str
    kind: str
    key: int


class Fault:
    """How one response goes wrong. `send` writes it (the normal answer, unless overridden); `times` how
    often it misbehaves before answering normally (None: always)."""
    times: int | None = None

    def send(self, handler: _Handler, answer: Answer) -> None:
        handler.send_answer(answer)


class Replace(Fault):
    """Another status, body or headers in place of the normal answer."""

    def __init__(self, status: int, body: bytes | str, headers: tuple = (("Content-Type", "application/json"),),
                 times: int | None = None):
        self.status, self.body, self.headers, self.times = status, body, list(headers), times

    def send(self, handler, answer):
        body = self.body.encode() if isinstance(self.body, str) else self.body
        handler.send_answer(Answer(self.status, self.headers, body))


class Rewrite(Fault):
    """The normal answer, changed by `change(answer, handler)`."""

    def __init__(self, change: Callable[[Answer, _Handler], Answer], times: int | None = None):
        self.change, self.times = change, times

    def send(self, handler, answer):
        handler.send_answer(self.change(answer, handler))


class Raw(Fault):
    """Bytes written to the socket as they are, then the connection closed."""

    def __init__(self, make: Callable[[Answer], bytes]):
        self.make = make

    def send(self, handler, answer):
        handler.close_connection = True
        handler.wfile.write(self.make(answer))
        handler.wfile.flush()


class Dribble(Fault):
    """The answer a byte at a time, `every` seconds apart, from its start (headers too) or from its body."""

    def __init__(self, every: float, from_headers: bool = False):
        self.every, self.from_headers = every, from_headers

    def send(self, handler, answer):
        handler.close_connection = True
        head = handler.head_bytes(answer)
        data = head + answer.body
        start = 0 if self.from_headers else len(head)
        try:
            handler.wfile.write(data[:start])
            handler.wfile.flush()
            for i in range(start, len(data)):
                handler.wfile.write(data[i:i + 1])
                handler.wfile.flush()
                time.sleep(self.every)
        except OSError:  # the client gave up and cut the connection: what the dribble is for
            pass


def page_url(handler: _Handler, page: int) -> str:
    """The URL of the request being answered, at another page number."""
    parts = urlsplit(handler.path)
    query = [pair for pair in parts.query.split("&") if pair and not pair.startswith("page=")]
    return f"{handler.base_url}{parts.path}?{'&'.join([*query, f'page={page}'])}"


def current_page(handler: _Handler) -> int:
    found = re.search(r"[?&]page=(\d+)", handler.path)
    return int(found.group(1)) if found else 1


def link_next(url_of: Callable[[_Handler], str], last: int | None = None) -> Rewrite:
    """The normal body with a `next` Link made by `url_of` (and a `last` page number, when given)."""
    def change(answer: Answer, handler: _Handler) -> Answer:
        links = f'<{url_of(handler)}>; rel="next"'
        if last is not None:
            links += f', <{page_url(handler, last)}>; rel="last"'
        return Answer(answer.status, [(k, v) for k, v in answer.headers if k.lower() != "link"] + [("Link", links)],
                      answer.body)
    return Rewrite(change)


# ---- serving it ----------------------------------------------------------------------------------------------

class _Handler(QuietHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    standin: StandIn

    @property
    def base_url(self) -> str:
        return self.standin.base_url

    def head_bytes(self, answer: Answer) -> bytes:
        lines = [f"HTTP/1.1 {answer.status} {self.responses.get(answer.status, ('Other',))[0]}"]
        headers = list(answer.headers)
        if not any(k.lower() == "content-length" for k, _ in headers):
            headers.append(("Content-Length", str(len(answer.body))))
        lines += [f"{k}: {v}" for k, v in headers]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def send_answer(self, answer: Answer) -> None:
        self.wfile.write(self.head_bytes(answer) + answer.body)
        self.wfile.flush()

    def do_GET(self):  # noqa: N802 (http.server's naming)
        standin = self.standin
        with standin.lock:
            standin.requests.append((self.path, dict(self.headers)))
        answer, target = standin.rest.answer(self)
        fault = standin.fault_for((target,) if target else ())
        (fault or Fault()).send(self, answer)

    def do_POST(self):  # noqa: N802
        standin = self.standin
        payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        with standin.lock:
            standin.requests.append((self.path, dict(self.headers)))
        if urlsplit(self.path).path != "/graphql":
            self.send_answer(_not_found())
            return
        answer, targets = standin.graphql.answer(payload)
        (standin.fault_for(targets) or Fault()).send(self, answer)


class RestRoutes:
    """GitHub's REST API over the repos: the pulls list (paged, with Link next and last), one PR, and a PR's
    files, reviews and comments (one page each)."""

    LIST = re.compile(r"/repos/(?P<repo>[^/]+/[^/?]+)/pulls")
    PAGED = re.compile(r"/repositories/(?P<id>\d+)/pulls")
    ONE = re.compile(r"/repos/(?P<repo>[^/]+/[^/]+)/pulls/(?P<number>\d+)(?:/(?P<part>files|reviews|comments))?")

    def __init__(self, standin: StandIn):
        self.standin = standin

    def answer(self, handler: _Handler) -> tuple[Answer, Target | None]:
        url = urlsplit(handler.path)
        query = parse_qs(url.query)
        if m := self.LIST.fullmatch(url.path):
            return self._page(handler, self.standin.repos.get(m["repo"]), 1)
        if m := self.PAGED.fullmatch(url.path):
            repo = next((r for r in self.standin.repos.values() if r.repo_id == int(m["id"])), None)
            page = query.get("page", ["1"])[0]
            return self._page(handler, repo, int(page) if page.isdigit() else 1)
        if m := self.ONE.fullmatch(url.path):
            repo = self.standin.repos.get(m["repo"])
            pull = repo.pull(int(m["number"])) if repo else None
            if pull is None:
                return _not_found(), None
            if m["part"]:
                return _json(pull.part(m["part"])), Target(repo.name, m["part"], pull.number)
            return _json(pull.payload), Target(repo.name, "pull", pull.number)
        return _not_found(), None

    def _page(self, handler: _Handler, repo: FakeRepo | None, page: int) -> tuple[Answer, Target | None]:
        if repo is None:
            return _not_found(), None
        listed = repo.listed()[(page - 1) * PER_PAGE: page * PER_PAGE]
        links = []
        base = f"{handler.base_url}/repositories/{repo.repo_id}/pulls?state=all&sort=updated&direction=desc&per_page=100"
        if page < repo.pages():
            links.append(f'<{base}&page={page + 1}>; rel="next"')
        links.append(f'<{base}&page={repo.pages()}>; rel="last"')
        body = [pull.payload for pull in listed]
        return Answer(200, [("Content-Type", "application/json; charset=utf-8"), ("Link", ", ".join(links))],
                      encode(body)), Target(repo.name, "list", page)


def _json(payload, status: int = 200) -> Answer:
    return Answer(status, [("Content-Type", "application/json; charset=utf-8")], encode(payload))


def _not_found() -> Answer:
    return _json({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}, 404)


class StandIn:
    """`with StandIn(repos) as api:` serves them at api.base_url; `api.faults[Target(...)] = Fault` makes a
    response misbehave (for the first `fault.times` requests, or always)."""

    def __init__(self, repos: list[FakeRepo]):
        self.repos = {repo.name: repo for repo in repos}
        for i, repo in enumerate(repos):
            repo.repo_id = 4242 + i
        self.faults: dict[Target, Fault] = {}
        self.requests: list[tuple[str, dict]] = []
        self.lock = threading.Lock()
        self.rest = RestRoutes(self)
        self._served: dict[Target, int] = {}
        self._server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @functools.cached_property
    def graphql(self):
        """The GraphQL side (GitHub's schema is loaded for it: only when a GraphQL collector asks)."""
        from .github_standin_graphql import GraphQLRoutes

        return GraphQLRoutes(self)

    def fault_for(self, targets: tuple[Target, ...]) -> Fault | None:
        """The fault for the first of `targets` (what an answer holds) that has one, if it is to misbehave."""
        target = next((t for t in targets if t in self.faults), None)
        fault = self.faults.get(target) if target else None
        if fault is None:
            return None
        with self.lock:
            served = self._served.get(target, 0)
            self._served[target] = served + 1
        return fault if fault.times is None or served < fault.times else None

    def __enter__(self) -> StandIn:
        handler = type("Handler", (_Handler,), {"standin": self})
        self._server = serve_in_background(handler)
        return self

    def __exit__(self, *exc) -> None:
        stop(self._server)


def gzip_header_on_plain_body(answer: Answer) -> Answer:
    return Answer(answer.status, [*answer.headers, ("Content-Encoding", "gzip")], answer.body)


def gzipped(answer: Answer) -> Answer:
    """An honest gzip body (GitHub's usual): the collector must read it as well as a plain one."""
    return Answer(answer.status, [*answer.headers, ("Content-Encoding", "gzip")], gzip.compress(answer.body))
