"""The GitHub GraphQL collector over real HTTP against a local stand-in that validates every query against
GitHub's public schema and costs it by GitHub's formula (tests/graphql_server.py), serving the same synthetic
repository as the REST stand-in; GitHub's formula on the worked examples of its documentation; the GraphQL to
REST shapes on real recorded responses (../shared/github_graphql/). Waits go to a fake clock shared by the
client and the stand-in's rate limit."""

from __future__ import annotations

import hashlib
import json
import random
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from etl.db import apply_schema
from etl.ingest.github_graphql_store import GraphQLGitHubStore
from etl.ingest.github_store import GitHubStore
from etl.sources import github as rest_source
from etl.sources import github_graphql
from etl.sources.github import WHOLE_HISTORY, Batch, GitHubCollector, Warnings, Window, add_pull
from etl.sources.github_graphql import GraphQLCollector
from etl.sources.github_graphql_queries import DETAIL, NODE_LIMIT, graphql_endpoint, query_cost
from etl.sources.github_graphql_shapes import rest_comments, rest_files, rest_pull, rest_reviews, rest_user
from etl.sources.http import FatalHttpError, HttpClient, HttpError, HttpPolicy

from .graphql_server import GRAPHQL_FIXTURES, REPO, FakeGitHub, GitHubStandIn, github_schema
from .replay_server import FakeClock, Recorded, ReplayServer

TOKEN = "ghp_graphqlTokenThatMustNeverLeakAnywhere01"
START = datetime(2026, 1, 1, tzinfo=UTC)
STAGING = ("staging.github_pulls", "staging.github_files", "staging.github_reviews",
           "staging.github_review_comments", "staging.text_claims")


@pytest.fixture(scope="session")
def schema():
    if not (GRAPHQL_FIXTURES / "schema.graphql").is_file():
        pytest.skip(f"GitHub's GraphQL schema not found in {GRAPHQL_FIXTURES} (shared/ is expected beside the checkout)")
    return github_schema()


@pytest.fixture
def fake() -> FakeGitHub:
    """120 PRs, one an hour from 2026-01-01, with everything `varied` brings (#1 has 130 files, #2 45 reviews,
    #8 12 review threads, #9 a thread of 25 comments, #7, #57 and #107 are open, #5 and #66 have no author)."""
    return FakeGitHub(120, start=START, every=timedelta(hours=1), varied=True)


@pytest.fixture
def api(schema, fake):
    with GitHubStandIn(fake, clock=FakeClock()) as server:
        yield server
    assert not server.invalid, server.invalid[:3]  # every query sent was valid against GitHub's schema


def collect(con, server, window=WHOLE_HISTORY, *, token=TOKEN, log=None, buffer=0, give_up_after=None):
    client = HttpClient(token=token, token_url=server.base_url, clock=server.clock, rng=random.Random(7), log=log,
                        policy=HttpPolicy(rate_limit_buffer=buffer, max_retries=2, timeout=(5.0, 20.0)))
    store = GraphQLGitHubStore(con, run_id="test")
    collector = GraphQLCollector(client, server.base_url, log, rate_limit_buffer=buffer, give_up_after=give_up_after,
                                 rng=random.Random(7))
    return store.load(collector.collect(REPO, window, store)), client


def rows(con) -> dict[str, list]:
    """The staging rows, without the load time and the response a PR row was read from."""
    return {t: con.execute(f"select * exclude (loaded_at{', response_id' if t.endswith('pulls') else ''}) "
                           f"from {t} order by all").fetchall() for t in STAGING}


def warehouse(path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    apply_schema(con)
    return con


# ---- GitHub's formula, on the worked examples of its documentation (queries written here) -----------------------

def test_the_cost_formula_on_the_documented_examples():
    repos_and_issues = "query { viewer { repositories(first: 50) { nodes { issues(first: 10) { nodes { title } } } } } }"
    assert (query_cost(repos_and_issues).nodes, query_cost(repos_and_issues).points) == (550, 1)
    nested = """query { viewer {
        repositories(first: 50) { edges { node {
            pullRequests(first: 20) { edges { node { comments(first: 10) { edges { node { body } } } } } }
            issues(first: 20) { nodes { comments(first: 10) { nodes { body } } } } } } }
        followers(first: 10) { nodes { login } } } }"""
    cost = query_cost(nested)
    assert cost.nodes == 22_060  # the documentation's figure
    assert (cost.requests, cost.points) == (1 + 50 + 1000 + 50 + 1000 + 1, 21)
    labels = ("query($n: Int!) { viewer { repositories(first: 100) { nodes { issues(first: $n) { nodes { "
              "labels(first: 60) { nodes { name } } } } } } } }")
    assert (query_cost(labels, {"n": 50}).requests, query_cost(labels, {"n": 50}).points) == (5101, 51)
    assert query_cost("query { viewer { login } }").points == 1  # never less than one point
    # nodes(ids:) is no connection: its objects are the parents of what is nested in them
    assert query_cost(DETAIL.text, {"ids": ["a"] * 50}).requests == 50 * 12
    huge = "query { viewer { repositories(first: 100) { nodes { issues(first: 100) { nodes { labels(first: 100) { nodes { name } } } } } } } }"
    assert query_cost(huge).nodes > NODE_LIMIT


def test_the_graphql_endpoint_sits_beside_the_rest_base():
    assert graphql_endpoint("https://api.github.com") == "https://api.github.com/graphql"
    assert graphql_endpoint("https://ghe.example.com/api/v3/") == "https://ghe.example.com/api/graphql"
    assert graphql_endpoint("http://127.0.0.1:8080") == "http://127.0.0.1:8080/graphql"


# ---- GraphQL to REST shapes on real recorded responses ------------------------------------------------------------

def _recorded(name: str) -> dict:
    path = GRAPHQL_FIXTURES / name
    if not path.is_file():
        pytest.skip(f"{path} not found")
    return json.loads(path.read_text(encoding="utf-8"))


def test_a_recorded_merged_pr_becomes_the_rows_rest_would_give():
    node = _recorded("pr_single_merged_files_reviews_commits_dt_mergebot_68386.json")["data"]["repository"]["pullRequest"]
    batch = Batch()
    children = {"files": rest_files(node), "reviews": rest_reviews(node), "comments": rest_comments(node)}
    add_pull(batch, "DefinitelyTyped/DefinitelyTyped", rest_pull(node), {k: v or [] for k, v in children.items()},
             {k: v is not None for k, v in children.items()}, "r1", Warnings())
    pull = batch.pulls[0]
    assert (pull["number"], pull["state"], pull["author"], pull["author_is_bot"], pull["draft"]) == (
        68386, "closed", "jakebailey", False, False)
    assert (pull["additions"], pull["deletions"], pull["changed_files"], pull["labels"]) == (
        129, 34, 5, ["Edits Infrastructure"])
    assert pull["created_at"] == datetime(2024, 1, 30, 16, 57, 13)
    files = batch.children["files"]
    assert [f["path"] for f in files][:2] == [".github/workflows/CI.yml", "README.md"]
    assert sum(f["additions"] for f in files) == 129
    # this recording asked for no databaseId: a review's REST id is the number its URL ends with
    assert [(r["review_id"], r["reviewer"], r["state"], r["commit_id"][:7]) for r in batch.children["reviews"]] == [
        (1852623458, "andrewbranch", "APPROVED", "737ec18"), (1852771263, "jakebailey", "COMMENTED", "737ec18")]


def test_recorded_listings_keep_what_they_hold_and_leave_the_rest_empty():
    page = _recorded("pr_list_jupiterone_repo_pullrequests_page1.json")["data"]["repository"]["pullRequests"]["nodes"]
    items = [rest_pull(node) for node in page]
    assert {item["state"] for item in items} == {"open", "closed"}  # OPEN, CLOSED and MERGED
    assert all(item["body"] is None for item in items if not item["body"])  # "" is REST's null
    merged = next(node for node in page if node["state"] == "MERGED")
    assert rest_pull(merged)["state"] == "closed" and rest_pull(merged)["merged_at"] == merged["mergedAt"]
    # reviews recorded without their commit (FORBIDDEN beside the data): kept, commit unknown
    nodes = _recorded("partial_forbidden_pr_reviews_by_node_jupiterone.json")["data"]["nodes"]
    reviews = rest_reviews(nodes[0])
    assert [(r["state"], r["commit_id"], r["user"]["login"]) for r in reviews] == [
        ("APPROVED", None, "jablonnc"), ("DISMISSED", None, "ethan-steinman-j1"), ("APPROVED", None, "ethan-steinman-j1")]


def test_actors_ids_and_replies_map_to_rest_exactly():
    assert rest_user({"login": "dependabot", "__typename": "Bot"}) == {"login": "dependabot[bot]", "type": "Bot"}
    assert rest_user(None) is None  # a deleted account stays null
    thread = {"comments": {"nodes": [
        {"fullDatabaseId": "2000000000123", "url": "x#discussion_r2000000000123", "author": None, "path": "a.py",
         "line": None, "originalLine": 7, "body": "why?", "createdAt": "2026-02-01T00:00:00Z", "replyTo": None,
         "pullRequestReview": {"fullDatabaseId": "99"}},
        {"url": "x#discussion_r2000000000124", "author": {"login": "gemini-code-assist", "__typename": "Bot"},
         "path": "a.py", "line": 8, "originalLine": 8, "body": "because", "createdAt": "2026-02-01T00:01:00Z",
         "replyTo": {"fullDatabaseId": "2000000000123"}, "pullRequestReview": {"fullDatabaseId": "100"}}]}}
    first, reply = rest_comments({"reviewThreads": {"nodes": [thread]}})
    assert (first["id"], first["pull_request_review_id"], first["in_reply_to_id"], first["user"]) == (
        2000000000123, 99, None, None)
    assert (reply["id"], reply["in_reply_to_id"], reply["user"]["login"]) == (2000000000124, 2000000000123,
                                                                                 "gemini-code-assist[bot]")


# ---- the collector against the stand-in -----------------------------------------------------------------------

def test_graphql_and_rest_store_the_same_rows_for_the_same_repository(api, tmp_path):
    by_graphql, by_rest = warehouse(tmp_path / "graphql.duckdb"), warehouse(tmp_path / "rest.duckdb")
    stats, _ = collect(by_graphql, api)
    rest_client = HttpClient(clock=api.clock)
    store = GitHubStore(by_rest)
    store.load(GitHubCollector(rest_client, api.base_url).collect(REPO, WHOLE_HISTORY, store))
    assert rows(by_graphql) == rows(by_rest)
    counts = {t: len(r) for t, r in rows(by_graphql).items()}
    assert counts["staging.github_pulls"] == 120 and counts["staging.github_files"] > 120 * 4
    # what the variety holds came through: 130 files, 45 reviews, 12 threads, a 25-comment thread, no author
    assert by_graphql.execute("select count(*) from staging.github_files where number = 1").fetchone()[0] == 130
    assert by_graphql.execute("select count(*) from staging.github_reviews where number = 2").fetchone()[0] == 45
    assert by_graphql.execute("select count(*) from staging.github_review_comments where number = 8").fetchone()[0] == 12
    assert by_graphql.execute("select count(*), count(in_reply_to) from staging.github_review_comments "
                              "where number = 9").fetchone() == (25, 24)
    assert by_graphql.execute("select author, author_is_bot from staging.github_pulls where number = 5").fetchone() == (
        None, None)
    assert by_graphql.execute("select previous_path from staging.github_files where number = 9 "
                              "and status = 'renamed'").fetchone()[0] == "python/old/mod_9.py"
    assert stats.follow_ups >= 4 and stats.rest_file_lists == 13  # #9, #18, ... rename a file
    assert stats.points == stats.points_estimated and stats.points / 120 <= 0.5


def test_a_renamed_file_list_rest_cannot_give_leaves_graphqls_list(api, con):
    """A PR that renames a file has its file list from REST; when REST fails, GraphQL's list stands (without the
    previous paths) and the walk goes on."""
    api.rest_fail_with = 500
    lines = []
    stats, _ = collect(con, api, log=lines.append)
    assert stats.prs_loaded == 120 and stats.rest_file_lists == 0
    assert con.execute("select count(*), count(previous_path) from staging.github_files where number = 9").fetchone() \
        == (4, 0)
    assert any("REST could not give its files" in line for line in lines)


def test_every_response_is_kept_as_received_with_its_query(api, con):
    collect(con, api)
    stored = con.execute("select r.url, r.resource, r.sha256, r.content, q.query, q.query_sha256 "
                         "from raw.github_responses r left join raw.github_graphql_queries q "
                         "on r.url = ? || '#query=' || q.query_sha256 where r.resource like 'graphql:%'",
                         [f"{api.base_url}/graphql"]).fetchall()
    assert len(stored) == len([r for r in api.graphql_requests() if r["status"] == 200])
    for url, resource, sha, content, query, query_sha in stored:
        assert url == f"{api.base_url}/graphql#query={query_sha}" and resource.startswith("graphql:")
        assert hashlib.sha256(query.encode()).hexdigest() == query_sha
        assert hashlib.sha256(content).hexdigest() == sha and json.loads(content)["data"]["rateLimit"]
    sent = {r["query"] for r in api.graphql_requests()}
    assert {q for *_, q, _ in stored} == sent


def test_a_resync_with_nothing_new_costs_two_points_and_changes_nothing(api, con):
    collect(con, api)
    before = rows(con)
    raw = con.execute("select count(*) from raw.github_responses").fetchone()[0]
    mark = len(api.graphql_requests())
    stats, _ = collect(con, api)
    assert (stats.points, stats.prs_loaded, stats.open_swept) == (2, 0, 3)  # one scan page, one lookup of 3 open PRs
    assert [r["shape"] for r in api.graphql_requests()[mark:]] == ["PullScan", "PullLookup"]
    assert rows(con) == before
    # the two answers are new bytes (rateLimit.remaining moved) and are kept; nothing else is
    assert con.execute("select count(*) from raw.github_responses").fetchone()[0] == raw + 2


def test_a_pr_merged_since_is_never_left_open_even_when_the_list_shows_it_late(api, fake, con):
    collect(con, api)
    assert con.execute("select state from staging.github_pulls where number = 57").fetchone() == ("open",)
    # #57 is merged now, but the list still shows it where it was: the walk stops above it
    fake.touch([120])
    fake.merge(57, when=fake.updated[120] - timedelta(minutes=5), listed_at=fake.updated[57])
    stats, _ = collect(con, api)
    assert stats.stopped_at_bookmark and stats.open_swept == 3
    assert con.execute("select state, merged_at is not null from staging.github_pulls where number = 57"
                       ).fetchone() == ("closed", True)


def test_partial_data_keeps_the_pr_notes_the_part_and_asks_again(api, con):
    api.forbidden = {33: {"mergeCommit"}, 34: {"files"}}
    first, _ = collect(con, api)
    assert first.prs_incomplete == 2 and first.prs_loaded == 120
    assert con.execute("select merge_commit_sha from staging.github_pulls where number = 33").fetchone() == (None,)
    assert con.execute("select count(*) from staging.github_files where number = 34").fetchone()[0] == 0
    assert con.execute("select changed_files from staging.github_pulls where number = 34").fetchone() == (4,)
    misses = con.execute("select pr_number, detail from meta.fetch_misses order by 1").fetchall()
    assert [m[0] for m in misses] == [33, 34] and all("FORBIDDEN" in m[1] for m in misses)
    api.forbidden = {}
    second, _ = collect(con, api)
    assert second.prs_completed == 2
    assert con.execute("select count(*) from meta.fetch_misses").fetchone()[0] == 0
    assert con.execute("select merge_commit_sha is not null from staging.github_pulls where number = 33").fetchone()[0]
    assert con.execute("select count(*) from staging.github_files where number = 34").fetchone()[0] == 4


def test_a_pr_that_does_not_come_back_is_noted_keeps_its_window_open_and_comes_next_run(api, con, monkeypatch):
    monkeypatch.setattr(rest_source, "_now", lambda: datetime(2026, 2, 2))
    january = Window("2026-01-01", datetime(2026, 1, 1), datetime(2026, 2, 1))
    api.hidden = {40}
    first, _ = collect(con, api, january)
    assert first.prs_loaded == 119 and not first.window_final
    assert con.execute("select pr_number, status from meta.fetch_misses").fetchall() == [(40, 200)]
    assert con.execute("select count(*) from staging.github_pulls where number = 40").fetchone()[0] == 0
    api.hidden = set()
    second, _ = collect(con, api, january)
    assert second.window_final and second.prs_loaded == 1
    assert con.execute("select count(*) from staging.github_pulls").fetchone()[0] == 120
    assert con.execute("select count(*) from meta.fetch_misses").fetchone()[0] == 0


def test_timeouts_halve_the_page_which_is_remembered_and_grown_back(api, con):
    api.timeout_over_nodes = 4000  # a detail page of about a dozen PRs
    lines = []
    stats, client = collect(con, api, log=lines.append)
    assert stats.prs_loaded == 120 and stats.smaller_pages >= 2
    sizes = dict(con.execute("select shape, page_size from meta.github_query_sizes").fetchall())
    assert sizes["detail"] <= 12 and any("detail pages of" in line for line in lines)
    detail_sizes = [len(r["variables"]["ids"]) for r in api.graphql_requests()
                    if r.get("shape") == "PullDetails" and r["status"] == 200]
    assert max(detail_sizes) <= 12
    # the next run starts where the last one ended, and grows back once GitHub keeps up
    api.timeout_over_nodes = None
    api.fake.touch(range(1, 61))
    mark = len(api.requests)
    collect(con, api)
    later = [len(r["variables"]["ids"]) for r in api.requests[mark:] if r.get("shape") == "PullDetails"]
    assert later[0] == sizes["detail"] and max(later) > sizes["detail"]


def test_recorded_timeouts_and_resource_limits_make_the_page_smaller(api, con):
    api.replay = [(200, "error_something_went_wrong_elm_graphql_2017.json"),
                  (200, "error_resource_limits_exceeded_profile3d_issue163.json")]
    stats, _ = collect(con, api)
    assert stats.prs_loaded == 120 and stats.smaller_pages == 2
    assert [r["variables"].get("first") for r in api.graphql_requests()][:3] == [100, 50, 25]


def test_rate_limits_are_waited_out_on_the_clock(api, con):
    # GitHub's primary limit as recorded (HTTP 200, type RATE_LIMIT), then two secondary limits (403, Retry-After)
    api.replay = [(200, "error_rate_limited_githubkit_issue271.json")]
    api.secondary_limits = 2
    lines = []
    stats, _ = collect(con, api, log=lines.append)
    assert stats.prs_loaded == 120
    waits = sorted(api.clock.sleeps)
    assert sum(1 for w in waits if 60 <= w <= 67) == 2, waits  # Retry-After: 60, plus jitter
    assert any(1790 <= w <= 1802 for w in waits), waits  # until X-RateLimit-Reset
    assert any("GraphQL rate limit (API rate limit already exceeded" in line for line in lines)


def test_the_reserve_of_points_is_kept_by_waiting_for_the_reset(api, con):
    api.points = 60  # the first queries bring it under the reserve of 50: the collector waits for the reset
    stats, _ = collect(con, api, buffer=50)
    assert stats.prs_loaded == 120
    assert any(1790 <= w <= 1802 for w in api.clock.sleeps), api.clock.sleeps
    assert api.rate_limited == 0  # it waited before the limit, never ran into it


@pytest.mark.parametrize("status", [500, 502])
def test_a_server_failing_everything_ends_the_run_in_under_two_minutes_with_one_line(api, con, status):
    api.fail_with = status
    with pytest.raises(FatalHttpError) as failure:
        collect(con, api)
    elapsed = sum(api.clock.sleeps)
    assert elapsed < 120 and "\n" not in str(failure.value)
    assert f"HTTP {status}" in str(failure.value) and "resumes" in str(failure.value)
    assert len(api.requests) < 20


@pytest.mark.parametrize(("setup", "expected"), [
    (lambda api: setattr(api, "repo", "acme/other"), "repository bench/repo not found"),
    (lambda api: setattr(api, "token", "a-different-token"), "HTTP 401"),
    (lambda api: setattr(api, "fail_with", 403), "HTTP 403"),
])
def test_no_repository_bad_credentials_and_a_plain_403_fail_at_once(api, con, setup, expected):
    setup(api)
    with pytest.raises(FatalHttpError, match=expected) as failure:
        collect(con, api)
    assert len(api.requests) == 1 and not api.clock.sleeps and "\n" not in str(failure.value)
    assert TOKEN not in str(failure.value)


def test_the_token_goes_to_the_endpoint_only_and_is_stored_nowhere(api, con):
    api.token = TOKEN
    collect(con, api)
    assert all(r["headers"].get("Authorization") == f"Bearer {TOKEN}" for r in api.requests)
    with ReplayServer() as other:
        other.route(r"/.*", Recorded.json({"data": {}}))
        client = HttpClient(token=TOKEN, token_url=api.base_url, clock=FakeClock())
        client.post(f"{other.base_url}/graphql", {"query": "{ viewer { login } }"})
    assert "Authorization" not in other.requests[0][1]
    for table, column in con.execute("select table_schema || '.' || table_name, column_name from "
                                     "information_schema.columns where data_type in ('VARCHAR', 'BLOB', 'JSON')"
                                     ).fetchall():
        leaked = con.execute(f"select count(*) from {table} where position(? in {column}::varchar) > 0",
                             [TOKEN]).fetchone()[0]
        assert leaked == 0, f"token found in {table}.{column}"


def test_post_hands_chosen_statuses_back_instead_of_retrying():
    with ReplayServer() as server:
        server.route(r"/.*", Recorded.json({"message": "Bad gateway"}, status=502))
        client = HttpClient(clock=FakeClock(), policy=HttpPolicy(max_retries=2))
        assert client.post(f"{server.base_url}/graphql", {}, pass_through=frozenset({502})).status_code == 502
        assert len(server.requests) == 1
        with pytest.raises(HttpError, match=r"POST .* failed after 3 attempts: HTTP 502"):
            client.post(f"{server.base_url}/graphql", {})


# ---- windows ---------------------------------------------------------------------------------------------------

def _days(first: int, last: int) -> Window:
    return Window(f"2026-01-{first:02d}", datetime(2026, 1, first), datetime(2026, 1, last))


def test_windows_load_what_one_whole_walk_loads_and_older_ones_start_near_them(api, tmp_path, monkeypatch):
    monkeypatch.setattr(rest_source, "_now", lambda: datetime(2026, 2, 1))
    whole, windowed = warehouse(tmp_path / "whole.duckdb"), warehouse(tmp_path / "windowed.duckdb")
    collect(whole, api)
    windows = [_days(d, d + 2) for d in (1, 3, 5, 7)] + [Window("2026-01-09", datetime(2026, 1, 9), None)]
    scans = {}
    for window in reversed(windows):  # newest first, as the backfill sensor asks for them
        mark = len(api.graphql_requests())
        stats, _ = collect(windowed, api, window)
        scans[window.key] = sum(1 for r in api.graphql_requests()[mark:] if r.get("shape") == "PullScan")
        assert stats.window_final == (window.end is not None)
    assert rows(windowed) == rows(whole)
    # the oldest window starts at the position the walk above it left, not at the top of the list
    assert scans["2026-01-01"] == 1
    again, _ = collect(windowed, api, windows[0])
    assert again.already_final and again.queries == 0


def test_a_remembered_list_position_github_refuses_means_scanning_from_the_top(api, con):
    con.execute("insert into meta.github_scan_cursors values (?, ?, 'bm90IGEgY3Vyc29y', now())",
                [REPO, datetime(2027, 1, 1)])
    stats, _ = collect(con, api, Window("2026-01-01", datetime(2026, 1, 1), datetime(2026, 12, 1)))
    assert stats.prs_loaded == 120
    assert con.execute("select count(*) from meta.github_scan_cursors where cursor = 'bm90IGEgY3Vyc29y'"
                       ).fetchone()[0] == 0


def test_pr_atlas_ingest_collects_over_graphql_and_a_failing_server_stops_it_at_once(schema, fake, tmp_path,
                                                                                        monkeypatch):
    from etl.pipeline import run_ingest

    monkeypatch.setenv("PR_ATLAS_GITHUB_API", "graphql")
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    with GitHubStandIn(fake) as api:
        summary = run_ingest(str(tmp_path / "w.duckdb"), locations=[], github_repos=[REPO],
                             github_api_url=api.base_url, groups=["github"])
        assert summary.success, summary.error
        assert summary.row_counts["staging.github_pulls"] == 120
        assert api.graphql_requests() and not api.invalid
        monkeypatch.setattr(github_graphql, "GIVE_UP_AFTER", 2.0)  # the default 90 s, shortened
        api.fail_with = 500
        failed = run_ingest(str(tmp_path / "other.duckdb"), locations=[], github_repos=[REPO],
                            github_api_url=api.base_url, groups=["github"])
    assert not failed.success and "HTTP 500" in failed.error and "\n" not in failed.error


def test_a_server_that_never_answers_is_given_up_on_within_the_bound(con):
    """Real time, scaled down: read timeouts of 0.3 s and a bound of 1 s (90 s in production) stop the run
    once a request has been failing for longer than the bound, counting the time the client spent on it."""
    import socket
    import time

    from etl.sources.http import Clock

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # connections are taken, requests never answered
    base = f"http://127.0.0.1:{silent.getsockname()[1]}"
    client = HttpClient(token=TOKEN, token_url=base, clock=Clock(), rng=random.Random(7),
                        policy=HttpPolicy(timeout=(1.0, 0.3), max_retries=1, backoff_base=0.1))
    store = GraphQLGitHubStore(con)
    started = time.monotonic()
    try:
        with pytest.raises(FatalHttpError, match="ReadTimeout") as failure:
            store.load(GraphQLCollector(client, base, give_up_after=1.0).collect(REPO, WHOLE_HISTORY, store))
    finally:
        silent.close()
    assert time.monotonic() - started < 10 and "\n" not in str(failure.value) and TOKEN not in str(failure.value)
