"""A real HTTP server on localhost that replays recorded GitHub responses from ../shared/github_api/.

Routes map a regular expression (matched against the whole path and query) to a sequence of responses;
each distinct path walks its own copy of the sequence and repeats the last one. Like GitHub, a request
whose If-None-Match equals the ETag of the response it would get is answered 304. Recorded URLs that
point at https://api.github.com are rewritten to this server, and the WireMock templates in the hub4j
recordings ({{now ...}}, {{testStartDate ...}}) are rendered at serving time."""

from __future__ import annotations

import email.utils
import json
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from .local_server import QuietHandler, send, serve_in_background, stop

GITHUB_API_FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "github_api"
_DROPPED_HEADERS = {"status", "content-length", "transfer-encoding", "content-encoding", "connection"}
_TEMPLATE = re.compile(r"\{\{(?:now|testStartDate)([^}]*)\}\}")


def require_fixtures() -> Path:
    if not GITHUB_API_FIXTURES.is_dir():
        pytest.skip(f"recorded GitHub responses not found at {GITHUB_API_FIXTURES} "
                    "(shared/ is expected beside the checkout)")
    return GITHUB_API_FIXTURES


def _render(value: str) -> str:
    def one(match: re.Match) -> str:
        args = match.group(1)
        offset = re.search(r"offset='(-?\d+) seconds'", args)
        moment = time.time() + (int(offset.group(1)) if offset else 0)
        return str(int(moment)) if "format='unix'" in args else email.utils.formatdate(moment, usegmt=True)
    return _TEMPLATE.sub(one, value)


@dataclass
class Recorded:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    name: str = "synthetic"
    request_headers: dict = field(default_factory=dict)

    @classmethod
    def load(cls, name: str) -> Recorded:
        folder = require_fixtures()
        meta = json.loads((folder / f"{name}.headers.json").read_text(encoding="utf-8"))
        headers = []
        for key, value in meta["headers"].items():
            for item in value if isinstance(value, list) else [value]:
                if key.lower() not in _DROPPED_HEADERS:
                    headers.append((key, str(item)))
        body = (folder / meta["body_file"]).read_bytes() if meta.get("body_file") else b""
        return cls(meta["status"], headers, body, name, meta.get("request_headers") or {})

    @classmethod
    def json(cls, payload, status: int = 200, headers: list[tuple[str, str]] | None = None) -> Recorded:
        """A response made up by a test (an empty list for a PR with no recorded reviews, a 401)."""
        return cls(status, [("Content-Type", "application/json"), *(headers or [])], json.dumps(payload).encode())

    def etag(self) -> str | None:
        return next((v for k, v in self.headers if k.lower() == "etag"), None)


class ReplayServer:
    def __init__(self):
        self.routes: list[tuple[re.Pattern, list]] = []
        self.requests: list[tuple[str, dict]] = []  # (path and query, request headers)
        self._served: dict[tuple[int, str], int] = defaultdict(int)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def route(self, pattern: str, *responses: Recorded | str) -> ReplayServer:
        self.routes.insert(0, (re.compile(pattern), [Recorded.load(r) if isinstance(r, str) else r
                                                     for r in responses]))  # later routes win
        return self

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def paths(self, pattern: str = ".*") -> list[str]:
        return [path for path, _ in self.requests if re.fullmatch(pattern, path)]

    def _pick(self, path: str) -> Recorded:
        with self._lock:
            for index, (pattern, responses) in enumerate(self.routes):
                if pattern.fullmatch(path):
                    served = self._served[(index, path)]
                    self._served[(index, path)] += 1
                    return responses[min(served, len(responses) - 1)]
        return Recorded.json({"message": "Not Found"}, status=404)

    def __enter__(self) -> ReplayServer:
        replay = self

        class Handler(QuietHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in separate writes

            def do_POST(self):  # noqa: N802 (a POST is replayed like a GET; its body is read and dropped)
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.do_GET()

            def do_GET(self):  # noqa: N802 (http.server's naming)
                replay.requests.append((self.path, dict(self.headers)))
                recorded = replay._pick(self.path)
                status, body = recorded.status, recorded.body.replace(b"https://api.github.com", replay.base_url.encode())
                etag = recorded.etag()
                if etag and self.headers.get("If-None-Match") == etag and status == 200:
                    status, body = 304, b""
                send(self, status, [(key, _render(value).replace("https://api.github.com", replay.base_url))
                                    for key, value in recorded.headers], body)

        self._server = serve_in_background(Handler)
        return self

    def __exit__(self, *exc) -> None:
        stop(self._server)


class FakeClock:
    """Starts at the real time (recorded reset times are rendered from it) and moves only when slept."""

    def __init__(self):
        self.current = time.time()
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.current

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.current += seconds
