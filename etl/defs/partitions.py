"""How collection is split and retried: one partition per repo (added from pr_atlas.toml by the sensor
`repo_partitions`), so each repo collects, fails, retries and backfills on its own; GitHub's long history
is split again by time window (pull-request updated_at), so a first backfill runs in resumable pieces."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import cache

import dagster as dg

from etl import settings
from etl.settings import Settings
from etl.sources.github import Window
from etl.sources.http import FatalHttpError

REPO_PARTITIONS = dg.DynamicPartitionsDefinition(name="repo")

_WINDOW_KINDS = {"month": dg.MonthlyPartitionsDefinition, "week": dg.WeeklyPartitionsDefinition,
                 "day": dg.DailyPartitionsDefinition}


# Built from the settings when asked (when the definitions load, or a run plan is made), not when this module is
# imported, so that settings.use() reaches them; one object per window size and start, as Dagster compares them.
@cache
def _windows(kind: str, start: str) -> dg.TimeWindowPartitionsDefinition:
    # end_offset=1: the window still running is a partition too, the one the daily schedule collects.
    return _WINDOW_KINDS[kind](start_date=start, end_offset=1, timezone="UTC")


@cache
def _repo_windows(kind: str, start: str) -> dg.MultiPartitionsDefinition:
    return dg.MultiPartitionsDefinition({"repo": REPO_PARTITIONS, "window": _windows(kind, start)})


def github_windows(chosen: Settings | None = None) -> dg.TimeWindowPartitionsDefinition:
    """The GitHub collection windows of `chosen` (default: this process's settings)."""
    chosen = chosen or settings.current()
    return _windows(chosen.github_window, chosen.github_history_start)


def repo_windows(chosen: Settings | None = None) -> dg.MultiPartitionsDefinition:
    """One partition per repo and GitHub window."""
    chosen = chosen or settings.current()
    return _repo_windows(chosen.github_window, chosen.github_history_start)


def window_key(repo: str, window: str) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({"repo": repo, "window": window})


def collection_window(partition_key: dg.MultiPartitionKey, chosen: Settings | None = None) -> tuple[str, Window]:
    """The repo and the updated_at window (naive UTC, as the warehouse keeps times) a partition names."""
    window = partition_key.keys_by_dimension["window"]
    span = github_windows(chosen).time_window_for_partition_key(window)
    return partition_key.keys_by_dimension["repo"], Window(window, _naive(span.start), _naive(span.end))


def windows_until(now: datetime, chosen: Settings | None = None) -> list[str]:
    """Every window key from the configured history start to the one holding `now`, oldest first."""
    return list(github_windows(chosen).get_partition_keys(current_time=now))


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)

def collector_retry(chosen: Settings | None = None) -> dg.RetryPolicy:
    """Git and report sites fail in passing (5xx storms, resets): the whole step is tried again, later each
    time, with jitter so repos do not retry in step."""
    chosen = chosen or settings.current()
    return dg.RetryPolicy(max_retries=chosen.max_retries, delay=chosen.retry_delay_seconds,
                          backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)


STOPPED = "stopped by a signal; what was committed stays, and the next run goes on from there"


@contextmanager
def no_retry_when_fatal(*kinds: type[Exception]) -> Iterator[None]:
    """A collector error that no retry can heal (bad token, no such repo or host; or any of `kinds`) fails the
    step at once, with its one-line reason, instead of waiting out COLLECTOR_RETRY. So does a stop signal
    (Ctrl-C, SIGTERM): Dagster would otherwise take the interrupted step for a failed one and start it again
    under the retry policy, and the process would not stop."""
    try:
        yield
    except (FatalHttpError, *kinds) as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None
    except (KeyboardInterrupt, dg.DagsterExecutionInterruptedError):
        raise dg.Failure(description=STOPPED, allow_retries=False) from None


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
