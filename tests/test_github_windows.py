"""GitHub history collected in windows of pull-request updated_at, over real HTTP against a local API server
with synthetic PRs spread across months: the windows together load what one whole walk loads, a window
that ended before its walk is final and costs nothing again, an update moves a PR to a later window, and
the Dagster side (windowed runs, the daily schedule, the backfill sensor, `pr-atlas status`)."""

import sys
from datetime import UTC, datetime, timedelta

import dagster as dg
import duckdb
import pytest

from etl import settings
from etl.db import apply_schema, connect
from etl.definitions import build_definitions
from etl.defs.operations.plan import github_backfill
from etl.defs.operations.schedules import daily_github
from etl.defs.partitions import collection_window, window_key, windows_until
from etl.defs.resources import GitHubResource, WarehouseResource
from etl.ingest.github_store import GitHubStore
from etl.pipeline import run_ingest
from etl.sources import github as github_source
from etl.sources.github import WHOLE_HISTORY, GitHubCollector, Window
from etl.sources.http import HttpClient
from etl.status import collect_status

from .conftest import PROJECT_ROOT
from .replay_server import Recorded, ReplayServer

sys.path.insert(0, str(PROJECT_ROOT / "bench"))
from bench_github import REPO, FakeGitHub, serve  # noqa: E402

# 300 PRs, one a day: #n is last updated n days after 2026-01-01, so January holds #1-#30 and October #273-#300.
START = datetime(2026, 1, 1, tzinfo=UTC)
WALK_TIME = datetime(2026, 11, 21, 6, 0)  # the collector's clock: October ended long before, November has not


def month(first: str, following: str) -> Window:
    return Window(first, datetime.fromisoformat(first), datetime.fromisoformat(following))


MONTHS = [month(f"2026-{m:02d}-01", f"2026-{m + 1:02d}-01" if m < 12 else "2027-01-01") for m in range(1, 12)]


@pytest.fixture
def api(monkeypatch):
    monkeypatch.setattr(github_source, "_now", lambda: WALK_TIME)
    fake = FakeGitHub(300, start=START, every=timedelta(days=1))
    server = serve(fake)
    yield fake, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _warehouse(path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    apply_schema(con)
    return con


def _collect(con, base_url: str, window: Window = WHOLE_HISTORY):
    client = HttpClient()
    store = GitHubStore(con)
    stats = store.load(GitHubCollector(client, base_url).collect(REPO, window, state=store))
    return stats, client.stats.requests


def _contents(con) -> dict[str, list]:
    return {table: con.execute(f"select * exclude (loaded_at) from {table} order by all").fetchall()
            for table in ("staging.github_pulls", "staging.github_files", "staging.github_reviews",
                          "staging.github_review_comments")}


def test_the_windows_together_load_what_one_whole_walk_loads(api, tmp_path):
    _, base = api
    whole = _warehouse(tmp_path / "whole.duckdb")
    _collect(whole, base)
    windowed = _warehouse(tmp_path / "windowed.duckdb")
    loaded = {}
    for window in reversed(MONTHS):  # newest first, as the backfill sensor asks for them
        stats, _ = _collect(windowed, base, window)
        loaded[window.key] = stats.prs_loaded
    # Each window loads only its own month's PRs.
    assert loaded["2026-01-01"] == 30 and loaded["2026-02-01"] == 28 and loaded["2026-10-01"] == 28
    assert sum(loaded.values()) == 300
    assert _contents(windowed) == _contents(whole)
    state = windowed.execute("select window_key, final, newest_updated from meta.github_windows "
                             "where window_key in ('2026-10-01', '2026-11-01') order by 1").fetchall()
    # October ended before the walk: final. November is still open; nothing in it yet.
    assert state == [("2026-10-01", True, datetime(2026, 10, 28)), ("2026-11-01", False, None)]


def test_a_final_window_costs_no_request_and_an_update_moves_a_pr_forward(api, tmp_path):
    fake, base = api
    con = _warehouse(tmp_path / "w.duckdb")
    january, october, november = MONTHS[0], MONTHS[9], MONTHS[10]
    first, requests = _collect(con, base, january)
    assert first.window_final and first.prs_loaded == 30
    assert requests == 3 + 30 * 3  # the list down to January (its last page), then files, reviews, comments

    again, requests = _collect(con, base, january)
    assert again.already_final and requests == 0

    # #5 (a January PR) is updated in November: it belongs to November's window now.
    fake.touch([5], when=datetime(2026, 11, 20, 12, tzinfo=UTC))
    refreshed, _ = _collect(con, base, november)
    assert (refreshed.prs_loaded, refreshed.window_final) == (1, False)
    assert con.execute("select updated_at from staging.github_pulls where number = 5").fetchone()[0] == datetime(
        2026, 11, 20, 12)
    quiet, requests = _collect(con, base, november)  # open window, nothing new: one list page
    assert (quiet.prs_loaded, quiet.prs_unchanged, requests) == (0, 1, 1)
    _collect(con, base, october)
    assert con.execute("select count(*), count(distinct number) from staging.github_pulls").fetchone() == (58, 58)


# Dagster: the windows as partitions (repo × window), and what starts their runs.

def _defs(database, base_url: str) -> dg.Definitions:
    base = build_definitions()
    return dg.Definitions(
        assets=list(base.assets), asset_checks=list(base.asset_checks), jobs=list(base.jobs),
        resources={**base.resources, "warehouse": WarehouseResource(database=str(database)),
                   "github_api": GitHubResource(repos=[REPO], api_url=base_url)})


@pytest.fixture
def github_config(tmp_path, monkeypatch):
    path = tmp_path / "pr_atlas.toml"
    path.write_text(f'[warehouse]\ndatabase = "{tmp_path / "w.duckdb"}"\n\n[[repos]]\nname = "{REPO}"\n'
                    f'github = true\n\n[sources]\ngithub_history_start = "2026-01-01"\n', encoding="utf-8")
    monkeypatch.setenv("PR_ATLAS_CONFIG", str(path))


def test_window_partitions_the_daily_schedule_and_status(api, tmp_path, github_config):
    _, base = api
    job = _defs(tmp_path / "w.duckdb", base).resolve_job_def("collect_github")
    tick = datetime(2026, 11, 21, 5, 0, tzinfo=UTC)
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("repo", [REPO])
        context = dg.build_schedule_context(instance=instance, scheduled_execution_time=tick)
        # October has not been walked since it ended: it is asked for with November.
        assert [(r.partition_key, r.run_key, r.tags["dagster/priority"]) for r in daily_github(context)] == [
            (f"{REPO}|2026-10-01", f"{REPO}|2026-10-01@2026-11-21", "1"),
            (f"{REPO}|2026-11-01", f"{REPO}|2026-11-01@2026-11-21", "1")]

        for window in ("2026-11-01", "2026-10-01", "2026-09-01"):
            result = job.execute_in_process(instance=instance, partition_key=window_key(REPO, window))
            assert result.success
        records = instance.fetch_materializations(dg.AssetRecordsFilter(
            asset_key=dg.AssetKey(["staging", "github"]), asset_partitions=[window_key(REPO, "2026-10-01")]), limit=1)
        assert records.records[0].asset_materialization.metadata["prs_loaded"].value == 28
        with connect(tmp_path / "w.duckdb", read_only=True) as con:  # the one record of finality
            assert con.execute("select final from meta.github_windows where window_key = '2026-10-01'").fetchone()[0]

        # October is final now: the next tick asks for November alone.
        assert [r.partition_key for r in daily_github(context)] == [f"{REPO}|2026-11-01"]

        github = next(r for r in collect_status(instance, now=tick) if r.source == "github")
        assert (github.repo, github.outcome, github.windows) == (REPO, "ok", "3/11 windows")


def test_the_backfill_sensor_asks_for_missing_windows_newest_first_a_batch_at_a_time(tmp_path, github_config):
    now = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)
    core_github = dg.AssetKey(["staging", "github"])
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("repo", [REPO, "acme/other"])
        for window in ("2026-11-01", "2026-09-01"):  # collected already
            instance.report_runless_asset_event(dg.AssetMaterialization(core_github, partition=window_key(REPO, window)))
        first = github_backfill(settings.current(), instance, [REPO], now, batch=4)
        assert [r.partition_key for r in first] == [
            f"{REPO}|{w}" for w in ("2026-10-01", "2026-08-01", "2026-07-01", "2026-06-01")]
        assert all(r.tags["pr_atlas/trigger"] == "backfill" for r in first)

        # While a window of the repo has a run not yet finished, the next batch waits; another repo does not.
        job = build_definitions().resolve_job_def("collect_github")
        instance.create_run_for_job(job_def=job, tags={"dagster/partition": window_key(REPO, "2026-10-01")})
        waiting = github_backfill(settings.current(), instance, [REPO, "acme/other"], now, batch=2)
        assert [r.partition_key for r in waiting] == ["acme/other|2026-11-01", "acme/other|2026-10-01"]

    sensor = next(s for s in build_definitions().sensors if s.name == "github_backfill")
    assert sensor.job_name == "collect_github"
    windows = collection_window(window_key(REPO, "2026-02-01"))
    assert windows == (REPO, Window("2026-02-01", datetime(2026, 2, 1), datetime(2026, 3, 1)))


def test_pr_atlas_ingest_runs_each_window_and_stops_a_repo_at_its_first_failing_one(api, tmp_path, github_config):
    _, base = api
    database = tmp_path / "w.duckdb"
    first = run_ingest(str(database), locations=[], github_repos=[REPO], github_api_url=base)
    assert first.success and first.row_counts["staging.github_pulls"] == 300
    windows = len(windows_until(datetime.now(UTC)))  # January 2026 to this month
    with duckdb.connect(str(database), read_only=True) as con:
        final, walked = con.execute("select count(*) filter (where final), count(*) from meta.github_windows").fetchone()
    assert walked == windows and final >= 10  # January to October at least; the current month stays open

    with ReplayServer() as gone:
        gone.route(r"/repos/.*", Recorded.json({"message": "Not Found"}, status=404))
        failed = run_ingest(str(tmp_path / "other.duckdb"), locations=[], github_repos=[REPO],
                            github_api_url=gone.base_url)
        list_requests = len(gone.paths(r"/repos/.*/pulls\?.*"))
    assert not failed.success and "not found" in failed.error
    assert failed.windows_not_tried == windows - 1
    assert f"{windows - 1} older GitHub window(s) left" in failed.line()
    assert list_requests == 1  # the newest window, once: no such repo cannot heal, so no retry and no other window
