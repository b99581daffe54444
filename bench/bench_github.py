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
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
from phases import isolate

isolate()  # before etl is imported: never the user's configuration

from synthetic_pulls import REPO, FakeGitHub, rest_answer  # noqa: E402

from etl.db import apply_schema  # noqa: E402
from etl.ingest.github_store import GitHubStore  # noqa: E402
from etl.sources.github import WHOLE_HISTORY, GitHubCollector, Window  # noqa: E402
from etl.sources.http import HttpClient  # noqa: E402


def serve(fake: FakeGitHub) -> ThreadingHTTPServer:
    """The repository over REST alone (tests/graphql_server.py serves it over both APIs)."""
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_GET(self):  # noqa: N802
            base = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"
            status, headers, body = rest_answer(fake, self.path, base, self.headers.get("If-None-Match"))
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
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
