"""GitHub collector benchmark: a local API server with N synthetic pull requests (100 per list page, each
with files, reviews and comments, ETags on everything), then three collections into one warehouse:
the first, one with nothing new, and one after 1% of the PRs were updated. Prints requests, wall time
and PRs per second for each.

    python bench/bench_github.py [--prs 2000]

The server answers in well under a millisecond, so the figures are the collector's own cost; against
api.github.com the network dominates and the request counts are what matter.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb

from etl.db import apply_schema
from etl.ingest.github_store import GitHubStore
from etl.sources.github import GitHubCollector
from etl.sources.http import HttpClient

REPO = "bench/repo"
PER_PAGE = 100


class FakeGitHub:
    def __init__(self, prs: int):
        start = datetime(2026, 1, 1, tzinfo=UTC)
        self.updated = {n: start + timedelta(minutes=n) for n in range(1, prs + 1)}

    def touch(self, numbers) -> None:
        later = max(self.updated.values()) + timedelta(hours=1)
        for n in numbers:
            self.updated[n] = later

    def pull(self, n: int) -> dict:
        stamp = self.updated[n].strftime("%Y-%m-%dT%H:%M:%SZ")
        return {"number": n, "title": f"Change {n}", "state": "closed", "user": {"login": f"dev{n % 50}"},
                "created_at": stamp, "updated_at": stamp, "merged_at": stamp, "closed_at": stamp,
                "base": {"ref": "main"}, "head": {"ref": f"topic-{n}"}, "labels": [{"name": "bug"}],
                "html_url": f"https://github.com/{REPO}/pull/{n}", "draft": False}

    def body(self, path: str, base: str) -> tuple[object, str | None]:
        """(JSON body, next link) for a request path."""
        if match := re.fullmatch(rf"/repos/{REPO}/pulls\?state=all&sort=updated&direction=desc&per_page=100(?:&page=(\d+))?", path):
            page = int(match.group(1) or 1)
            ordered = sorted(self.updated, key=lambda n: (self.updated[n], n), reverse=True)
            items = [self.pull(n) for n in ordered[(page - 1) * PER_PAGE: page * PER_PAGE]]
            more = page * PER_PAGE < len(ordered)
            link = f"{base}/repos/{REPO}/pulls?state=all&sort=updated&direction=desc&per_page=100&page={page + 1}"
            return items, link if more else None
        match = re.fullmatch(rf"/repos/{REPO}/pulls/(\d+)/(files|reviews|comments)\?per_page=100", path)
        n, kind = int(match.group(1)), match.group(2)
        if kind == "files":
            return [{"filename": f"python/pkg/mod_{(n + i) % 300}.py", "status": "modified", "additions": i + 3,
                     "deletions": i} for i in range(4)], None
        if kind == "reviews":
            return [{"id": n * 10 + i, "user": {"login": "reviewer"}, "state": "APPROVED", "body": "lgtm",
                     "submitted_at": self.pull(n)["updated_at"]} for i in range(2)], None
        return [{"id": n * 100, "user": {"login": "reviewer"}, "path": "python/pkg/mod_1.py", "line": 3,
                 "body": "nit", "created_at": self.pull(n)["updated_at"]}], None


def serve(fake: FakeGitHub) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_GET(self):  # noqa: N802
            base = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"
            payload, link = fake.body(self.path, base)
            body = json.dumps(payload).encode()
            etag = '"' + hashlib.sha1(body).hexdigest() + '"'
            status = 304 if self.headers.get("If-None-Match") == etag else 200
            self.send_response(status)
            self.send_header("ETag", etag)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-RateLimit-Remaining", "4999")
            if link:
                self.send_header("Link", f'<{link}>; rel="next"')
            self.send_header("Content-Length", "0" if status == 304 else str(len(body)))
            self.end_headers()
            if status == 200:
                self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def collect(con, base_url: str) -> dict:
    client = HttpClient()
    start = time.perf_counter()
    stats = GitHubCollector(client, GitHubStore(con), base_url).collect(REPO)
    elapsed = time.perf_counter() - start
    return {"seconds": elapsed, "requests": client.stats.requests, "by_status": dict(client.stats.by_status),
            "loaded": stats.prs_loaded, "unchanged": stats.prs_unchanged}


def main() -> None:
    parser = argparse.ArgumentParser(description="Time the GitHub collector against a local API server.")
    parser.add_argument("--prs", type=int, default=2000)
    args = parser.parse_args()
    fake = FakeGitHub(args.prs)
    server = serve(fake)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    with tempfile.TemporaryDirectory() as work:
        con = duckdb.connect(str(Path(work) / "bench.duckdb"))
        apply_schema(con)
        first = collect(con, base)
        second = collect(con, base)
        fake.touch(range(1, args.prs // 100 + 1))
        third = collect(con, base)
        con.close()
    server.shutdown()
    for name, run in (("first run", first), ("nothing new", second), (f"{args.prs // 100} PRs updated", third)):
        rate = f"{run['loaded'] / run['seconds']:6.0f} PRs/s" if run["loaded"] else "          "
        print(f"{name:>16}: {run['seconds']:6.2f} s  {rate}  requests {run['requests']:5d} "
              f"{run['by_status']}  (loaded {run['loaded']}, unchanged {run['unchanged']})")


if __name__ == "__main__":
    main()
