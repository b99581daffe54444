"""When collection runs by the clock: every configured repo once a day, each repo (and each GitHub window)
its own run, so a failing repo fails alone. Two schedules on the one cron of pr_atlas.toml, because a run
covers one partitions definition: GitHub is split by repo × window, git and the report site by repo."""

from __future__ import annotations

from datetime import datetime

import dagster as dg

from etl.config import load_config

from ..keys import CORE_GITHUB
from ..partitions import REPO_PARTITIONS, window_key, windows_until
from . import jobs

_config = load_config()
_PLAN = {"cron_schedule": _config.daily_cron, "execution_timezone": _config.timezone,
         "default_status": dg.DefaultScheduleStatus.RUNNING}


def _ready_repos(context: dg.ScheduleEvaluationContext, configured: list[str]) -> tuple[list[str], list[str]]:
    """The configured repos that have their partition, and those still waiting for the sensor to add it."""
    known = set(REPO_PARTITIONS.get_partition_keys(dynamic_partitions_store=context.instance))
    return [r for r in configured if r in known], [r for r in configured if r not in known]


def _skip_or(requests: list[dg.RunRequest], waiting: list[str], context) -> list[dg.RunRequest] | dg.SkipReason:
    if not requests:
        return dg.SkipReason(f"no repo partitions yet (waiting for the sensor repo_partitions to add "
                             f"{', '.join(waiting) or 'repos from pr_atlas.toml'})")
    if waiting:
        context.log.info(f"not yet partitions, collected from the next tick: {', '.join(waiting)}")
    return requests


def window_is_final(instance: dg.DagsterInstance, partition: dg.MultiPartitionKey) -> bool:
    """Whether the window's latest collection walked it completely after it ended (so nothing can join it)."""
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=CORE_GITHUB, asset_partitions=[partition]), limit=1).records
    metadata = records[0].asset_materialization.metadata if records else {}
    return bool(getattr(metadata.get("window_final"), "value", False))


def windows_to_refresh(instance: dg.DagsterInstance, repo: str, now: datetime) -> list[dg.MultiPartitionKey]:
    """The window holding `now`, and the one before until a walk after its end has made it final: a PR
    updated in the last hours of a window is otherwise never seen."""
    keys = [window_key(repo, w) for w in windows_until(now)[-2:]]
    return [key for key in keys[:-1] if not window_is_final(instance, key)] + keys[-1:]


@dg.schedule(job=jobs.collect_github, **_PLAN,
             description="Collect GitHub for every repo in pr_atlas.toml once a day: the current window, and the "
                         "previous one until it is final. A repo's older windows are its backfill (the sensor "
                         "github_backfill). One run per repo and window.")
def daily_github(context: dg.ScheduleEvaluationContext):
    ready, waiting = _ready_repos(context, load_config().github_repos)  # read at each tick: no reload needed
    day = context.scheduled_execution_time.strftime("%Y-%m-%d")
    # Ahead of the same tick's report-site runs in the queue: those look for the PRs GitHub just reported merged.
    tags = {"pr_atlas/trigger": "schedule", "dagster/priority": "1"}
    requests = [dg.RunRequest(run_key=f"{key}@{day}", partition_key=key, tags=tags)
                for repo in ready for key in windows_to_refresh(context.instance, repo,
                                                                context.scheduled_execution_time)]
    return _skip_or(requests, waiting, context)


@dg.schedule(job=jobs.collect_repo, **_PLAN,
             description="Collect git history and report-site reports for every repo in pr_atlas.toml once a day, "
                         "one run per repo; the marts follow by their automation condition.")
def daily_git_and_reports(context: dg.ScheduleEvaluationContext):
    ready, waiting = _ready_repos(context, load_config().repo_names)
    day = context.scheduled_execution_time.strftime("%Y-%m-%d")
    requests = [dg.RunRequest(run_key=f"{repo}@{day}", partition_key=repo, tags={"pr_atlas/trigger": "schedule"})
                for repo in ready]
    return _skip_or(requests, waiting, context)
