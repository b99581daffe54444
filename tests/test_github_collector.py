"""The GitHub collector, with real requests over real sockets, against recorded GitHub responses replayed
by a local server. Waits go to a fake clock, so rate limits are exercised without sleeping."""

import random

import pytest

from etl.ingest.github_store import GitHubStore
from etl.sources.github import WHOLE_HISTORY, GitHubCollector
from etl.sources.http import HttpClient, HttpError, HttpPolicy

from .replay_server import FakeClock, Recorded, ReplayServer, require_fixtures

REPO = "acme/widgets"
LIST = rf"/repos/{REPO}/pulls\?state=all&sort=updated&direction=desc&per_page=100"
TOKEN = "ghp_thisIsNotARealTokenButItMustNeverLeak0001"
EMPTY = Recorded.json([])


@pytest.fixture
def fixtures():
    return require_fixtures()


def child(number: int, resource: str) -> str:
    return rf"/repos/{REPO}/pulls/{number}/{resource}\?per_page=100"


def three_real_list_pages(server: ReplayServer) -> ReplayServer:
    """63 real PRs on three recorded list pages, chained by their own Link headers (followed as given)."""
    return (server
            .route(r"/repos/.*/pulls/\d+/(files|reviews|comments)\?per_page=100", EMPTY)
            .route(LIST, "pulls_list_paged_pygithub__1")
            .route(r"/repos/openmicroscopy/ome-documentation/pulls\?page=2&state=closed", "pulls_list_paged_octokitrb__1")
            .route(r"/repositories/417862/pulls\?state=closed&page=2", "pulls_list_after_301_redirect_github3py__3"))


def collect(con, server, clock=None, token=None, log=None, policy=None, commit_every=25):
    client = HttpClient(token=token, token_url=server.base_url, clock=clock or FakeClock(), rng=random.Random(7), log=log,
                        policy=policy or HttpPolicy(rate_limit_buffer=0))
    store = GitHubStore(con, run_id="test")
    collector = GitHubCollector(client, server.base_url, log, commit_every=commit_every)
    stats = store.load(collector.collect(REPO, WHOLE_HISTORY, state=store))
    return stats, client


def counts(con) -> dict[str, int]:
    return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in (
        "raw.github_responses", "staging.github_pulls", "staging.github_files", "staging.github_reviews",
        "staging.github_review_comments", "meta.fetch_misses")}


def test_a_full_walk_then_a_second_run_costs_one_conditional_request(fixtures, con):
    with ReplayServer() as server:
        three_real_list_pages(server)
        (server.route(child(234, "files"), "pull_files_45_one_page_pygithub__1")
               .route(child(234, "reviews"), "pull_reviews_all_states_gitea__1")
               .route(child(234, "comments"), "pull_review_comments_pygithub__1")
               .route(child(233, "files"), "pull_files_github3py__1")
               .route(child(233, "reviews"), "pull_reviews_pending_hub4j__1")
               .route(child(233, "comments"), "pull_review_comments_hub4j__1")
               .route(child(232, "reviews"), "pull_reviews_octokitrb_VCRFILTER_CORRUPTED__1")
               .route(child(231, "reviews"), "pull_reviews_changes_requested_pygithub__1")
               .route(child(230, "files"), Recorded.json({"message": "Not Found"}, status=404)))
        first, _ = collect(con, server)
        after_first = counts(con)
        requests_before = len(server.requests)
        second, client = collect(con, server)

    # #230's files answered 404: the PR is kept with its reviews and comments, and its files are asked again
    assert (first.list_pages, first.prs_seen, first.prs_loaded, first.prs_incomplete) == (3, 63, 63, 1)
    assert after_first["staging.github_pulls"] == 63
    assert after_first["meta.fetch_misses"] == 1
    # #234: the 45-file PR, all three review states, its comments
    files = con.execute("select count(*), sum(additions), count(distinct status) from staging.github_files "
                        "where number = 234").fetchone()
    assert files[0] == 45 and files[1] > 0
    states = {r[0] for r in con.execute("select state from staging.github_reviews where number = 234").fetchall()}
    assert states == {"APPROVED", "CHANGES_REQUESTED", "COMMENTED"}
    assert con.execute("select state, submitted_at from staging.github_reviews where number = 233").fetchall() == [
        ("PENDING", None)]
    # a recording whose timestamp was mangled by its recorder loads with the time left empty
    assert con.execute("select count(*), count(submitted_at) from staging.github_reviews where number = 232").fetchone() == (2, 1)
    pull = con.execute("select title, author, state, merged_at is not null, additions, changed_files, base_ref "
                       "from staging.github_pulls where number = 234").fetchone()
    assert pull[1] and pull[2] == "closed" and pull[5] == 45 and pull[4] == files[1]
    assert con.execute("select count(*) from staging.github_pulls where number in (182, 188, 176)").fetchone()[0] == 3
    # the next page URLs were followed as given, including GitHub's /repositories/{id}/ form
    assert any(p.startswith("/repositories/417862/pulls") for p in server.paths())
    # nothing new: one conditional request for the first list page, answered 304, and no new rows; only
    # the incomplete #230 is asked for again (this stand-in has no single-PR route, so it stays incomplete)
    assert server.requests[requests_before][1].get("If-None-Match") == '"a91db68d9aa99fb306c666e1363ab50c"'
    assert [p for p, _ in server.requests[requests_before + 1:]] == [f"/repos/{REPO}/pulls/230"]
    assert client.stats.by_status == {304: 1, 404: 1}
    assert (second.prs_loaded, second.stopped_at_bookmark, second.prs_incomplete) == (0, True, 0)
    assert counts(con)["staging.github_pulls"] == after_first["staging.github_pulls"]


def test_pagination_follows_every_link_of_a_21_page_chain(fixtures, con):
    """The only complete recorded chain is an issues listing (PRs are issues there); it stands in for the
    pulls list to walk 21 real pages whose next links GitHub rewrote to /repositories/617210/."""
    with ReplayServer() as server:
        server.route(r"/repos/.*/pulls/\d+/(files|reviews|comments)\?per_page=100", EMPTY)
        server.route(LIST, "issues_list_paged_hub4j__1")
        for page in range(2, 22):
            server.route(rf"/repositories/617210/issues\?state=closed&page={page}", f"issues_list_paged_hub4j__{page}")
        stats, _ = collect(con, server)
        listed = server.paths(r"/repositories/617210/issues.*")
    assert stats.list_pages == 21 and len(listed) == 20
    numbers = con.execute("select count(*), count(distinct number) from staging.github_pulls").fetchone()
    assert numbers[0] == numbers[1] == stats.prs_seen - (stats.prs_seen - numbers[0])
    assert con.execute("select count(*) from raw.github_responses where resource = 'pulls'").fetchone()[0] == 21


def test_conditional_request_replays_the_recorded_304_pair(fixtures):
    first, second = Recorded.load("pull_conditional_304_pygithub__1"), Recorded.load("pull_conditional_304_pygithub__2")
    with ReplayServer() as server:
        server.route(r"/repos/jacquev6/PyGithub/pulls/31", first, second)
        client = HttpClient(clock=FakeClock())
        url = f"{server.base_url}/repos/jacquev6/PyGithub/pulls/31"
        fresh = client.get(url)
        again = client.get(url, etag=fresh.headers["ETag"], last_modified=fresh.headers["Last-Modified"])
        sent = server.requests[-1][1]
    assert fresh.status_code == 200 and fresh.json()["number"] == 31
    assert again.status_code == 304
    assert sent["If-None-Match"] == second.request_headers["If-None-Match"]


def test_faults_are_waited_out_and_retried_on_a_fake_clock(fixtures, con):
    clock, lines = FakeClock(), []
    reviews = "pull_reviews_pygithub__1"
    with ReplayServer() as server:
        three_real_list_pages(server)
        (server.route(child(234, "reviews"), "error_5xx_retry_pygithub__1", "error_5xx_retry_pygithub__2",
                      "error_5xx_retry_pygithub__3", reviews)
               .route(child(233, "comments"), "error_503_html_pygithub__1", "pull_review_comments_github3py__1")
               .route(child(232, "files"), "error_403_secondary_rate_limit_hub4j__1", "pull_files_github3py__1")
               .route(child(231, "reviews"), "error_429_secondary_rate_limit_hub4j__1", reviews)
               .route(child(230, "comments"), "error_403_primary_rate_limit_hub4j__1", "pull_review_comments_hub4j__1")
               .route(child(229, "comments"), "error_403_abuse_limit_pygithub__1", "pull_review_comments_hub4j__1"))
        stats, client = collect(con, server, clock=clock, log=lines.append)
    assert stats.prs_loaded == 63
    assert con.execute("select count(*) from staging.github_reviews where number in (234, 231)").fetchone()[0] == 10
    assert con.execute("select count(*) from staging.github_files where number = 232").fetchone()[0] == 2
    assert client.stats.retries == 4  # three 502s and one 503
    assert client.stats.rate_limit_waits == 4
    waits = sorted(clock.sleeps)
    assert any(8 <= w <= 9 for w in waits), waits               # 429 Retry-After: 8, plus jitter
    assert any(60 <= w <= 67 for w in waits), waits             # Retry-After: 60 (abuse limit) / secondary
    assert any(3 <= w <= 6 for w in waits), waits               # primary limit: until X-RateLimit-Reset (+3 s)
    assert all(w < 120 for w in waits)
    assert any("rate limited" in line for line in lines)


def test_retries_give_up_with_a_clear_message(fixtures, con):
    with ReplayServer() as server:
        server.route(LIST, "error_5xx_retry_pygithub__1")
        with pytest.raises(HttpError, match=r"failed after 6 attempts: HTTP 502"):
            collect(con, server)


def test_a_rate_limit_reset_too_far_away_stops_the_run_and_says_it_resumes(con):
    far = Recorded.json({"message": "API rate limit exceeded"}, status=403,
                        headers=[("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", "{{now offset='7200 seconds' format='unix'}}")])
    with ReplayServer() as server:
        server.route(LIST, far)
        with pytest.raises(HttpError, match="resumes from the bookmark"):
            collect(con, server)


def test_calls_kept_in_reserve_wait_for_the_reset(con):
    low = Recorded.json([], headers=[("X-RateLimit-Remaining", "10"), ("X-RateLimit-Reset", "{{now offset='30 seconds' format='unix'}}")])
    clock = FakeClock()
    with ReplayServer() as server:
        server.route(LIST, low)
        collect(con, server, clock=clock, policy=HttpPolicy(rate_limit_buffer=50))
    assert len(clock.sleeps) == 1 and 30 <= clock.sleeps[0] <= 33


def test_an_interrupted_walk_resumes_without_refetching_or_duplicating(fixtures, con):
    with ReplayServer() as server:
        three_real_list_pages(server)
        server.route(child(220, "files"), Recorded.json({"message": "Bad credentials"}, status=401), EMPTY)
        with pytest.raises(HttpError, match=r"HTTP 401 .*Bad credentials"):
            collect(con, server, commit_every=5)
        loaded_first = con.execute("select count(*) from staging.github_pulls").fetchone()[0]
        assert con.execute("select count(*) from meta.github_windows").fetchone()[0] == 0
        mark = len(server.requests)
        stats, _ = collect(con, server)
        refetched = server.paths(rf"/repos/{REPO}/pulls/23\d/files.*")
    assert loaded_first == 10  # two commits of five; #222 and #221 were pending when #220 failed
    assert stats.prs_unchanged == 10 and stats.prs_loaded == 53
    assert not [p for p, _ in server.requests[mark:] if p in refetched]
    assert con.execute("select count(*), count(distinct number) from staging.github_pulls").fetchone() == (63, 63)


def test_the_token_is_sent_but_never_logged_stored_or_shown(fixtures, con):
    lines = []
    with ReplayServer() as server:
        three_real_list_pages(server)
        server.route(child(234, "files"), Recorded.json({"message": "Bad credentials"}, status=401))
        with pytest.raises(HttpError) as failure:
            collect(con, server, token=TOKEN, log=lines.append)
        sent = [headers.get("Authorization") for _, headers in server.requests]
    assert sent and all(value == f"Bearer {TOKEN}" for value in sent)
    assert TOKEN not in str(failure.value) and TOKEN not in "\n".join(lines)
    for table, column in con.execute("select table_schema || '.' || table_name, column_name "
                                     "from information_schema.columns where data_type in ('VARCHAR', 'BLOB', 'JSON')").fetchall():
        leaked = con.execute(f"select count(*) from {table} where position(? in {column}::varchar) > 0", [TOKEN]).fetchone()[0]
        assert leaked == 0, f"token found in {table}.{column}"
