"""When collection runs by the clock: every configured repo once a day, each repo (and each GitHub window)
its own run, so a failing repo fails alone. Two schedules on the one cron of the settings, because a run
covers one partitions definition: GitHub is split by repo × window, git and the report site by repo. What
each tick asks for comes from the run plan (plan.py)."""

from __future__ import annotations

import dagster as dg

from etl import settings

from ..partitions import REPO_PARTITIONS
from . import jobs, plan


def _ready_repos(context: dg.ScheduleEvaluationContext, configured: list[str]) -> tuple[list[str], list[str]]:
    """The configured repos that have their partition, and those still waiting for the sensor to add it."""
    known = set(REPO_PARTITIONS.get_partition_keys(dynamic_partitions_store=context.instance))
    return [r for r in configured if r in known], [r for r in configured if r not in known]


def _requests(runs: list[plan.PlannedRun], waiting: list[str], context) -> list[dg.RunRequest] | dg.SkipReason:
    if not runs:
        return dg.SkipReason(f"no repo partitions yet (waiting for the sensor repo_partitions to add "
                             f"{', '.join(waiting) or 'repos from pr_atlas.toml'})")
    if waiting:
        context.log.info(f"not yet partitions, collected from the next tick: {', '.join(waiting)}")
    return [run.request() for run in runs]


def daily_github(context: dg.ScheduleEvaluationContext):
    current = settings.current()
    ready, waiting = _ready_repos(context, current.github_repos)
    tick = context.scheduled_execution_time
    return _requests(plan.daily_github(current, ready, tick, tick.strftime("%Y-%m-%d")), waiting, context)


def daily_git_and_reports(context: dg.ScheduleEvaluationContext):
    ready, waiting = _ready_repos(context, settings.current().repo_names)
    day = context.scheduled_execution_time.strftime("%Y-%m-%d")
    return _requests(plan.daily_repos(ready, day), waiting, context)


def risk_retraining(context: dg.ScheduleEvaluationContext):
    return [run.request() for run in plan.risk_retraining(settings.current(), context.scheduled_execution_time)]



@dg.definitions
def defs() -> dg.Definitions:
    """The schedules, on the clock the settings say when the definitions load (not when this module is imported)."""
    current = settings.current()
    clock = {"cron_schedule": current.daily_collection, "execution_timezone": current.timezone,
             "default_status": dg.DefaultScheduleStatus.RUNNING}
    return dg.Definitions(schedules=[
        dg.ScheduleDefinition(
            name="daily_github", execution_fn=daily_github, job=jobs.collect_github, **clock,
            description="Collect GitHub for every repo in pr_atlas.toml once a day: the current window, and the "
                        "previous one until it is final. A repo's older windows are its backfill (the sensor "
                        "github_backfill). One run per repo and window."),
        dg.ScheduleDefinition(
            name="daily_git_and_reports", execution_fn=daily_git_and_reports, job=jobs.collect_repo, **clock,
            description="Collect git history and report-site reports for every repo in pr_atlas.toml once a day, "
                        "one run per repo; the marts follow by their automation condition."),
        dg.ScheduleDefinition(
            name="risk_retraining", execution_fn=risk_retraining, job=jobs.retrain_risk, **clock,
            description="Retrain the regression-risk models once per month (or quarter: [risk] retrain_every in "
                        "pr_atlas.toml), at the first daily tick of the period; between retrainings the risk step "
                        "runs whenever its inputs changed."),
    ])
