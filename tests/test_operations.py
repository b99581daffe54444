"""Unattended operation, in process with Dagster's own test utilities and throwaway instances: the daily
schedule's run requests, the drop-folder sensor with its cursor and a burst, a failing repo partition beside
a succeeding one (retried, then shown by `pr-atlas status`), and the run queue's limit from dagster.yaml."""

import os
import sys
from datetime import datetime
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.storage.dagster_run import DagsterRunStatus
from dagster._core.test_utils import create_test_daemon_workspace_context, load_remote_repo
from dagster._core.workspace.load_target import ModuleTarget
from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import QueuedRunCoordinatorDaemon

from etl import settings
from etl.db import connect
from etl.definitions import build_definitions
from etl.defs.operations.jobs import COLLECTORS
from etl.defs.operations.schedules import daily_git_and_reports, daily_github, risk_retraining
from etl.defs.operations.sensors import repo_partitions, report_drop_folder
from etl.defs.resources import GitHistoryResource, ReportSourcesResource, WarehouseResource
from etl.status import collect_status, healthy, render

from .conftest import PROJECT_ROOT, SAMPLES

sys.path.insert(0, str(PROJECT_ROOT / "bench"))
from synthetic_git import build_repo  # noqa: E402


@pytest.fixture
def config_file(tmp_path, monkeypatch):
    """A pr_atlas.toml of the test's own, with two repos and a drop folder."""
    def write(repos=("acme/alpha", "acme/beta"), drop=None, max_files=500, database=None):
        path = tmp_path / "pr_atlas.toml"
        lines = [f'[warehouse]\ndatabase = "{database or tmp_path / "settings.duckdb"}"\n']
        lines += [f'[[repos]]\nname = "{r}"\ngithub = false\n' for r in repos]
        lines.append(f'[inbox]\ndrop_folder = "{drop or tmp_path / "inbox"}"\ndrop_max_files_per_run = {max_files}\n')
        path.write_text("\n".join(lines), encoding="utf-8")
        monkeypatch.setenv("PR_ATLAS_CONFIG", str(path))
        return path
    return write


def test_daily_schedule_requests_one_run_per_configured_repo(config_file):
    config_file()
    tick = datetime(2026, 11, 21, 5, 0)
    with dg.instance_for_test() as instance:
        first = daily_git_and_reports(dg.build_schedule_context(instance=instance, scheduled_execution_time=tick))
        assert isinstance(first, dg.SkipReason) and "acme/alpha" in first.skip_message

        added = repo_partitions(dg.build_sensor_context(instance=instance))
        assert added.dynamic_partitions_requests[0].partition_keys == ["acme/alpha", "acme/beta"]
        instance.add_dynamic_partitions("repo", ["acme/alpha", "acme/beta"])
        assert isinstance(repo_partitions(dg.build_sensor_context(instance=instance)), dg.SkipReason)

        requests = daily_git_and_reports(dg.build_schedule_context(instance=instance, scheduled_execution_time=tick))
        assert [(r.partition_key, r.run_key) for r in requests] == [
            ("acme/alpha", "acme/alpha@2026-11-21"), ("acme/beta", "acme/beta@2026-11-21")]
        # GitHub is off for both repos here (its windows are tested in test_github_windows.py).
        assert isinstance(daily_github(dg.build_schedule_context(instance=instance, scheduled_execution_time=tick)),
                          dg.SkipReason)
    schedules = {s.name: (s.job_name, s.cron_schedule) for s in build_definitions().schedules}
    assert schedules == {"daily_git_and_reports": ("collect_repo", "0 5 * * *"),
                         "daily_github": ("collect_github", "0 5 * * *"),
                         "risk_retraining": ("retrain_risk", "0 5 * * *")}


def test_the_risk_models_are_retrained_once_per_period(config_file, monkeypatch):
    config_file()
    with dg.instance_for_test() as instance:
        def keys(tick):
            return [r.run_key for r in risk_retraining(dg.build_schedule_context(instance=instance,
                                                                                 scheduled_execution_time=tick))]
        # every tick of a month asks for the same run: Dagster starts a run key once
        assert keys(datetime(2026, 11, 2, 5)) == keys(datetime(2026, 11, 30, 5)) == ["retrain_risk@2026-11-01"]
        assert keys(datetime(2026, 12, 1, 5)) == ["retrain_risk@2026-12-01"]
        monkeypatch.setenv("PR_ATLAS_RETRAIN_EVERY", "quarter")
        settings.use(None)
        assert keys(datetime(2026, 11, 2, 5)) == keys(datetime(2026, 12, 31, 5)) == ["retrain_risk@2026-10-01"]


def _write_reports(folder: Path, count: int, start: int = 0) -> list[Path]:
    """`count` distinct reports: the sample report with a PR number of its own."""
    template = sorted((SAMPLES / "rendered").glob("*.txt"))[0].read_text(encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(start, start + count):
        path = folder / f"batch/report_{n:05d}.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_text(template + f"\n\n<!-- copy {n} -->\n", encoding="utf-8")
        paths.append(path)
    return paths


def test_drop_folder_sensor_asks_for_what_the_loader_has_not_read_in_few_runs(config_file, tmp_path):
    """Which files changed is read from the one record of what was read (meta.file_stats), not a cursor."""
    inbox, database = tmp_path / "inbox", tmp_path / "w.duckdb"
    config_file(drop=inbox, max_files=400, database=database)
    files = _write_reports(inbox, 1000)
    job = _definitions(database).resolve_job_def("ingest_report_files")
    with dg.instance_for_test() as instance:
        burst = report_drop_folder(dg.build_sensor_context(instance=instance))
        batches = [r.run_config["ops"]["raw__documents"]["config"]["files"] for r in burst]
        assert [len(b) for b in batches] == [400, 400, 200]  # 1,000 files, 3 runs
        assert sorted(f for b in batches for f in b) == sorted(str(p) for p in files)
        assert len({r.run_key for r in burst}) == 3
        # A tick before the runs have loaded anything asks for the same runs (Dagster skips a known run key).
        again = report_drop_folder(dg.build_sensor_context(instance=instance))
        assert [r.run_key for r in again] == [r.run_key for r in burst]

        for request in burst:
            assert job.execute_in_process(instance=instance, run_config=request.run_config).success
        assert isinstance(report_drop_folder(dg.build_sensor_context(instance=instance)), dg.SkipReason)
        os.utime(files[0])  # touched, same bytes: not new
        assert isinstance(report_drop_folder(dg.build_sensor_context(instance=instance)), dg.SkipReason)
        files[1].write_text(files[1].read_text(encoding="utf-8") + "\nedited\n", encoding="utf-8")
        new = _write_reports(inbox, 1, start=5000)
        changed = report_drop_folder(dg.build_sensor_context(instance=instance))
        assert [r.run_config["ops"]["raw__documents"]["config"]["files"] for r in changed] == [
            sorted([str(files[1]), str(new[0])])]

        # The run a request starts reads just its files.
        with connect(database, read_only=True) as con:
            before = con.execute("select count(*) from raw.documents").fetchone()[0]
        assert job.execute_in_process(instance=instance, run_config=changed[0].run_config).success
        with connect(database, read_only=True) as con:
            added = {r[0] for r in con.execute("select source_uri from raw.documents order by received_at desc "
                                               "limit 2").fetchall()}
            assert con.execute("select count(*) from raw.documents").fetchone()[0] == before + 2
        assert added == {str(files[1]), str(new[0])}


def _definitions(database: Path, clones: list[str] | None = None) -> dg.Definitions:
    base = build_definitions()
    return dg.Definitions(
        assets=list(base.assets), asset_checks=list(base.asset_checks), jobs=list(base.jobs),
        resources={**base.resources, "warehouse": WarehouseResource(database=str(database)),
                   "report_sources": ReportSourcesResource(locations=[str(SAMPLES)]),
                   "git_history": GitHistoryResource(clones=clones or [])})


def test_a_failing_repo_partition_is_retried_and_fails_alone(tmp_path):
    database = tmp_path / "w.duckdb"
    good = build_repo(tmp_path / "alpha", 200, seed=3)
    defs = _definitions(database, clones=[f"acme/alpha={good}", f"acme/beta={tmp_path / 'no-such-clone'}"])
    collect = defs.resolve_job_def("collect_repo")
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("repo", ["acme/alpha", "acme/beta"])
        results = {repo: collect.execute_in_process(instance=instance, partition_key=repo, raise_on_error=False)
                   for repo in ("acme/alpha", "acme/beta")}
        assert results["acme/alpha"].success and not results["acme/beta"].success
        restarts = [e for e in results["acme/beta"].all_events if e.event_type == dg.DagsterEventType.STEP_RESTARTED]
        assert len(restarts) == 1  # tests/pr_atlas.test.toml: one retry, no delay

        # The rest of the warehouse is built from the repo that succeeded.
        everything_else = dg.define_asset_job("rest", selection=dg.AssetSelection.all() - COLLECTORS)
        rest = dg.Definitions.merge(defs, dg.Definitions(jobs=[everything_else])).resolve_job_def("rest")
        assert rest.execute_in_process(instance=instance).success
        with connect(database, read_only=True) as con:
            assert con.execute("select count(*) from pull_requests where repo = 'acme/alpha'").fetchone()[0] > 0

        rows = {(r.source, r.repo): r for r in collect_status(instance)}
        assert rows["git", "acme/alpha"].outcome == "ok" and rows["git", "acme/alpha"].rows_added > 0
        assert rows["git", "acme/beta"].outcome == "FAILED"
        assert "no-such-clone" in rows["git", "acme/beta"].error
        assert rows["marts", None].outcome == "ok" and rows["marts", None].fresh
        assert not healthy(list(rows.values()))
        table = render(list(rows.values()))
        assert "acme/beta" in table and "FAILED" in table


def test_the_run_queue_launches_one_run_at_a_time():
    """The queue settings of the project's own dagster.yaml, on a throwaway instance, with the daemon's run
    coordinator run for one iteration (the launcher records runs instead of starting processes)."""
    settings = yaml.safe_load((PROJECT_ROOT / "dagster.yaml").read_text(encoding="utf-8"))
    overrides = {"concurrency": settings["concurrency"],
                 "run_launcher": {"module": "dagster._core.test_utils", "class": "MockedRunLauncher"}}
    with dg.instance_for_test(overrides=overrides) as instance:
        target = ModuleTarget(module_name="etl.definitions", attribute="defs", working_directory=str(PROJECT_ROOT),
                              location_name="main")
        with create_test_daemon_workspace_context(target, instance) as workspace:
            remote_job = load_remote_repo(workspace, "__repository__").get_full_job("collect_repo")
            job = build_definitions().resolve_job_def("collect_repo")
            repos = ["acme/alpha", "acme/beta", "acme/gamma"]
            instance.add_dynamic_partitions("repo", repos)
            for repo in repos:
                instance.create_run_for_job(job_def=job, remote_job_origin=remote_job.get_remote_origin(),
                                            job_code_origin=remote_job.get_python_origin(),
                                            status=DagsterRunStatus.QUEUED, tags={"dagster/partition": repo})
            list(QueuedRunCoordinatorDaemon(interval_seconds=1).run_iteration(workspace))
            statuses = sorted(r.status.value for r in instance.get_runs())
            assert statuses == ["QUEUED", "QUEUED", "STARTING"]
            assert len(instance.run_launcher.queue()) == 1
            # Another pass launches nothing while that run is not finished.
            list(QueuedRunCoordinatorDaemon(interval_seconds=1).run_iteration(workspace))
            assert len(instance.run_launcher.queue()) == 1
