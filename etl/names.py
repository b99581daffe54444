"""The names of the sources and steps as the warehouse records them (meta.source_runs, meta.fetch_misses,
staging.text_claims), and of the tables the report parser writes. Asset keys are named in etl/defs/keys.py."""

REPORTS = "reports"
REPORT_SITE = "report_site"
GITHUB = "github"
GIT = "git"
METRICS = "metrics"
SEARCH = "search"
SNAPSHOT = "snapshot"
RISK = "risk"

# The staging tables the report parser writes.
REPORT_TABLES = ("staging.report_versions", "staging.report_key_files", "staging.report_code_snippets",
                 "staging.report_review_highlights", "staging.report_risk_flags", "staging.report_references",
                 "staging.quarantine")


def per_repo(source: str, repo: str) -> str:
    """A collector's run, per repo: `github:owner/name`."""
    return f"{source}:{repo}"
