"""Git domain: commit history and changed files of local clones, read with one streamed `git log`."""

from dataclasses import asdict

import dagster as dg

from etl.db import table_counts
from etl.defs.resources import GitHistoryResource, WarehouseResource
from etl.defs.run_log import record_source_run
from etl.ingest.git_history import load_history

from ..keys import CORE_GIT

RAW_GIT = dg.AssetKey(["raw", "git_logs"])


def _specs() -> list[dg.AssetSpec]:
    return [
        dg.AssetSpec(RAW_GIT, group_name="git", kinds={"duckdb"},
                     description="The `git log` output of each load, exactly as git wrote it."),
        dg.AssetSpec(CORE_GIT, group_name="git", kinds={"duckdb"},
                     description="Commits (core.git_commits, with the PR number of squash and merge commits) and "
                                 "their changed files with line counts (core.git_commit_files)."),
    ]


@dg.multi_asset(name="git", specs=_specs())
def git(context: dg.AssetExecutionContext, warehouse: WarehouseResource, git_history: GitHistoryResource):
    with warehouse.connection() as con:
        loads = [asdict(load_history(con, path, repo, run_id=context.run.run_id, progress=context.log.info))
                 for repo, path in git_history.clones_by_repo()]
        raw_rows = con.execute("select count(*) from raw.git_logs").fetchone()[0]
        counts = table_counts(con, ("core.git_commits", "core.git_commit_files"))
        record_source_run(con, "git", context.run.run_id, {"loads": loads, **counts})
    yield dg.MaterializeResult(asset_key=RAW_GIT, metadata={"dagster/row_count": raw_rows})
    yield dg.MaterializeResult(asset_key=CORE_GIT, metadata={
        "dagster/row_count": counts["core.git_commits"], "loads": dg.MetadataValue.json(loads),
        "row_counts": dg.MetadataValue.json(counts)})
