"""Run the ingestion in-process through Dagster, with the runs the run plan gives for `pr-atlas ingest`, and
summarise what the runs did (etl/pipeline.py decides whether to run at all)."""

from __future__ import annotations

import logging
import os
import sys
from datetime import UTC, datetime

import dagster as dg

from . import settings
from .definitions import build_definitions
from .defs.operations import jobs, plan
from .defs.operations.jobs import COLLECTORS, GITHUB_COLLECTOR, REPO_COLLECTORS
from .defs.partitions import REPO_PARTITIONS
from .defs.resources import ReportSiteResource, resources_from
from .pipeline import IngestSummary, summarise_counts
from .processes import stop_requested
from .settings import Settings
from .status import project_instance

INGEST_JOB = "ingest_everything"


class _MessageOnly(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        meta = getattr(record, "dagster_meta", None) or {}
        step = meta.get("step_key") or ""
        return f"  {step + ': ' if step else ''}{meta.get('orig_message', record.getMessage())}"


@dg.logger(description="Progress lines only, without Dagster's event noise: for the command line.")
def progress_logger(_init_context) -> logging.Logger:
    logger = logging.getLogger("pr_atlas.progress")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_MessageOnly())
        logger.addHandler(handler)
    return logger


def _instance() -> dg.DagsterInstance:
    """The project's instance when DAGSTER_HOME is set (runs show in the UI), else a throwaway one."""
    if os.environ.get("DAGSTER_HOME"):
        return project_instance(settings.current().instance_home)
    return dg.DagsterInstance.ephemeral()


def run_everything(chosen: Settings, *, groups: list[str] | None = None, report_numbers: list[int] | None = None,
                   collect_only: bool = False) -> IngestSummary:
    """Materialize every asset (or only the asset groups named) and run their checks, in-process, with the runs
    the run plan gives for `pr-atlas ingest`. `collect_only` runs just the per-repo collectors, as a worker does
    when several collect at once into a DuckLake; the next full run parses and builds the marts."""
    resources = resources_from(chosen)
    if report_numbers:
        resources["report_site"] = ReportSiteResource(base_url=chosen.report_site or None, numbers=report_numbers,
                                                      repo=chosen.default_repo)
    base = build_definitions()
    selection = dg.AssetSelection.groups(*groups) if groups else dg.AssetSelection.all()
    defs = dg.Definitions(
        assets=list(base.assets or []), asset_checks=list(base.asset_checks or []),
        resources={**(base.resources or {}), **resources},
        jobs=[dg.define_asset_job(jobs.collect_github.name, selection=selection & GITHUB_COLLECTOR),
              dg.define_asset_job(jobs.collect_repo.name, selection=selection & REPO_COLLECTORS),
              dg.define_asset_job(INGEST_JOB, selection=selection - COLLECTORS)],
        loggers={"progress": progress_logger},
    )
    began = datetime.now(UTC)
    github_runs, repo_runs = plan.everything(chosen, began)
    run_config = {"loggers": {"progress": {}}}
    results = []
    with _instance() as instance:
        # One run per partition, as the schedule and the backfill sensor start them; then one run for the rest.
        partitions = [run.partition_key for run in repo_runs]
        instance.add_dynamic_partitions(REPO_PARTITIONS.name, [
            p for p in dict.fromkeys(partitions) if not instance.has_dynamic_partition(REPO_PARTITIONS.name, p)])

        def execute(run: plan.PlannedRun) -> bool:
            job = defs.resolve_job_def(run.job)
            if not job.asset_layer.executable_asset_keys:
                return True
            results.append(job.execute_in_process(instance=instance, run_config=run_config, tags=run.tags,
                                                  partition_key=run.partition_key, raise_on_error=False))
            if stop_requested():  # Dagster ends the run at a stop signal and reports it as a failure: go no further
                raise KeyboardInterrupt
            return results[-1].success

        failed_repos, not_tried = set(), 0
        for run in github_runs:
            repo = run.partition_key.keys_by_dimension["repo"]
            if repo in failed_repos:  # what failed one window (no network, bad token, no repo) fails the rest
                not_tried += 1
            elif not execute(run):
                failed_repos.add(repo)
        for run in repo_runs:
            execute(run)
        if not collect_only:
            execute(plan.PlannedRun(INGEST_JOB, tags={"pr_atlas/trigger": "cli"}))
        timings = _step_seconds(instance, [r.run_id for r in results])
    summary = _summarise(results, resources["warehouse"].database, began.replace(tzinfo=None))
    summary.step_seconds = timings
    summary.windows_not_tried = not_tried
    return summary


def _step_seconds(instance: dg.DagsterInstance, run_ids: list[str]) -> dict[str, float]:
    """Each step's wall time (start to success or failure), from the runs' event logs."""
    kinds = {dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE}
    seconds: dict[str, float] = {}
    for run_id in run_ids:
        started = {}
        for entry in instance.all_logs(run_id, of_type=kinds):
            if entry.dagster_event_type == dg.DagsterEventType.STEP_START:
                started[entry.step_key] = entry.timestamp
            elif entry.step_key in started:
                took = entry.timestamp - started.pop(entry.step_key)
                seconds[entry.step_key] = seconds.get(entry.step_key, 0.0) + took
    return dict(sorted(seconds.items(), key=lambda item: -item[1]))


def _root_cause(error) -> str:
    """The innermost error's message, without Dagster's wrapping ("Error occurred while executing op")."""
    while error.cause is not None:
        error = error.cause
    return error.message.strip().split(": ", 1)[-1]


def _summarise(results: list, database: str, since: datetime) -> IngestSummary:
    summary = IngestSummary(success=all(r.success for r in results), run_id=results[-1].run_id)
    for result in results:
        _add_result(summary, result)
    return summarise_counts(summary, database, since)


def _add_result(summary: IngestSummary, result) -> None:
    for event in result.get_asset_materialization_events():
        metadata = {k: v.value for k, v in event.materialization.metadata.items()}
        summary.documents_read += metadata.get("documents_read", 0)
        summary.new_documents += metadata.get("new_documents", 0)
        summary.parsed += metadata.get("parsed", 0)
        summary.quarantined += metadata.get("quarantined", 0)
        summary.unread += metadata.get("unread", 0)
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed:
            warn = evaluation.severity == dg.AssetCheckSeverity.WARN
            (summary.check_warnings if warn else summary.failed_checks).append(evaluation.check_name)
    if not result.success and summary.error is None:
        failures = [e for e in result.all_events if e.is_step_failure]
        partition = result.dagster_run.tags.get("dagster/partition")
        error = _root_cause(failures[0].event_specific_data.error) if failures else "run failed"
        summary.error = f"{partition}: {error}" if partition else error
