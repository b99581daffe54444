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


def staging_table_owner(table: str) -> dg.AssetKey:
    """The asset that writes staging.<table>."""
    if table.startswith("github_"):
        return STAGING_GITHUB
    if table.startswith("git_"):
        return STAGING_GIT
    if table.startswith("szz_"):
        return STAGING_SZZ
    if table == "text_claims":
        return STAGING_TEXT_CLAIMS
    return STAGING_REPORTS


def risk_table_owner(table: str) -> dg.AssetKey:
    """The asset that writes risk.<table>."""
    return RISK_MODELS if table == "model_versions" else RISK_SCORES


PUBLIC_VIEWS = dg.AssetKey(["public", "views"])
SEARCH_INDEX = dg.AssetKey(["search", "report_index"])
