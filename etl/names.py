"""The names of the sources and steps as the warehouse records them (meta.source_runs, meta.fetch_misses,
staging.text_claims). Asset keys are named in etl/defs/keys.py."""

REPORTS = "reports"
REPORT_SITE = "report_site"
GITHUB = "github"
GIT = "git"
METRICS = "metrics"
SEARCH = "search"
SNAPSHOT = "snapshot"


def per_repo(source: str, repo: str) -> str:
    """A collector's run, per repo: `github:owner/name`."""
    return f"{source}:{repo}"
