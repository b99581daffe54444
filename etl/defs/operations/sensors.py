"""What starts runs besides the clock: repos added to pr_atlas.toml, the GitHub windows of a repo's history
not yet collected, report files dropped in a folder, and the automation conditions that keep the marts
following their sources."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from etl.config import load_config

from ..keys import CORE_GITHUB
from ..partitions import REPO_PARTITIONS, REPO_WINDOWS, window_key, windows_until
from . import jobs

REPORT_SUFFIXES = (".md", ".markdown", ".txt")
BACKFILL_WINDOWS_PER_REPO = 12  # queued at a time; the next batch once these have run


@dg.sensor(minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Adds a repo partition for every repo in pr_atlas.toml that has none yet.")
def repo_partitions(context: dg.SensorEvaluationContext):
    known = set(REPO_PARTITIONS.get_partition_keys(dynamic_partitions_store=context.instance))
    new = [repo for repo in load_config().repo_names if repo not in known]
    if not new:
        return dg.SkipReason("every configured repo has its partition")
    return dg.SensorResult(dynamic_partitions_requests=[REPO_PARTITIONS.build_add_request(new)])


def backfill_requests(instance: dg.DagsterInstance, repos: list[str], now: datetime,
                      batch: int = BACKFILL_WINDOWS_PER_REPO) -> list[dg.RunRequest]:
    """For each repo, its GitHub windows never collected, newest first (recent history is useful soonest),
    `batch` at a time: none while any window of the repo is still queued or running. A window that failed
    is left to its retries and to people (it shows in `pr-atlas status`), not asked for again here."""
    windows = windows_until(now)[::-1]
    requests = []
    for repo in repos:
        keys = [window_key(repo, w) for w in windows]
        status = instance.get_status_by_partition(CORE_GITHUB, keys, REPO_WINDOWS) or {}
        if any(s == dg.AssetPartitionStatus.IN_PROGRESS for s in status.values()):
            continue
        missing = [key for key in keys if status.get(key) is None][:batch]
        requests += [dg.RunRequest(partition_key=key, tags={"pr_atlas/trigger": "backfill"}) for key in missing]
    return requests


@dg.sensor(job=jobs.collect_github, minimum_interval_seconds=120, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Backfills each repo's GitHub history: the windows never collected (since "
                       "github_history_start in pr_atlas.toml), newest first, a batch of runs at a time.")
def github_backfill(context: dg.SensorEvaluationContext):
    known = set(REPO_PARTITIONS.get_partition_keys(dynamic_partitions_store=context.instance))
    repos = [repo for repo in load_config().github_repos if repo in known]
    requests = backfill_requests(context.instance, repos, datetime.now(UTC))
    if not requests:
        return dg.SkipReason("every configured repo's GitHub windows are collected, failed or under way")
    return requests


def _fingerprint(path: Path, stat, remembered: list | None) -> str:
    """The file's sha256, reusing the remembered one when size and mtime are unchanged."""
    if remembered and remembered[0] == stat.st_size and remembered[1] == stat.st_mtime_ns:
        return remembered[2]
    return hashlib.sha256(path.read_bytes()).hexdigest()


def changed_report_files(folder: Path, cursor: dict[str, list]) -> tuple[list[str], dict[str, list]]:
    """Files in `folder` that are new or whose content changed since `cursor` ({path: [size, mtime_ns, sha256]}),
    and the cursor after them. A file touched but not changed is not new."""
    seen, changed = {}, []
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        if not path.is_file() or path.suffix.lower() not in REPORT_SUFFIXES or path.name.startswith("."):
            continue
        stat = path.stat()
        key = str(path)
        sha = _fingerprint(path, stat, cursor.get(key))
        seen[key] = [stat.st_size, stat.st_mtime_ns, sha]
        if key not in cursor or cursor[key][2] != sha:
            changed.append(key)
    return changed, seen


@dg.sensor(job=jobs.ingest_report_files, minimum_interval_seconds=load_config().drop_poll_seconds,
           default_status=dg.DefaultSensorStatus.RUNNING,
           description="Ingests report files that appear or change in the drop folder ([drop_folder] in "
                       "pr_atlas.toml). Only those files are read; a burst is split into runs of at most "
                       "max_files_per_run files.")
def report_drop_folder(context: dg.SensorEvaluationContext):
    config = load_config()
    cursor = json.loads(context.cursor) if context.cursor else {}
    changed, seen = changed_report_files(config.drop_folder, cursor)
    if not changed:
        return dg.SensorResult(skip_reason=f"no new or changed report files in {config.drop_folder}",
                               cursor=json.dumps(seen))
    size = config.drop_max_files_per_run
    batches = [changed[i:i + size] for i in range(0, len(changed), size)]
    requests = [
        dg.RunRequest(
            run_key=hashlib.sha256(json.dumps([(f, seen[f][2]) for f in batch]).encode()).hexdigest()[:32],
            run_config={"ops": {"raw__documents": {"config": {"files": batch}}}},
            tags={"pr_atlas/trigger": "drop_folder", "pr_atlas/files": str(len(batch))})
        for batch in batches]
    context.log.info(f"{len(changed)} new or changed report file(s) in {len(requests)} run(s)")
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(seen))


marts_follow_sources = dg.AutomationConditionSensorDefinition(
    "marts_follow_sources", target=dg.AssetSelection.all(), minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts the parsing, mart, search-index and snapshot steps when what they read has changed.")
