"""`pr-atlas status`: for each source (and each repo), the last run, its outcome, the rows it added, and
how old the data is, read from Dagster's own event log, the same record the web UI shows."""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import yaml
from dagster._core.instance.ref import InstanceRef

from . import settings
from .defs import keys
from .defs.partitions import REPO_PARTITIONS, repo_windows, window_key, windows_until

BY_REPO, BY_WINDOW = "repo", "repo × window"
# (label, asset, how it is partitioned): what a maintainer asks "did it run?" about.
SOURCES = (
    ("reports", keys.RAW_DOCUMENTS, None),
    ("parsed reports", keys.STAGING_REPORTS, None),
    ("github", keys.STAGING_GITHUB, BY_WINDOW),
    ("git", keys.STAGING_GIT, BY_REPO),
    ("report site", keys.RAW_REPORT_SITE, BY_REPO),
    ("marts", keys.PUBLIC_VIEWS, None),
    ("search index", keys.SEARCH_INDEX, None),
    ("dashboard snapshot", keys.SNAPSHOT, None),
)
FAILED_RUNS_LOOKED_AT = 50
ADDED = ("new_documents", "parsed", "prs_loaded")  # metadata that counts what a run added, where a step reports it


@dataclass
class SourceStatus:
    source: str
    repo: str | None
    last_run: datetime | None
    outcome: str  # ok | FAILED | never run | skipped
    rows_added: int | None
    rows: int | None
    age_hours: float | None
    fresh: bool | None
    error: str | None = None
    run_id: str | None = None
    windows: str | None = None  # GitHub: how many of the repo's windows are collected


def project_instance(home: Path) -> dg.DagsterInstance:
    """The instance `pr-atlas serve` and the Makefile use (settings.instance_home), with the relative folders
    of its dagster.yaml read against that folder rather than the working directory."""
    config = yaml.safe_load((home / "dagster.yaml").read_text(encoding="utf-8")) if (home / "dagster.yaml").exists() \
        else {}
    overrides = {}
    for section in ("storage", "local_artifact_storage", "compute_logs"):
        value = config.get(section)
        holder = (value or {}).get("sqlite") or (value or {}).get("config")
        if holder and "base_dir" in holder:
            holder["base_dir"] = str(home / holder["base_dir"])
            overrides[section] = value
    return dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home), overrides=overrides))


def collect_status(instance: dg.DagsterInstance, now: datetime | None = None) -> list[SourceStatus]:
    now = now or datetime.now(UTC)
    freshness_hours = settings.current().freshness_hours
    repos = REPO_PARTITIONS.get_partition_keys(dynamic_partitions_store=instance)
    failures = _latest_failures(instance)
    windows = windows_until(now)
    rows = []
    steps = _steps()
    for label, key, partitioning in SOURCES:
        step = steps[key]
        for repo in repos if partitioning else [None]:
            partitions = [window_key(repo, w) for w in windows] if partitioning == BY_WINDOW else [repo]
            status = _status(instance, label, key, failures.get((step, repo)), repo, partitions, now)
            if partitioning == BY_WINDOW:
                status.windows = _window_progress(instance, key, partitions)
            if label == "marts" and status.age_hours is not None:
                status.fresh = status.age_hours <= freshness_hours
            rows.append(status)
    return rows


def _window_progress(instance: dg.DagsterInstance, key: dg.AssetKey, partitions: list) -> str:
    """How far a repo's GitHub windows are: "35/35 windows", or "12/35 windows, 2 running, 1 failed"."""
    status = list((instance.get_status_by_partition(key, partitions, repo_windows()) or {}).values())
    done = status.count(dg.AssetPartitionStatus.MATERIALIZED)
    running = status.count(dg.AssetPartitionStatus.IN_PROGRESS)
    failed = status.count(dg.AssetPartitionStatus.FAILED)
    parts = [f"{done}/{len(partitions)} windows"]
    if running:
        parts.append(f"{running} running")
    if failed:
        parts.append(f"{failed} failed")
    return ", ".join(parts)


def _status(instance: dg.DagsterInstance, label: str, key: dg.AssetKey, failure, repo: str | None,
            partitions: list, now: datetime) -> SourceStatus:
    records_filter = dg.AssetRecordsFilter(asset_key=key, asset_partitions=partitions if repo else None)
    done = instance.fetch_materializations(records_filter, limit=2).records
    last = done[0] if done else None
    if failure and (not last or failure.timestamp > last.timestamp):
        return SourceStatus(label, repo, _time(failure.timestamp), "FAILED", None, None,
                            _hours(now, last.timestamp) if last else None, None, _message(failure), failure.run_id)
    if not last:
        return SourceStatus(label, repo, None, "never run", None, None, None, None)
    metadata = _metadata(last)
    count = metadata.get("dagster/row_count")
    added = next((metadata[k] for k in ADDED if k in metadata), None)
    if added is None and count is not None:
        previous = _metadata(done[1]).get("dagster/row_count") if len(done) > 1 else 0
        added = count - (previous or 0)
    outcome = "skipped" if "skipped" in metadata else "ok"
    return SourceStatus(label, repo, _time(last.timestamp), outcome, added, count, _hours(now, last.timestamp), None,
                        metadata.get("skipped"), last.run_id)


def _metadata(record) -> dict:
    materialization = record.asset_materialization
    return {k: v.value for k, v in (materialization.metadata if materialization else {}).items()}


@functools.cache
def _steps() -> dict[dg.AssetKey, str]:
    """The step (op) that writes each asset, as the loaded definitions name it."""
    from .definitions import build_definitions

    return {key: assets.node_def.name for assets in build_definitions().assets for key in assets.keys}


def _latest_failures(instance: dg.DagsterInstance) -> dict[tuple[str, str | None], object]:
    """The latest step failure per (step, repo), read once from the recent failed runs."""
    latest = {}
    failed = instance.get_run_records(dg.RunsFilter(statuses=[dg.DagsterRunStatus.FAILURE]),
                                      limit=FAILED_RUNS_LOOKED_AT)
    for record in failed:  # newest first: the first failure seen for a key is its latest
        tags = record.dagster_run.tags
        partition = tags.get("dagster/partition/repo") or tags.get("dagster/partition")
        for entry in instance.all_logs(record.dagster_run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE):
            latest.setdefault((entry.step_key, partition), entry)
    return latest


def _message(entry) -> str:
    error = entry.dagster_event.event_specific_data.error
    while error.cause is not None:
        error = error.cause
    return error.message.strip().splitlines()[0][:200]


def _time(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def _hours(now: datetime, timestamp: float) -> float:
    return round((now - _time(timestamp)).total_seconds() / 3600, 2)


def render(rows: list[SourceStatus]) -> str:
    header = ("source", "repo", "last run (UTC)", "outcome", "rows added", "rows", "age", "windows", "note")
    table = [header] + [(
        r.source, r.repo or "", r.last_run.strftime("%Y-%m-%d %H:%M") if r.last_run else "-", r.outcome,
        "" if r.rows_added is None else f"{r.rows_added:+d}" if r.rows_added else "0",
        "" if r.rows is None else str(r.rows),
        "" if r.age_hours is None else _age(r.age_hours) + ("" if r.fresh is None else " fresh" if r.fresh
                                                            else " STALE"),
        r.windows or "", r.error or "") for r in rows]
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    return "\n".join("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
                     for row in table)


def _age(hours: float) -> str:
    return f"{hours * 60:.0f} min" if hours < 1 else f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} d"


def as_json(rows: list[SourceStatus]) -> list[dict]:
    return [{**asdict(r), "last_run": r.last_run.isoformat() if r.last_run else None} for r in rows]


def healthy(rows: list[SourceStatus]) -> bool:
    """No source's latest run failed and the marts are not stale."""
    return not any(r.outcome == "FAILED" or r.fresh is False for r in rows)
