"""Git domain: commit history and changed files of local clones, read with one streamed `git log`."""

from dataclasses import asdict

import dagster as dg

from etl import names, settings
from etl.db import APPEND_MEMORY_LIMIT, table_counts
from etl.defs.resources import GitHistoryResource, WarehouseResource
from etl.defs.run_log import record_source_run
from etl.ingest.git_history import load_history
from etl.ingest.szz import analyse

from ..keys import RAW_GIT, STAGING_GIT, STAGING_GITHUB, STAGING_REPORTS, STAGING_SZZ, STAGING_TEXT_CLAIMS
from ..partitions import REPO_PARTITIONS, after_sources, collector_retry, no_retry_when_fatal


def _specs() -> list[dg.AssetSpec]:
    return [
        dg.AssetSpec(RAW_GIT, group_name="git", kinds={"duckdb"},
                     description="The `git log` output of each load, exactly as git wrote it."),
        dg.AssetSpec(STAGING_GIT, group_name="git", kinds={"duckdb"},
                     description="Commits (staging.git_commits, with the PR number of squash and merge commits) and "
                                 "their changed files with line counts (staging.git_commit_files)."),
    ]


def _load(context: dg.AssetExecutionContext, warehouse: WarehouseResource, git_history: GitHistoryResource):
    repo = context.partition_key
    clones = [(name, path) for name, path in git_history.clones_by_repo() if name == repo]
    if not clones:
        context.log.info(f"{repo}: no local clone configured")
        for key in (RAW_GIT, STAGING_GIT):
            yield dg.MaterializeResult(asset_key=key, metadata={"skipped": "no local clone configured"})
        return
    with warehouse.connection() as con, no_retry_when_fatal():
        loads = [asdict(load_history(con, path, name, run_id=context.run.run_id, progress=context.log.info,
                                    memory_limit=warehouse.step_memory_limit(APPEND_MEMORY_LIMIT)))
                 for name, path in clones]
        raw_rows = con.execute("select count(*) from raw.git_logs").fetchone()[0]
        counts = table_counts(con, ("staging.git_commits", "staging.git_commit_files"))
        record_source_run(con, names.per_repo(names.GIT, repo), context.run.run_id, {"loads": loads, **counts})
    yield dg.MaterializeResult(asset_key=RAW_GIT, metadata={"dagster/row_count": raw_rows})
    yield dg.MaterializeResult(asset_key=STAGING_GIT, metadata={
        "dagster/row_count": counts["staging.git_commits"], "loads": dg.MetadataValue.json(loads),
        "row_counts": dg.MetadataValue.json(counts)})


@dg.asset(key=STAGING_SZZ, deps=[STAGING_GIT, STAGING_GITHUB, STAGING_REPORTS, STAGING_TEXT_CLAIMS], group_name="git",
          kinds={"duckdb", "git"},
          automation_condition=after_sources(),
          description="Line history (SZZ) for every PR some source calls a fix or a revert: the PRs that wrote the "
                      "lines its commit deleted or changed (staging.szz_candidates); each fix commit is blamed once "
                      "(meta.szz_fixes).")
def szz(context: dg.AssetExecutionContext, warehouse: WarehouseResource, git_history: GitHistoryResource):
    results = {}
    with warehouse.connection() as con:
        for repo, path in git_history.clones_by_repo():
            results[repo] = asdict(analyse(con, repo, path, progress=context.log.info))
        rows = con.execute("select count(*) from staging.szz_candidates").fetchone()[0]
    return dg.MaterializeResult(metadata={"dagster/row_count": rows, "by_repo": dg.MetadataValue.json(results)})


@dg.definitions
def defs() -> dg.Definitions:
    """The domain's assets; the git step's retries as the settings say when the definitions load."""

    @dg.multi_asset(name="git", specs=_specs(), partitions_def=REPO_PARTITIONS,
                    retry_policy=collector_retry(settings.current()))
    def git(context: dg.AssetExecutionContext, warehouse: WarehouseResource, git_history: GitHistoryResource):
        yield from _load(context, warehouse, git_history)

    return dg.Definitions(assets=[git, szz])
