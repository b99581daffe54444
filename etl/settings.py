"""Deployment settings read from the environment, in one place, with their defaults."""

from __future__ import annotations

import os

from .db import database_path


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def _list(name: str) -> list[str]:
    """A list setting: items separated by commas or whitespace."""
    return [part for part in os.environ.get(name, "").replace(",", " ").split() if part]


def report_locations() -> list[str]:
    """PR_ATLAS_REPORTS: report folders, files or URLs, separated by the OS path separator."""
    value = os.environ.get("PR_ATLAS_REPORTS", "")
    return [part for part in value.split(os.pathsep) if part.strip()]


def include_sample_reports() -> bool:
    """PR_ATLAS_INCLUDE_SAMPLE: ingest the bundled sample reports; on by default only when no reports
    are configured, so a fresh `dg dev` has something to show."""
    return _flag("PR_ATLAS_INCLUDE_SAMPLE", default=not report_locations())


def default_repo() -> str | None:
    """PR_ATLAS_DEFAULT_REPO: the repository of reports that name none (PDF extracts without a header)."""
    return os.environ.get("PR_ATLAS_DEFAULT_REPO", "sgl-project/sglang") or None


def warehouse_database() -> str:
    return str(database_path())



def github_repos() -> list[str]:
    """PR_ATLAS_GITHUB_REPOS: owner/repo names to collect from the GitHub REST API."""
    return _list("PR_ATLAS_GITHUB_REPOS")


def github_api_url() -> str:
    """GITHUB_API_URL (the variable GitHub Actions sets): the REST API base, for GitHub Enterprise or a test server."""
    return os.environ.get("GITHUB_API_URL") or "https://api.github.com"


def git_clones() -> list[str]:
    """PR_ATLAS_GIT_CLONES: local clones to read history from, each PATH or OWNER/REPO=PATH."""
    return _list("PR_ATLAS_GIT_CLONES")


def report_site() -> str | None:
    """PR_ATLAS_REPORT_SITE: base URL of a site laid out as <base>/<owner>/<repo>/pull/<number>/report.md."""
    return os.environ.get("PR_ATLAS_REPORT_SITE") or None


def github_token_is_set() -> bool:
    """GITHUB_TOKEN is read by Dagster's EnvVar at run time; only its presence is checked here."""
    return bool(os.environ.get("GITHUB_TOKEN"))
