"""The run plan: which collection runs are due, for the daily schedules, the backfill and drop-folder
sensors and `pr-atlas ingest` alike. Each caller differs only in what it asks for:

- the schedule: every repo's git and report-site run, and each GitHub repo's windows of the last two periods
  that are not final (the previous one stays due until a walk after its end made it final);
- the backfill sensor: a batch of each repo's windows never collected, newest first;
- `pr-atlas ingest`: every window not final, newest first, then every repo, then the rest in one run;
- the risk schedule: one retraining of the regression-risk models per period (month or quarter).

Whether a window is final is read from the warehouse (meta.github_windows, written by the GitHub loader), the
one record of it; which report files changed, from meta.file_stats (written by the raw loader)."""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb

from etl import lake
from etl.db import WarehouseBusy, connect
from etl.settings import Settings

from ..keys import STAGING_GITHUB
from ..partitions import repo_windows, window_key, windows_until
from . import jobs

REPORT_SUFFIXES = (".md", ".markdown", ".txt")
BACKFILL_WINDOWS_PER_REPO = 12  # queued at a time; the next batch once these have run
COLLECT_GITHUB, COLLECT_REPO, INGEST_REPORT_FILES = (jobs.collect_github.name, jobs.collect_repo.name,
                                                     jobs.ingest_report_files.name)
RETRAIN_RISK = jobs.retrain_risk.name


@dataclass(frozen=True)
class PlannedRun:
    job: str
    partition_key: str | None = None
    run_key: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    run_config: dict = field(default_factory=dict)

    def request(self) -> dg.RunRequest:
        return dg.RunRequest(run_key=self.run_key, partition_key=self.partition_key, tags=self.tags,
                             run_config=self.run_config)


def _read(settings: Settings, sql: str) -> list[tuple]:
    """Rows from the warehouse, or none when it does not exist yet, is being written, or predates the table:
    the plan then asks for a little more than needed, never less."""
    target = settings.database
    catalog = lake.catalog_of(target) if lake.is_lake(target) else "file:" + target
    if catalog.startswith(("sqlite:", "file:")) and not Path(catalog.split(":", 1)[1]).exists():
        return []  # not created yet: opening it read-only would fail
    with contextlib.suppress(WarehouseBusy, duckdb.Error), connect(target, read_only=True) as con:
        return con.execute(sql).fetchall()
    return []


def final_windows(settings: Settings) -> set[tuple[str, str]]:
    return set(_read(settings, "select repo, window_key from meta.github_windows where final"))


def open_windows(settings: Settings, repo: str, now: datetime,
                 final: set[tuple[str, str]]) -> list[dg.MultiPartitionKey]:
    """The repo's windows from the history start to `now` that are not final, newest first."""
    return [window_key(repo, w) for w in reversed(windows_until(now, settings)) if (repo, w) not in final]


def daily_github(settings: Settings, repos: list[str], now: datetime, day: str) -> list[PlannedRun]:
    """The current window of each repo, and the previous one while it is not final. Ahead of the same
    tick's report-site runs in the queue: those look for the PRs GitHub just reported merged."""
    final, recent = final_windows(settings), set(windows_until(now, settings)[-2:])
    tags = {"pr_atlas/trigger": "schedule", "dagster/priority": "1"}
    return [PlannedRun(COLLECT_GITHUB, key, f"{key}@{day}", tags)
            for repo in repos for key in reversed(open_windows(settings, repo, now, final))
            if key.keys_by_dimension["window"] in recent]


def daily_repos(repos: list[str], day: str) -> list[PlannedRun]:
    return [PlannedRun(COLLECT_REPO, repo, f"{repo}@{day}", {"pr_atlas/trigger": "schedule"}) for repo in repos]


def github_backfill(settings: Settings, instance: dg.DagsterInstance, repos: list[str], now: datetime,
                    batch: int = BACKFILL_WINDOWS_PER_REPO) -> list[PlannedRun]:
    """For each repo, its open windows never collected, newest first (recent history is useful soonest),
    `batch` at a time: none while any window of the repo is still queued or running. A window that failed is
    left to its retries and to people (it shows in `pr-atlas status`), not asked for again here."""
    final, runs = final_windows(settings), []
    for repo in repos:
        keys = open_windows(settings, repo, now, final)
        status = instance.get_status_by_partition(STAGING_GITHUB, keys, repo_windows(settings)) or {}
        if any(s == dg.AssetPartitionStatus.IN_PROGRESS for s in status.values()):
            continue
        missing = [key for key in keys if status.get(key) is None][:batch]
        runs += [PlannedRun(COLLECT_GITHUB, key, tags={"pr_atlas/trigger": "backfill"}) for key in missing]
    return runs


def everything(settings: Settings, now: datetime) -> tuple[list[PlannedRun], list[PlannedRun]]:
    """What `pr-atlas ingest` runs before the rest: every open GitHub window (newest first), and every repo
    some collector is configured for."""
    final = final_windows(settings) if settings.github_repos else set()
    github = [PlannedRun(COLLECT_GITHUB, key, tags={"pr_atlas/trigger": "cli"})
              for repo in settings.github_repos for key in open_windows(settings, repo, now, final)]
    repos = list(dict.fromkeys([*settings.repo_names, *([settings.default_repo] if settings.report_site else [])]))
    return github, [PlannedRun(COLLECT_REPO, repo, tags={"pr_atlas/trigger": "cli"}) for repo in repos]


def risk_retraining(settings: Settings, now: datetime) -> list[PlannedRun]:
    """The retraining of the period `now` falls in (`[risk] retrain_every`), keyed by the period's start so that
    each period runs it once whichever tick asks first. Data that arrived meanwhile has already been scored by
    the runs it started; this run trains the version of a period that began, and catches up on anything a
    stopped sensor or a failed run left unscored."""
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if settings.retrain_every == "quarter":
        start = start.replace(month=(start.month - 1) // 3 * 3 + 1)
    return [PlannedRun(RETRAIN_RISK, run_key=f"retrain_risk@{start:%Y-%m-%d}",
                       tags={"pr_atlas/trigger": "schedule", "pr_atlas/period": f"{start:%Y-%m-%d}"})]


def changed_report_files(settings: Settings, folder: Path) -> list[tuple[str, int, int]]:
    """Report files in `folder` new or changed since the raw loader last read them (meta.file_stats):
    (path, size, mtime_ns). A file whose size or time changed is hashed: touched but the same bytes is not new."""
    known = {uri: (size, mtime, sha) for uri, size, mtime, sha in
             _read(settings, "select source_uri, byte_size, mtime_ns, sha256 from meta.file_stats")}
    changed = []
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        if not path.is_file() or path.suffix.lower() not in REPORT_SUFFIXES or path.name.startswith("."):
            continue
        stat, seen = path.stat(), known.get(str(path))
        if seen and seen[:2] == (stat.st_size, stat.st_mtime_ns):
            continue
        if seen and seen[0] == stat.st_size and hashlib.sha256(path.read_bytes()).hexdigest() == seen[2]:
            continue
        changed.append((str(path), stat.st_size, stat.st_mtime_ns))
    return changed


def report_file_runs(settings: Settings) -> list[PlannedRun]:
    """The drop folder's changed files, in runs of at most drop_max_files_per_run. A run's key is what it
    reads (paths, sizes, times), so a tick before the run has loaded them asks for nothing new."""
    changed, size = changed_report_files(settings, Path(settings.drop_folder)), settings.drop_max_files_per_run
    return [PlannedRun(INGEST_REPORT_FILES,
                       run_key=hashlib.sha256(json.dumps(batch).encode()).hexdigest()[:32],
                       run_config={"ops": {"raw__documents": {"config": {"files": [f for f, _, _ in batch]}}}},
                       tags={"pr_atlas/trigger": "drop_folder", "pr_atlas/files": str(len(batch))})
            for batch in (changed[i:i + size] for i in range(0, len(changed), size))]
