"""What `pr-atlas ingest` (and the tests and benchmarks) run: the whole ingestion, in-process through Dagster
(etl/dagster_runs.py), unless the last complete run still stands because nothing it read has changed
(etl/last_run.py), which is told in a fraction of the time Dagster takes to load. Nothing here imports Dagster."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime

from . import lake, last_run, names, settings
from .db import connect, table_counts
from .settings import Settings
from .sources.report_files import configured_locations

SUMMARY_TABLES = ("raw.documents", *names.REPORT_TABLES, "raw.github_responses", "staging.github_pulls",
                  "staging.github_files", "staging.github_reviews", "staging.git_commits", "staging.git_commit_files")
PUBLIC_VIEWS = ("pull_requests", "pr_files", "pr_links", "regression_chains", "module_risk", "weekly_trends")
COUNTED = (*SUMMARY_TABLES, *(f"main.{view}" for view in PUBLIC_VIEWS))


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
    github_problems: int = 0  # GitHub PRs this run stored with warnings or noted as misses (list items included)
    step_seconds: dict[str, float] = field(default_factory=dict)  # wall time per Dagster step, summed over runs
    up_to_date_since: str | None = None  # set when no run was needed: when the run that still stands ended

    def line(self) -> str:
        tables = ", ".join(f"{name.split('.')[-1]} {count}" for name, count in self.row_counts.items())
        checks = f"; FAILED checks: {', '.join(self.failed_checks)}" if self.failed_checks else ""
        checks += f"; check warnings: {', '.join(self.check_warnings)}" if self.check_warnings else ""
        status = "ok" if self.success else f"FAILED ({self.error})"
        if self.up_to_date_since:
            status = f"up to date: nothing changed since run {self.run_id[:8]} ended at {self.up_to_date_since} UTC"
        if self.windows_not_tried:
            status += f"; {self.windows_not_tried} older GitHub window(s) left for the next run"
        if self.github_problems:
            status += (f"; {self.github_problems} GitHub PR(s) had problems, kept with warnings or noted to be "
                       f"asked again (views github_warnings, fetch_misses)")
        unread = f", {self.unread} unread (see the quarantine view)" if self.unread else ""
        return (f"{status}: {self.documents_read} documents read, {self.new_documents} new, {self.parsed} parsed, "
                f"{self.quarantined} quarantined{unread} | rows: {tables}{checks}")


def settings_for(database: str | None = None, locations: list[str] | None = None,
                 include_sample: bool | None = None, default_repo: str | None = None, *,
                 github_repos: list[str] | None = None, github_api_url: str | None = None,
                 git_clones: list[str] | None = None, report_site: str | None = None) -> Settings:
    """This process's settings with the command line's choices on top; None keeps what is configured. Naming
    GitHub repos or clones replaces the configured repos by exactly those."""
    base = settings.current()
    repos = {}
    if github_repos is not None or git_clones is not None:
        repos = {"repos": [], "extra_github_repos": base.github_repos if github_repos is None else github_repos,
                 "extra_git_clones": base.git_clones if git_clones is None else git_clones}
    return Settings.load(base.config_file, database=database, reports=locations, include_sample=include_sample,
                         default_repo=default_repo, github_api_url=github_api_url, report_site=report_site,
                         **repos)


def run_ingest(database: str | None = None, locations: list[str] | None = None, include_sample: bool | None = None,
               default_repo: str | None = None, groups: list[str] | None = None, *,
               github_repos: list[str] | None = None, github_api_url: str | None = None,
               git_clones: list[str] | None = None, report_site: str | None = None,
               report_numbers: list[int] | None = None, collect_only: bool = False,
               force: bool = False) -> IngestSummary:
    """`ingest` with settings_for(...) of the arguments."""
    chosen = settings_for(database, locations, include_sample, default_repo, github_repos=github_repos,
                          github_api_url=github_api_url, git_clones=git_clones, report_site=report_site)
    return ingest(chosen, groups=groups, report_numbers=report_numbers, collect_only=collect_only, force=force)


def ingest(chosen: Settings, *, groups: list[str] | None = None, report_numbers: list[int] | None = None,
           collect_only: bool = False, force: bool = False) -> IngestSummary:
    """Materialize every asset (or only the asset groups named) and run their checks, in-process; `collect_only`
    runs just the per-repo collectors, as a worker does when several collect at once into a DuckLake. A whole
    ingestion is not run when the last complete one still stands, unless `force`d."""
    if not (force or groups or report_numbers or collect_only):
        locations = configured_locations(chosen.reports, chosen.ingest_sample)
        if (last := last_run.still_current(chosen, locations, COUNTED)) is not None:
            return IngestSummary(success=True, run_id=last.run_id, documents_read=last.documents,
                                 row_counts=last.row_counts, failed_checks=last.failed_checks,
                                 check_warnings=last.check_warnings, up_to_date_since=last.finished_at)
    from .dagster_runs import run_everything  # Dagster loads in seconds: only when there is a run to make

    return run_everything(chosen, groups=groups, report_numbers=report_numbers, collect_only=collect_only)


# The PRs a run had problems with: warned about, or noted as a miss (a part, the PR, or its item of a list page).
GITHUB_PROBLEMS_SQL = """
select count(*) from (
    select repo, number::varchar from staging.github_warnings where loaded_at >= $since
    union
    select repo, coalesce(pr_number::varchar, url) from meta.fetch_misses
    where source = 'github' and seen_at >= $since and (pr_number is not null or url like '%#item-%')
)
"""


def summarise_counts(summary: IngestSummary, database: str, since: datetime | None = None) -> IngestSummary:
    """The summary with the warehouse's row counts filled in (when the warehouse exists), and the GitHub PRs
    with problems since `since` (naive UTC, the run's start)."""
    if lake.is_lake(database) or os.path.exists(database):
        with connect(database, read_only=True) as con:
            summary.row_counts = table_counts(con, COUNTED)
            if since is not None and "staging.github_warnings" in table_counts(con, ["staging.github_warnings"]):
                summary.github_problems = con.execute(GITHUB_PROBLEMS_SQL, {"since": since}).fetchone()[0]
    return summary
