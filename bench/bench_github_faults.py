"""How long each way a GitHub API can fail costs a walk, with the shipped HTTP policy (30 s deadline per
exchange, five retries within a 60 s budget per request) and a real clock: the figures docs/github.md gives.

A local API server with 300 synthetic PRs (bench_github.FakeGitHub) misbehaves in one way per row: the
whole API (500 to everything, a socket that never answers) or one response (one PR's files, or the second
list page) answering 500, dribbling a byte every two seconds, or ending before its Content-Length. Prints the
walk's wall time, and what it ended with (the run's error line, or the misses noted).

    python bench/bench_github_faults.py            # about six minutes
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
from phases import isolate

isolate()  # before etl is imported: never the user's configuration

from bench_github import REPO, FakeGitHub  # noqa: E402

from etl.db import apply_schema  # noqa: E402
from etl.ingest.github_store import GitHubStore  # noqa: E402
from etl.sources.github import WHOLE_HISTORY, GitHubCollector  # noqa: E402
from etl.sources.http import HttpClient, HttpError  # noqa: E402

FILES_OF = f"/repos/{REPO}/pulls/150/files"
SECOND_PAGE = "page=2"


def misbehaving(fake: FakeGitHub, how: str, where: str) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802
            base = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"
            payload, link = fake.body(self.path, base)
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

        def log_message(self, *args):
            pass

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


def main() -> None:
    rows = [("the whole API answers 500", "500", "everything"),
            ("the whole API accepts and never answers", "silent", "everything"),
            ("one PR's files answer 500", "500", FILES_OF),
            ("one PR's files dribble (a byte / 2 s)", "dribble", FILES_OF),
            ("one PR's files end before Content-Length", "cut", FILES_OF),
            ("the second list page dribbles", "dribble", SECOND_PAGE)]
    baseline, _ = walk("none", "nowhere")
    print(f"{'a normal walk of 300 PRs':46} {baseline:6.1f} s")
    for name, how, where in rows:
        took, outcome = walk(how, where)
        print(f"{name:46} {took:6.1f} s   {outcome}", flush=True)


if __name__ == "__main__":
    main()
