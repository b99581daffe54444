"""Hostile and malformed GitHub data (tests/hostile_github.py: the cases, the stand-in's misbehaviour and what
must hold) through the REST collector and the GraphQL collector, each with its real store over real HTTP;
then a representative set of them through `pr-atlas ingest --github` over each API, one repo per case in one
run."""

from __future__ import annotations

import random
import subprocess
import sys
import time

import duckdb
import pytest

from etl.ingest.github_graphql_store import GraphQLGitHubStore
from etl.ingest.github_store import GitHubStore
from etl.sources import github_graphql
from etl.sources.github import WHOLE_HISTORY, GitHubCollector
from etl.sources.github_graphql import GraphQLCollector
from etl.sources.http import HttpClient, HttpPolicy

from . import hostile_github
from .conftest import PROJECT_ROOT, cli_env
from .github_standin import StandIn
from .hostile_github import APIS, CASES, HOSTILE, TOKEN, Case, assert_no_token, run_case, serve_case
from .replay_server import FakeClock, require_fixtures

# Quick to give up, so that a dribbling server costs seconds: the defaults (30 s deadline, five retries) are
# what docs/github.md times.
QUICK = HttpPolicy(deadline=1.5, max_retries=2, backoff_base=0.01, max_body_bytes=32 << 20)


def rest_collector(con, api_url: str, repo: str, token: str) -> None:
    """The REST collector into the real store, its waits on a fake clock."""
    client = HttpClient(token=token, token_url=api_url, policy=QUICK, clock=FakeClock(), rng=random.Random(5))
    store = GitHubStore(con, run_id="hostile")
    store.load(GitHubCollector(client, api_url, commit_every=3).collect(repo, WHOLE_HISTORY, state=store))
    client.close()


def graphql_collector(con, api_url: str, repo: str, token: str) -> None:
    """The GraphQL collector into the real store, its waits on a fake clock (a failing server's bound too)."""
    client = HttpClient(token=token, token_url=api_url, policy=QUICK, clock=FakeClock(), rng=random.Random(5))
    store = GraphQLGitHubStore(con, run_id="hostile")
    collector = GraphQLCollector(client, api_url, rng=random.Random(5))
    store.load(collector.collect(repo, WHOLE_HISTORY, state=store))
    client.close()


COLLECTORS = {"rest": rest_collector, "graphql": graphql_collector}
RUNS = [(case, api) for case in CASES for api in APIS if case.runs_in(api)]


@pytest.fixture(autouse=True)
def _fixtures():
    require_fixtures()


def test_there_are_at_least_25_classes_with_distinct_names_and_each_says_where_it_runs():
    assert len(CASES) >= 25 and len({case.name for case in CASES}) == len(CASES)
    for api in APIS:
        assert sum(case.runs_in(api) for case in CASES) >= 25, api
    assert all(case.runs_in("rest") or case.runs_in("graphql") for case in CASES)


@pytest.mark.parametrize(("case", "api"), RUNS, ids=[f"{api}: {case.name}" for case, api in RUNS])
def test_one_hostile_pr_or_response_among_normal_ones(case: Case, api: str, tmp_path):
    run_case(case, COLLECTORS[api], tmp_path, api)


def test_a_graphql_query_that_fails_for_every_pr_stops_the_run_instead_of_noting_every_pr(tmp_path):
    """Items given up on one by one while no query of their shape was ever answered: the query is at fault (a
    schema GitHub changed, say), not the PRs; the run stops with one line rather than note every PR as a miss."""
    from etl.db import apply_schema
    from etl.sources.http import FatalHttpError

    from .github_standin import Replace, Target, build_repo

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    apply_schema(con)
    repo = build_repo("acme/widgets", hostile_github.NUMBERS)
    with StandIn([repo]) as standin:
        standin.graphql  # noqa: B018 (GitHub's schema loaded before the clock runs)
        failing = Replace(200, '{"data": null, "errors": [{"message": "Field \'title\' doesn\'t exist"}]}')
        standin.faults.update({Target(repo.name, "pull", n): failing for n in hostile_github.NUMBERS})
        with pytest.raises(FatalHttpError, match="the query is at fault") as stopped:
            graphql_collector(con, standin.base_url, repo.name, TOKEN)
        posts = sum(1 for path, _ in standin.requests if path == "/graphql")
    assert "\n" not in str(stopped.value) and posts <= 12, posts  # the scan, a page, 3 PRs alone, and probes
    assert con.execute("select count(*) from staging.github_pulls").fetchone()[0] == 0


# ---- through the command line: one run, one repo per case ------------------------------------------------

CLI_CASES = ["a label name that is a number", "a PR number of 2^31", "a lone surrogate in the title",
             "an unreadable updated_at (stored, not skipped as unchanged)", "a review without an id",
             "GitHub's 422 'diff is taking too long to generate' on files", "a proxy's HTML page with status 200",
             "Content-Encoding gzip on a plain body", "a Link next back to the same page",
             "a list page whose next link loops back", "a token echoed in a PR body",
             "a token echoed in response headers", "a deleted account (user null) on the PR and its reviews"]


@pytest.mark.slow
@pytest.mark.parametrize("api", APIS)
def test_pr_atlas_ingest_collects_every_repo_past_its_hostile_pr(api, tmp_path):
    chosen = [next(case for case in CASES if case.name == name) for name in CLI_CASES]
    repos, faults = [], {}
    for i, case in enumerate(chosen):
        repo, found = serve_case(case, f"hostile/case{i}", api)
        repos.append(repo)
        faults.update(found)
    database = tmp_path / "w.duckdb"
    env = {**cli_env(), "GITHUB_TOKEN": TOKEN, "PR_ATLAS_GITHUB_HISTORY_START": time.strftime("%Y-%m-01"),
           "DAGSTER_HOME": str(tmp_path / "dagster"), "PR_ATLAS_GITHUB_API": api}
    (tmp_path / "dagster").mkdir()
    with StandIn(repos) as standin:
        routes = standin.graphql if api == "graphql" else None
        standin.faults.update(faults)
        args = ["ingest", "--db", str(database), "--github-api-url", standin.base_url]
        for repo in repos:
            args += ["--github", repo.name]
        result = subprocess.run([sys.executable, "-m", "etl.cli", *args], capture_output=True, text=True,
                                cwd=PROJECT_ROOT, env=env, timeout=600)
    assert routes is None or (standin.requests and not routes.invalid), routes.invalid[:3]
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "Traceback" not in output and TOKEN not in output
    assert "GitHub PR(s) had problems" in result.stdout, result.stdout
    with duckdb.connect(str(database), read_only=True) as con:
        for i, case in enumerate(chosen):
            repo, expect = f"hostile/case{i}", case.expect_in(api)
            stored = {n for (n,) in con.execute("select number from staging.github_pulls where repo = ?",
                                                [repo]).fetchall()}
            lost = {n for n in hostile_github.NUMBERS if repos[i].page_of(n) in expect.lost}
            assert set(hostile_github.NUMBERS) - {HOSTILE} - lost <= stored, (case.name, stored)
            assert (HOSTILE in stored) == expect.stored, case.name
            if expect.miss:
                reasons = {r for (r,) in con.execute("select reason from fetch_misses where repo = ?",
                                                     [repo]).fetchall()}
                assert expect.miss in reasons, (case.name, reasons)
            warned = {f for (f,) in con.execute("select field from github_warnings where repo = ? and number = ?",
                                                [repo, HOSTILE]).fetchall()}
            assert set(expect.warns) <= warned, (case.name, warned)
        assert_no_token(con)
    for path in tmp_path.rglob("*"):  # nor in any file the run wrote: the warehouse, its WAL, Dagster's runs
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), f"the token is in {path}"


FAILING_API_SAYS = {"rest": ("HTTP 500", "the API is failing"), "graphql": ("HTTP 500", "times in a row over")}
# Start to end, the process's start (Dagster's imports) included: REST's retries end within 46.5 s, GraphQL's
# failures in a row within GIVE_UP_AFTER (90 s).
ENDS_WITHIN = {"rest": 120.0, "graphql": github_graphql.GIVE_UP_AFTER + 45.0}


@pytest.mark.slow
@pytest.mark.parametrize("api", APIS)
def test_an_api_answering_500_to_everything_ends_the_run_quickly_with_one_line(api, tmp_path):
    """The client's default retries, the probe and no step retry (REST), the 90 s bound on failures in a row
    (GraphQL): under two minutes (docs/github.md, docs/github_collection.md)."""
    from .replay_server import Recorded, ReplayServer

    env = {**cli_env(), "PR_ATLAS_MAX_RETRIES": "3", "PR_ATLAS_RETRY_DELAY_SECONDS": "30",  # the shipped defaults
           "PR_ATLAS_GITHUB_API": api, "GITHUB_TOKEN": TOKEN}
    with ReplayServer() as server:
        server.route(r"/.*", Recorded.json({"message": "Server Error"}, status=500))
        started = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "etl.cli", "ingest", "--db", str(tmp_path / "w.duckdb"),
                                 "--github", "acme/widgets", "--github-api-url", server.base_url],
                                capture_output=True, text=True, cwd=PROJECT_ROOT, env=env, timeout=300)
        took = time.monotonic() - started
    assert result.returncode == 1
    assert took < ENDS_WITHIN[api], took
    assert "Traceback" not in result.stdout + result.stderr
    line = result.stdout.strip().splitlines()[-1]
    assert all(words in line for words in FAILING_API_SAYS[api]) and "left for the next run" in line, line
    assert TOKEN not in result.stdout + result.stderr
    print(f"{api}: 500 to everything: the run ended after {took:.1f} s", file=sys.stderr)


def test_rows_the_warehouse_refuses_cost_only_their_pr(con):
    """Should a value pass the fitting and the warehouse still refuse it, the batch is stored PR by PR: the
    others load, the refused PR keeps its raw response and is noted (load_error) to be tried again."""
    from datetime import datetime

    from etl.sources.github import ApiResponse, Batch

    def pull(number: int, additions) -> dict:
        return {"repo": "acme/widgets", "number": number, "title": f"PR {number}", "updated_at": datetime(2026, 5, 1),
                "additions": additions, "labels": [], "response_id": "list"}

    def response(number: int | None, url: str) -> ApiResponse:
        return ApiResponse("acme/widgets", "files" if number else "pulls", number, url, 200, {}, b"[]", "sha", url)

    batch = Batch(responses=[response(None, "list"), response(1, "files-1"), response(2, "files-2")],
                  pulls=[pull(1, 5), pull(2, "five")], replaced={("acme/widgets", 1), ("acme/widgets", 2)})
    GitHubStore(con).commit(batch)
    assert con.execute("select number, additions from staging.github_pulls").fetchall() == [(1, 5)]
    assert con.execute("select url, pr_number, reason from meta.fetch_misses").fetchall() == [
        ("acme/widgets#2", 2, "load_error")]
    assert con.execute("select count(*) from raw.github_responses").fetchone()[0] == 3
    assert con.execute("select url from meta.http_cache order by url").fetchall() == [("files-1",), ("list",)]
