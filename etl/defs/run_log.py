"""What each step leaves for the dashboard's data health page (meta.source_runs, meta.check_results), so
the page reads the warehouse alone and needs no access to Dagster's storage."""

from __future__ import annotations

import json

import dagster as dg

from etl.db import upsert_values, utc_now


def _plain(value):
    value = getattr(value, "value", value)  # MetadataValue wrappers hold the value in .value
    return value if isinstance(value, (str, int, float, bool, list, dict, type(None))) else str(value)


def record_source_run(con, source: str, run_id: str, summary: dict) -> None:
    upsert_values(con, "meta.source_runs", [
        (source, run_id, utc_now(), json.dumps({k: _plain(v) for k, v in summary.items()}, default=str))])


def record_checks(con, results: list[dg.AssetCheckResult], run_id: str) -> list[dg.AssetCheckResult]:
    """Store each result's outcome and return the results, so a step can `yield from` them."""
    now = utc_now()
    upsert_values(con, "meta.check_results", [
        (r.asset_key.to_user_string(), r.check_name, r.passed, r.severity.value,
         json.dumps({k: _plain(v) for k, v in (r.metadata or {}).items()}, default=str), run_id, now)
        for r in results])
    return results
