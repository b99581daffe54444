"""The asset keys that more than one module refers to (keys, not asset objects, so domains stay
independent): the one place a source's asset is named."""

import dagster as dg

RAW_DOCUMENTS = dg.AssetKey(["raw", "documents"])
RAW_REPORT_SITE = dg.AssetKey(["raw", "report_site"])
RAW_GITHUB = dg.AssetKey(["raw", "github_responses"])
RAW_GIT = dg.AssetKey(["raw", "git_logs"])
SNAPSHOT = dg.AssetKey(["serving", "snapshot"])

STAGING_REPORTS = dg.AssetKey(["staging", "reports"])
STAGING_GITHUB = dg.AssetKey(["staging", "github"])
STAGING_GIT = dg.AssetKey(["staging", "git"])
STAGING_SZZ = dg.AssetKey(["staging", "szz"])
STAGING_TEXT_CLAIMS = dg.AssetKey(["staging", "text_claims"])

RISK_MODELS = dg.AssetKey(["risk", "model_versions"])
RISK_SCORES = dg.AssetKey(["risk", "pr_scores"])


def writers_of(table: str) -> list[dg.AssetKey]:
    """The assets that write a source table, as its definition in warehouse/schema says (`-- written by:`);
    none for a bookkeeping table every step writes (meta.source_runs)."""
    from etl.table_shapes import table_shapes

    shape = table_shapes().get(table)
    if shape is None:
        raise KeyError(f"{table} is not defined in warehouse/schema")
    return [dg.AssetKey(writer.split("/")) for writer in shape.writers]


PUBLIC_VIEWS = dg.AssetKey(["public", "views"])
SEARCH_INDEX = dg.AssetKey(["search", "report_index"])
