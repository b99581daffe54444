"""The settings the Dagster resources are built from: pr_atlas.toml with environment overrides
(etl/config.py), plus the few that only the environment sets."""

from __future__ import annotations

import os

from .config import load_config
from .db import warehouse_target


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def report_locations() -> list[str]:
    """Report folders, files or URLs ([sources] reports, or PR_ATLAS_REPORTS separated by the OS path separator)."""
    return list(load_config().reports)


def include_sample_reports() -> bool:
    """PR_ATLAS_INCLUDE_SAMPLE: ingest the bundled sample reports; on by default only when no reports
    are configured, so a fresh `dg dev` has something to show."""
    return _flag("PR_ATLAS_INCLUDE_SAMPLE", default=not report_locations())


def default_repo() -> str | None:
    return load_config().default_repo or None


def warehouse_database() -> str:
    return warehouse_target()


def github_repos() -> list[str]:
    return load_config().github_repos


def github_api_url() -> str:
    return load_config().github_api_url


def git_clones() -> list[str]:
    return load_config().git_clones


def report_site() -> str | None:
    return load_config().report_site or None


def github_token_is_set() -> bool:
    """GITHUB_TOKEN is read by Dagster's EnvVar at run time; only its presence is checked here."""
    return bool(os.environ.get("GITHUB_TOKEN"))
