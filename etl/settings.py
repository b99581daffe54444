"""Deployment settings read from the environment, in one place, with their defaults."""

from __future__ import annotations

import os

from .db import database_path


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


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

