"""What starts runs besides the clock: repos added to pr_atlas.toml, report files dropped in a folder, and
the automation conditions that keep the marts following their sources."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import dagster as dg

from etl.config import load_config

from ..partitions import REPO_PARTITIONS
from . import jobs

REPORT_SUFFIXES = (".md", ".markdown", ".txt")


@dg.sensor(minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Adds a repo partition for every repo in pr_atlas.toml that has none yet.")
def repo_partitions(context: dg.SensorEvaluationContext):
    known = set(REPO_PARTITIONS.get_partition_keys(dynamic_partitions_store=context.instance))
    new = [repo for repo in load_config().repo_names if repo not in known]
    if not new:
        return dg.SkipReason("every configured repo has its partition")
    return dg.SensorResult(dynamic_partitions_requests=[REPO_PARTITIONS.build_add_request(new)])


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
