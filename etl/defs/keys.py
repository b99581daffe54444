"""The asset keys that more than one module refers to (keys, not asset objects, so domains stay
independent): the one place a source's asset is named."""

import dagster as dg

RAW_DOCUMENTS = dg.AssetKey(["raw", "documents"])
RAW_REPORT_SITE = dg.AssetKey(["raw", "report_site"])
RAW_GITHUB = dg.AssetKey(["raw", "github_responses"])
RAW_GIT = dg.AssetKey(["raw", "git_logs"])
SNAPSHOT = dg.AssetKey(["serving", "snapshot"])

CORE_REPORTS = dg.AssetKey(["core", "reports"])
CORE_GITHUB = dg.AssetKey(["core", "github"])
CORE_GIT = dg.AssetKey(["core", "git"])
CORE_SZZ = dg.AssetKey(["core", "szz"])


def core_table_owner(table: str) -> dg.AssetKey:
    """The asset that writes core.<table>."""
    if table.startswith("github_"):
        return CORE_GITHUB
    if table.startswith("git_"):
        return CORE_GIT
    if table.startswith("szz_"):
        return CORE_SZZ
    return CORE_REPORTS

PUBLIC_VIEWS = dg.AssetKey(["public", "views"])
SEARCH_INDEX = dg.AssetKey(["search", "report_index"])
