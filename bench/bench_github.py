"""GitHub collectors side by side: the REST collector and the GraphQL one, against one local stand-in
serving the same synthetic repository over both APIs (tests/graphql_server.py, bench/synthetic_pulls.py):
N pull requests updated evenly over the last two years, with files, reviews and review comments, some open,
some with bots, renamed files, 130 files, long reviews and many review threads (`varied`).

Scenarios, each run by REST then by GraphQL on the same data:
- one whole-history walk: the first collection, a re-sync with nothing new, one after 1% of the PRs changed;
- the same history as a first backfill in monthly windows (newest first, as the backfill sensor asks for
  them), every window again, and the current window after 1% changed.

Prints requests (REST's 304s, which GitHub does not count, in brackets), GraphQL points as GitHub counts them
(the stand-in applies GitHub's formula), points per PR, wall time, and the projected budget for 15,000 PRs.

    python bench/bench_github.py [--prs 2000]

The stand-in runs in this process: the wall times include its work (graphql-core executing every query is
slower than serving REST's JSON), so they are an upper bound of the collectors' own cost; against GitHub the
network and GitHub's own time dominate, and requests and points are what matter.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path

import duckdb
from phases import isolate

if __name__ == "__main__":  # before etl is imported: never the user's configuration (imported by a test: its own)
    isolate()

from synthetic_pulls import REPO, FakeGitHub, rest_answer  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the stand-in lives with the tests
from etl.db import apply_schema  # noqa: E402
from etl.ingest.github_graphql_store import GraphQLGitHubStore  # noqa: E402
from etl.ingest.github_store import GitHubStore  # noqa: E402
from etl.sources.github import WHOLE_HISTORY, GitHubCollector, Window  # noqa: E402
from etl.sources.github_graphql import GraphQLCollector, GraphQLStats  # noqa: E402
from etl.sources.http import HttpClient  # noqa: E402
from tests.graphql_server import GRAPHQL_FIXTURES, GitHubStandIn  # noqa: E402
from tests.local_server import QuietHandler, send, serve_in_background  # noqa: E402


def serve(fake: FakeGitHub) -> ThreadingHTTPServer:
    """The repository over REST alone (tests/graphql_server.py serves it over both APIs)."""
    class Handler(QuietHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_GET(self):  # noqa: N802
            base = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"
            status, headers, body = rest_answer(fake, self.path, base, self.headers.get("If-None-Match"))
            send(self, status, headers.items(), body)

    return serve_in_background(Handler)


def collect_rest(con, base_url: str, windows: list[Window] = (WHOLE_HISTORY,)) -> dict:
    client = HttpClient()
    store, collector = GitHubStore(con), GitHubCollector(client, base_url)
    return _timed(client, lambda: [store.load(collector.collect(REPO, window, state=store)) for window in windows])


def collect_graphql(con, base_url: str, windows: list[Window] = (WHOLE_HISTORY,)) -> dict:
    client = HttpClient(token="bench-token", token_url=base_url)
    store, collector = GraphQLGitHubStore(con), GraphQLCollector(client, base_url)
    return _timed(client, lambda: [store.load(collector.collect(REPO, window, state=store)) for window in windows])


def _timed(client: HttpClient, walk) -> dict:
    start = time.perf_counter()
    walks = walk()
    elapsed = time.perf_counter() - start
    graphql = [w for w in walks if isinstance(w, GraphQLStats)]
    return {"seconds": elapsed, "requests": client.stats.requests, "not_modified": client.stats.by_status.get(304, 0),
            "queries": sum(w.queries for w in graphql), "points": sum(w.points for w in graphql) if graphql else None,
            "loaded": sum(w.prs_loaded for w in walks), "unchanged": sum(w.prs_unchanged for w in walks)}


def monthly_windows(first: datetime, last: datetime) -> list[Window]:
    """Calendar months (naive UTC, as the warehouse keeps times) from the one holding `first` to `last`'s."""
    starts = [datetime(first.year, first.month, 1)]
    while starts[-1] <= last.replace(tzinfo=None):
        year, month = divmod(starts[-1].month, 12)
        starts.append(datetime(starts[-1].year + year, month + 1, 1))
    return [Window(a.date().isoformat(), a, b) for a, b in zip(starts, starts[1:], strict=False)]


def row(scenario: str, api: str, run: dict, prs: int) -> str:
    if run["points"] is None:
        requests = f"{run['requests']:,} ({run['not_modified']:,} 304)"
        points = per_pr = "—"
    else:
        requests = f"{run['queries']:,} + {run['requests'] - run['queries']:,} REST"
        points, per_pr = f"{run['points']:,}", f"{run['points'] / prs:.3f}"
    return (f"| {scenario} | {api} | {requests} | {points} | {per_pr} | {run['seconds']:.1f} | {run['loaded']:,} |")


def projection(rest: dict, graphql: dict, prs: int, target: int = 15_000, hourly: int = 5_000) -> str:
    """The first collection of `target` PRs, scaled from the measured one, in an hour's budget of one token."""
    billable = (rest["requests"] - rest["not_modified"]) * target / prs
    points = graphql["points"] * target / prs
    extra = (graphql["requests"] - graphql["queries"]) * target / prs
    return (f"Projected first collection of {target:,} PRs: REST {billable:,.0f} requests = {billable / hourly:.1f} h "
            f"of one token's {hourly:,} requests an hour; GraphQL {points:,.0f} points = {points / hourly:.2f} h of "
            f"its {hourly:,} points an hour (+ {extra:,.0f} REST requests for the file lists of PRs that rename "
            f"a file, from the REST budget).")


def main() -> None:
    parser = argparse.ArgumentParser(description="Time both GitHub collectors against a local API stand-in.")
    parser.add_argument("--prs", type=int, default=2000)
    args = parser.parse_args()
    now = datetime.now(UTC)
    start = now - timedelta(days=730)
    fake = FakeGitHub(args.prs, start=start, every=(now - timedelta(days=1) - start) / args.prs, varied=True)
    windows = monthly_windows(start, now)[::-1]
    changed = args.prs // 100
    print(f"{args.prs:,} synthetic PRs over two years, {len(windows)} monthly windows; {os.cpu_count()} cores")
    print("| scenario | API | requests | points | points/PR | wall s | PRs loaded |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    with GitHubStandIn(fake) as server, tempfile.TemporaryDirectory() as work:
        server.points = 10**9  # the benchmark measures cost; it does not wait for resets
        stores = {api: {kind: duckdb.connect(str(Path(work) / f"{api}_{kind}.duckdb")) for kind in ("whole", "windowed")}
                  for api in ("REST", "GraphQL")}
        for kinds in stores.values():
            for con in kinds.values():
                apply_schema(con)
        collectors = {"REST": collect_rest, "GraphQL": collect_graphql}
        if not (GRAPHQL_FIXTURES / "schema.graphql").is_file():  # the stand-in validates against GitHub's schema
            print(f"(GraphQL left out: GitHub's schema is not in {GRAPHQL_FIXTURES})")
            del collectors["GraphQL"]
        first = {}

        def both(scenario: str, kind: str, chosen: list[Window] = (WHOLE_HISTORY,), loaded_of: int = args.prs):
            for api, collect in collectors.items():
                run = collect(stores[api][kind], server.base_url, chosen)
                first.setdefault((scenario, api), run)
                print(row(scenario, api, run, loaded_of), flush=True)

        both("whole history, first collection", "whole")
        both("whole history, re-sync, nothing new", "whole")
        both(f"{len(windows)} monthly windows, first backfill", "windowed", windows)
        both(f"{len(windows)} monthly windows, again", "windowed", windows)
        fake.touch(range(1, changed + 1))
        both(f"whole history, {changed} PRs changed", "whole", loaded_of=changed)
        both(f"current window, {changed} PRs changed", "windowed", windows[:1], loaded_of=changed)
        for kinds in stores.values():
            for con in kinds.values():
                con.close()
    if ("whole history, first collection", "GraphQL") in first:
        print()
        print(projection(first[("whole history, first collection", "REST")],
                         first[("whole history, first collection", "GraphQL")], args.prs))
        print("GraphQL queries the stand-in found invalid against GitHub's schema:", len(server.invalid))


if __name__ == "__main__":
    main()
