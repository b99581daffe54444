"""How collection is split and retried: one partition per repo (added from pr_atlas.toml by the sensor
`repo_partitions`), so each repo collects, fails, retries and backfills on its own."""

from __future__ import annotations

from datetime import timedelta

import dagster as dg

from etl.config import load_config

REPO_PARTITIONS = dg.DynamicPartitionsDefinition(name="repo")

# GitHub and report sites fail in passing (5xx storms, resets, secondary limits that outlast the client's own
# retries): the whole step is tried again, later each time, with jitter so repos do not retry in step.
_retries = load_config()
COLLECTOR_RETRY = dg.RetryPolicy(max_retries=_retries.max_retries, delay=_retries.retry_delay_seconds,
                                 backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)


def after_sources() -> dg.AutomationCondition:
    """Build once any upstream asset (or repo partition) has new data and none is still being written.
    Unlike `eager()`, a repo partition that never succeeded does not hold back everything downstream."""
    return (
        (dg.AutomationCondition.newly_missing() | dg.AutomationCondition.any_deps_updated()).since_last_handled()
        & ~dg.AutomationCondition.any_deps_in_progress()
        & ~dg.AutomationCondition.in_progress()
    ).with_label("after_sources")


def marts_freshness(hours: float) -> dg.FreshnessPolicy:
    """Stale (fail) after `hours` without a rebuild; a warning at two thirds of it."""
    return dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=hours),
                                          warn_window=timedelta(hours=hours * 2 / 3))
