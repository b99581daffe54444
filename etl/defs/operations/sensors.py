"""What starts runs besides the clock: repos added to the settings, the GitHub windows of a repo's history
not yet collected, report files dropped in a folder, and the automation conditions that keep the marts
following their sources. What each asks for comes from the run plan (plan.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg

from etl import settings

from ..partitions import REPO_PARTITIONS
from . import jobs, plan


@dg.sensor(minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Adds a repo partition for every repo in pr_atlas.toml that has none yet.")
def repo_partitions(context: dg.SensorEvaluationContext):
    known = set(REPO_PARTITIONS.get_partition_keys(dynamic_partitions_store=context.instance))
    new = [repo for repo in settings.current().repo_names if repo not in known]
    if not new:
        return dg.SkipReason("every configured repo has its partition")
    return dg.SensorResult(dynamic_partitions_requests=[REPO_PARTITIONS.build_add_request(new)])


@dg.sensor(job=jobs.collect_github, minimum_interval_seconds=120, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Backfills each repo's GitHub history: the windows never collected (since "
                       "github_history_start in pr_atlas.toml), newest first, a batch of runs at a time.")
def github_backfill(context: dg.SensorEvaluationContext):
    current = settings.current()
    known = set(REPO_PARTITIONS.get_partition_keys(dynamic_partitions_store=context.instance))
    repos = [repo for repo in current.github_repos if repo in known]
    runs = plan.github_backfill(current, context.instance, repos, datetime.now(UTC))
    if not runs:
        return dg.SkipReason("every configured repo's GitHub windows are collected, failed or under way")
    return [run.request() for run in runs]


def report_drop_folder(context: dg.SensorEvaluationContext):
    current = settings.current()
    runs = plan.report_file_runs(current)
    if not runs:
        return dg.SkipReason(f"no new or changed report files in {current.drop_folder}")
    context.log.info(f"{sum(int(r.tags['pr_atlas/files']) for r in runs)} new or changed report file(s) "
                     f"in {len(runs)} run(s)")
    return [run.request() for run in runs]


marts_follow_sources = dg.AutomationConditionSensorDefinition(
    "marts_follow_sources", target=dg.AssetSelection.all(), minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts the parsing, mart, search-index and snapshot steps when what they read has changed.")


@dg.definitions
def defs() -> dg.Definitions:
    """The sensors; the drop folder's polling interval as the settings say when the definitions load."""
    drop_folder = dg.SensorDefinition(
        "report_drop_folder", evaluation_fn=report_drop_folder, job=jobs.ingest_report_files,
        minimum_interval_seconds=settings.current().drop_poll_seconds, default_status=dg.DefaultSensorStatus.RUNNING,
        description="Ingests report files that appear or change in the drop folder ([inbox] drop_folder in "
                    "pr_atlas.toml). Only those files are read; a burst is split into runs of at most "
                    "drop_max_files_per_run files.")
    return dg.Definitions(sensors=[repo_partitions, github_backfill, drop_folder, marts_follow_sources])
