"""How long each way a GitHub API can fail costs a walk, with the shipped HTTP policies and a real clock: the
figures docs/github.md and docs/github_collection.md give.

REST (30 s deadline per exchange, five retries within a 60 s budget per request): a local API server with 300
synthetic PRs (bench_github.FakeGitHub) misbehaves in one way per row: the whole API (500 to everything, a
socket that never answers) or one response (one PR's files, or the second list page) answering 500,
dribbling a byte every two seconds, or ending before its Content-Length.

GraphQL (30 s deadline, two retries, the collector's 90 s bound on failures in a row; the policy
GitHubResource.collection builds): the same whole-API rows, then the test suite's stand-in
(tests/github_standin.py) serving 300 PRs built from recorded payloads, with the answer holding one PR's
details (or the scan page holding the second REST list page's PRs) misbehaving in the same ways.

Prints the walk's wall time, and what it ended with (the run's error line, or the misses noted).

    python bench/bench_github_faults.py [--api rest|graphql]    # both: about fifteen minutes
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

import duckdb
from phases import isolate

isolate()  # before etl is imported: never the user's configuration

from bench_github import REPO, FakeGitHub  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the GraphQL stand-in lives with the tests
from etl.db import apply_schema  # noqa: E402
from etl.defs.resources import GitHubResource  # noqa: E402
from etl.ingest.github_store import GitHubStore  # noqa: E402
from etl.sources.github import WHOLE_HISTORY, GitHubCollector  # noqa: E402
from etl.sources.http import HttpClient, HttpError  # noqa: E402
from tests.github_standin import Dribble, Raw, Replace, StandIn, Target, build_repo  # noqa: E402
from tests.local_server import QuietHandler  # noqa: E402

FILES_OF = f"/repos/{REPO}/pulls/150/files"
SECOND_PAGE = "page=2"
HOSTILE = 150


def misbehaving(fake: FakeGitHub, how: str, where: str) -> ThreadingHTTPServer:
    class Handler(QuietHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802 (GraphQL: only the whole-API rows)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.do_GET()

        def do_GET(self):  # noqa: N802
            base = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"
            found = fake.rest_body(self.path, base) if self.command == "GET" else None
            payload, link = found or ({"message": "Not Found"}, None)
            body = json.dumps(payload).encode()
            head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            if link:
                head += f'Link: <{link}>; rel="next"\r\n'
            if where in self.path or where == "everything":
                self.close_connection = True
                if how == "500":
                    self.wfile.write(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 2\r\n\r\n{}")
                elif how == "silent":
                    time.sleep(3600)
                elif how == "dribble":
                    self.wfile.write(f"{head}Content-Length: {len(body)}\r\n\r\n".encode())
                    for byte in body:
                        self.wfile.write(bytes([byte]))
                        time.sleep(2)
                elif how == "cut":
                    self.wfile.write(f"{head}Content-Length: {len(body) + 100}\r\n\r\n".encode() + body)
                return
            self.wfile.write(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)

        def handle(self):
            with contextlib.suppress(BrokenPipeError, ConnectionResetError, TimeoutError):  # the client gave up
                super().handle()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def walk(how: str, where: str) -> tuple[float, str]:
    server = misbehaving(FakeGitHub(300), how, where)
    with tempfile.TemporaryDirectory() as folder:
        con = duckdb.connect(str(Path(folder) / "w.duckdb"))
        apply_schema(con)
        client = HttpClient()
        store = GitHubStore(con)
        base = f"http://127.0.0.1:{server.server_address[1]}"
        started = time.perf_counter()
        try:
            stats = store.load(GitHubCollector(client, base).collect(REPO, WHOLE_HISTORY, state=store))
            outcome = (f"{stats.prs_loaded} PRs loaded; misses: " + ", ".join(
                f"{reason} ({status})" for reason, status in con.execute(
                    "select reason, status from meta.fetch_misses").fetchall()))
        except HttpError as failed:
            outcome = f"the walk stopped: {str(failed)[:150]}"
        took = time.perf_counter() - started
        con.close()
    server.shutdown()
    return took, outcome


def graphql_walk(how: str, where: str) -> tuple[float, str]:
    """A GraphQL walk of 300 PRs: against a server misbehaving in everything, or the stand-in with one answer
    misbehaving (`where`: "details" of PR #150, or "scan", the scan page holding REST's second list page)."""
    if where == "everything":
        server = misbehaving(FakeGitHub(300), how, where)
        base, standin = f"http://127.0.0.1:{server.server_address[1]}", None
    else:
        repo = build_repo(REPO, list(range(1, 301)))
        standin = StandIn([repo]).__enter__()
        standin.graphql  # noqa: B018 (GitHub's schema loaded before the clock starts)
        cut = Raw(lambda answer: (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                                  f"{len(answer.body) + 100}\r\n\r\n").encode() + answer.body)
        fault = {"500": Replace(500, '{"message": "Server Error"}'), "dribble": Dribble(2.0), "cut": cut}.get(how)
        if fault:
            standin.faults[Target(REPO, "pull", HOSTILE) if where == "details" else Target(REPO, "list", 2)] = fault
        base, server = standin.base_url, None
    with tempfile.TemporaryDirectory() as folder:
        con = duckdb.connect(str(Path(folder) / "w.duckdb"))
        apply_schema(con)
        resource = GitHubResource(repos=[REPO], api_url=base, token="bench-token")
        client, collector, store = resource.collection(con, "bench", lambda _line: None)
        started = time.perf_counter()
        try:
            stats = store.load(collector.collect(REPO, WHOLE_HISTORY, state=store))
            outcome = (f"{stats.prs_loaded} PRs loaded, {stats.queries} queries, {stats.probes} probes; misses: "
                       + ", ".join(f"{reason} ({status})" for reason, status in con.execute(
                           "select reason, status from meta.fetch_misses").fetchall()))
        except HttpError as failed:
            outcome = f"the walk stopped: {str(failed)[:150]}"
        took = time.perf_counter() - started
        con.close()
    if server:
        server.shutdown()
    if standin:
        standin.__exit__(None, None, None)
    return took, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--api", choices=("rest", "graphql"), help="one API only (default: both)")
    chosen = parser.parse_args().api
    apis = [chosen] if chosen else ["rest", "graphql"]
    if "rest" in apis:
        rows = [("the whole API answers 500", "500", "everything"),
                ("the whole API accepts and never answers", "silent", "everything"),
                ("one PR's files answer 500", "500", FILES_OF),
                ("one PR's files dribble (a byte / 2 s)", "dribble", FILES_OF),
                ("one PR's files end before Content-Length", "cut", FILES_OF),
                ("the second list page dribbles", "dribble", SECOND_PAGE)]
        baseline, _ = walk("none", "nowhere")
        print(f"REST {'a normal walk of 300 PRs':46} {baseline:6.1f} s")
        for name, how, where in rows:
            took, outcome = walk(how, where)
            print(f"REST {name:46} {took:6.1f} s   {outcome}", flush=True)
    if "graphql" in apis:
        rows = [("the whole API answers 500", "500", "everything"),
                ("the whole API accepts and never answers", "silent", "everything"),
                ("one PR's details answer 500", "500", "details"),
                ("one PR's details dribble (a byte / 2 s)", "dribble", "details"),
                ("one PR's details end before Content-Length", "cut", "details"),
                ("the scan page dribbles", "dribble", "scan")]
        baseline, outcome = graphql_walk("none", "details")
        print(f"GraphQL {'a normal walk of 300 PRs':43} {baseline:6.1f} s   {outcome}")
        for name, how, where in rows:
            took, outcome = graphql_walk(how, where)
            print(f"GraphQL {name:43} {took:6.1f} s   {outcome}", flush=True)


if __name__ == "__main__":
    main()
