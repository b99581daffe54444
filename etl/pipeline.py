"""Run the whole ingestion in-process through Dagster (for `pr-atlas ingest` and tests) and summarise it."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime

import dagster as dg
import duckdb

from . import lake, settings
from .db import WarehouseBusy, connect, table_counts
from .definitions import build_definitions
from .defs.operations.jobs import COLLECTORS, GITHUB_COLLECTOR, REPO_COLLECTORS
from .defs.partitions import REPO_PARTITIONS, window_key, windows_until
from .defs.reports.assets import CORE_TABLES
from .defs.resources import (
    GitHistoryResource,
    GitHubResource,
    ReportSiteResource,
    ReportSourcesResource,
    WarehouseResource,
    resources_from_environment,
)

INGEST_JOB = "ingest_everything"
COLLECT_JOB = "collect_repo_in_process"
GITHUB_JOB = "collect_github_in_process"
SUMMARY_TABLES = ("raw.documents", *CORE_TABLES, "raw.github_responses", "core.github_pulls", "core.github_files",
                  "core.github_reviews", "core.git_commits", "core.git_commit_files")
PUBLIC_VIEWS = ("pull_requests", "pr_files", "pr_links", "regression_chains", "module_risk", "weekly_trends")


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


@dataclass
class IngestSummary:
    success: bool
    run_id: str
    documents_read: int = 0
    new_documents: int = 0
    parsed: int = 0
    quarantined: int = 0
    unread: int = 0  # entries of report locations found but not read (links, pipes, failed downloads ...)
    row_counts: dict[str, int] = field(default_factory=dict)
    failed_checks: list[str] = field(default_factory=list)
    check_warnings: list[str] = field(default_factory=list)
    error: str | None = None
    windows_not_tried: int = 0  # GitHub windows left for the next run after an earlier window of the repo failed

    def line(self) -> str:
        tables = ", ".join(f"{name.split('.')[-1]} {count}" for name, count in self.row_counts.items())
        checks = f"; FAILED checks: {', '.join(self.failed_checks)}" if self.failed_checks else ""
        checks += f"; check warnings: {', '.join(self.check_warnings)}" if self.check_warnings else ""
        status = "ok" if self.success else f"FAILED ({self.error})"
        if self.windows_not_tried:
            status += f"; {self.windows_not_tried} older GitHub window(s) left for the next run"
        unread = f", {self.unread} unread (see the quarantine view)" if self.unread else ""
        return (f"{status}: {self.documents_read} documents read, {self.new_documents} new, {self.parsed} parsed, "
                f"{self.quarantined} quarantined{unread} | rows: {tables}{checks}")


def _instance() -> dg.DagsterInstance:
    """The project's instance when DAGSTER_HOME is set (runs show in the UI), else a throwaway one."""
    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.ephemeral()


def run_ingest(database: str | None = None, locations: list[str] | None = None, include_sample: bool | None = None,
               default_repo: str | None = None, groups: list[str] | None = None, *,
               github_repos: list[str] | None = None, github_api_url: str | None = None,
               git_clones: list[str] | None = None, report_site: str | None = None,
               report_numbers: list[int] | None = None, collect_only: bool = False) -> IngestSummary:
    """Materialize every asset (or only the asset groups named) and run their checks, in-process. Arguments
    left as None keep what the environment configures. `collect_only` runs just the per-repo collectors, as a
    worker does when several collect at once into a DuckLake; the next full run parses and builds the marts."""
    resources = resources_from_environment()
    github: GitHubResource = resources["github_api"]
    if github_repos is not None or github_api_url:
        resources["github_api"] = GitHubResource(
            repos=github.repos if github_repos is None else github_repos, api_url=github_api_url or github.api_url,
            token=dg.EnvVar("GITHUB_TOKEN") if settings.github_token_is_set() else None)
    if git_clones is not None:
        resources["git_history"] = GitHistoryResource(
            clones=git_clones, default_repo=default_repo or resources["git_history"].default_repo)
    if report_site or report_numbers:
        site: ReportSiteResource = resources["report_site"]
        resources["report_site"] = ReportSiteResource(base_url=report_site or site.base_url,
                                                      numbers=report_numbers or [],
                                                      repo=default_repo or site.repo)
    warehouse: WarehouseResource = resources["warehouse"]
    sources: ReportSourcesResource = resources["report_sources"]
    if database:
        warehouse = WarehouseResource(database=database)
    if locations is not None or include_sample is not None or default_repo:
        sources = ReportSourcesResource(
            locations=locations if locations is not None else sources.locations,
            include_sample=bool(include_sample),
            default_repo=default_repo or sources.default_repo)

    base = build_definitions()
    selection = dg.AssetSelection.groups(*groups) if groups else dg.AssetSelection.all()
    defs = dg.Definitions(
        assets=list(base.assets or []), asset_checks=list(base.asset_checks or []),
        resources={**(base.resources or {}), **resources, "warehouse": warehouse, "report_sources": sources},
        jobs=[dg.define_asset_job(GITHUB_JOB, selection=selection & GITHUB_COLLECTOR),
              dg.define_asset_job(COLLECT_JOB, selection=selection & REPO_COLLECTORS),
              dg.define_asset_job(INGEST_JOB, selection=selection - COLLECTORS)],
        loggers={"progress": progress_logger},
    )
    repos = _repos_to_collect(resources)
    windows = _github_windows_to_collect(warehouse.database, resources["github_api"].repos)
    run_config = {"loggers": {"progress": {}}}
    tags = {"pr_atlas/trigger": "cli"}
    results = []
    with _instance() as instance:
        # One run per partition, as the schedule and the backfill sensor would start them: GitHub per repo and
        # window, git and the report site per repo; then one run for everything that follows.
        instance.add_dynamic_partitions(REPO_PARTITIONS.name, [r for r in repos if not instance.has_dynamic_partition(
            REPO_PARTITIONS.name, r)])
        def run(job: dg.JobDefinition, partition: str) -> bool:
            results.append(job.execute_in_process(instance=instance, run_config=run_config, tags=tags,
                                                  partition_key=partition, raise_on_error=False))
            return results[-1].success

        github, collect = defs.resolve_job_def(GITHUB_JOB), defs.resolve_job_def(COLLECT_JOB)
        failed_repos, not_tried = set(), 0
        for window in windows if github.asset_layer.executable_asset_keys else []:
            repo = window.keys_by_dimension["repo"]
            if repo in failed_repos:  # what failed one window (no network, bad token, no repo) fails the rest
                not_tried += 1
            elif not run(github, window):
                failed_repos.add(repo)
        for repo in repos if collect.asset_layer.executable_asset_keys else []:
            run(collect, repo)
        if not collect_only:
            results.append(defs.resolve_job_def(INGEST_JOB).execute_in_process(
                instance=instance, run_config=run_config, raise_on_error=False, tags=tags))
    summary = _summarise(results, warehouse.database)
    summary.windows_not_tried = not_tried
    return summary


def _github_windows_to_collect(database: str, repos: list[str]) -> list[dg.MultiPartitionKey]:
    """Each repo's GitHub windows, newest first, but those a complete walk after their end made final."""
    final = set()
    if repos and (lake.is_lake(database) or os.path.exists(database)):
        # Only to skip runs with nothing to do: a busy warehouse, or an older one without meta.github_windows,
        # leaves that to the runs themselves.
        with contextlib.suppress(WarehouseBusy, duckdb.CatalogException), connect(database, read_only=True) as con:
            final = set(con.execute("select repo, window_key from meta.github_windows where final").fetchall())
    now = datetime.now(UTC)
    return [window_key(repo, w) for repo in repos for w in reversed(windows_until(now)) if (repo, w) not in final]


def _repos_to_collect(resources: dict) -> list[str]:
    """Every repo some collector is configured for: GitHub, a clone, or report-site numbers."""
    github: GitHubResource = resources["github_api"]
    clones: GitHistoryResource = resources["git_history"]
    site: ReportSiteResource = resources["report_site"]
    repos = [*github.repos, *(repo for repo, _ in clones.clones_by_repo())]
    if site.base_url and site.repo:
        repos.append(site.repo)
    return list(dict.fromkeys(repos))


def _root_cause(error) -> str:
    """The innermost error's message, without Dagster's wrapping ("Error occurred while executing op")."""
    while error.cause is not None:
        error = error.cause
    return error.message.strip().split(": ", 1)[-1]


def _summarise(results: list, database: str) -> IngestSummary:
    summary = IngestSummary(success=all(r.success for r in results), run_id=results[-1].run_id)
    for result in results:
        _add_result(summary, result)
    if lake.is_lake(database) or os.path.exists(database):
        with connect(database, read_only=True) as con:
            summary.row_counts = table_counts(con, (*SUMMARY_TABLES, *(f"main.{v}" for v in PUBLIC_VIEWS)))
    return summary


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
