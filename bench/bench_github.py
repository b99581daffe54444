"""GitHub collector benchmark: a local API server with N synthetic pull requests updated evenly over the
last two years (100 per list page, each with files, reviews and comments, ETags on everything).

- One whole-history walk into one warehouse: the first, one with nothing new, one after 1% of the PRs
  were updated.
- The same history as a first backfill in monthly windows (newest first, as the backfill sensor asks for
  them) into another warehouse, then every window again (what a rerun of the backfill costs).

Prints requests, list pages, wall time and PRs per second for each.

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
from phases import isolate

isolate()  # before etl is imported: never the user's configuration

from etl.db import apply_schema  # noqa: E402
from etl.ingest.github_store import GitHubStore  # noqa: E402
from etl.sources.github import WHOLE_HISTORY, GitHubCollector, Window  # noqa: E402
from etl.sources.http import HttpClient  # noqa: E402

REPO = "bench/repo"
PER_PAGE = 100


class FakeGitHub:
    """`prs` pull requests, #n last updated at start + n × every."""

    def __init__(self, prs: int, start: datetime = datetime(2026, 1, 1, tzinfo=UTC),
                 every: timedelta = timedelta(minutes=1)):
        self.updated = {n: start + n * every for n in range(1, prs + 1)}

    def touch(self, numbers, when: datetime | None = None) -> None:
        later = when or max(self.updated.values()) + timedelta(hours=1)
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


def collect(con, base_url: str, windows: list[Window] = (WHOLE_HISTORY,)) -> dict:
    client = HttpClient()
    store, collector = GitHubStore(con), GitHubCollector(client, base_url)
    start = time.perf_counter()
    walks = [store.load(collector.collect(REPO, window, state=store)) for window in windows]
    elapsed = time.perf_counter() - start
    return {"seconds": elapsed, "requests": client.stats.requests, "by_status": dict(client.stats.by_status),
            "list_pages": sum(w.list_pages for w in walks), "loaded": sum(w.prs_loaded for w in walks),
            "unchanged": sum(w.prs_unchanged for w in walks)}


def monthly_windows(first: datetime, last: datetime) -> list[Window]:
    """Calendar months (naive UTC, as the warehouse keeps times) from the one holding `first` to `last`'s."""
    starts = [datetime(first.year, first.month, 1)]
    while starts[-1] <= last.replace(tzinfo=None):
        year, month = divmod(starts[-1].month, 12)
        starts.append(datetime(starts[-1].year + year, month + 1, 1))
    return [Window(a.date().isoformat(), a, b) for a, b in zip(starts, starts[1:], strict=False)]


def report(name: str, run: dict) -> None:
    rate = f"{run['loaded'] / run['seconds']:6.0f} PRs/s" if run["loaded"] else "          "
    print(f"{name:>34}: {run['seconds']:6.2f} s  {rate}  requests {run['requests']:5d} (list pages "
          f"{run['list_pages']:4d}) {run['by_status']}  (loaded {run['loaded']}, unchanged {run['unchanged']})")


def main() -> None:
    parser = argparse.ArgumentParser(description="Time the GitHub collector against a local API server.")
    parser.add_argument("--prs", type=int, default=2000)
    args = parser.parse_args()
    now = datetime.now(UTC)
    start = now - timedelta(days=730)
    fake = FakeGitHub(args.prs, start=start, every=(now - timedelta(days=1) - start) / args.prs)
    server = serve(fake)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    windows = monthly_windows(start, now)[::-1]
    with tempfile.TemporaryDirectory() as work:
        whole = duckdb.connect(str(Path(work) / "whole.duckdb"))
        windowed = duckdb.connect(str(Path(work) / "windowed.duckdb"))
        for con in (whole, windowed):
            apply_schema(con)
        report("whole history, first run", collect(whole, base))
        report("whole history, nothing new", collect(whole, base))
        report(f"{len(windows)} monthly windows, first backfill", collect(windowed, base, windows))
        report(f"{len(windows)} monthly windows, again", collect(windowed, base, windows))
        fake.touch(range(1, args.prs // 100 + 1))
        report(f"whole history, {args.prs // 100} PRs updated", collect(whole, base))
        report(f"current window, {args.prs // 100} PRs updated", collect(windowed, base, windows[:1]))
        whole.close()
        windowed.close()
    server.shutdown()


if __name__ == "__main__":
    main()
