"""How collection is split and retried: one partition per repo (added from pr_atlas.toml by the sensor
`repo_partitions`), so each repo collects, fails, retries and backfills on its own; GitHub's long history
is split again by time window (pull-request updated_at), so a first backfill runs in resumable pieces."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import dagster as dg

from etl import settings
from etl.sources.github import Window
from etl.sources.http import FatalHttpError

REPO_PARTITIONS = dg.DynamicPartitionsDefinition(name="repo")

_settings = settings.current()
_WINDOW_KINDS = {"month": dg.MonthlyPartitionsDefinition, "week": dg.WeeklyPartitionsDefinition,
                 "day": dg.DailyPartitionsDefinition}
# end_offset=1: the window still running is a partition too, the one the daily schedule collects.
GITHUB_WINDOWS = _WINDOW_KINDS[_settings.github_window](start_date=_settings.github_history_start, end_offset=1,
                                                      timezone="UTC")
REPO_WINDOWS = dg.MultiPartitionsDefinition({"repo": REPO_PARTITIONS, "window": GITHUB_WINDOWS})


def window_key(repo: str, window: str) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({"repo": repo, "window": window})


def collection_window(partition_key: dg.MultiPartitionKey) -> tuple[str, Window]:
    """The repo and the updated_at window (naive UTC, as the warehouse keeps times) a partition names."""
    window = partition_key.keys_by_dimension["window"]
    span = GITHUB_WINDOWS.time_window_for_partition_key(window)
    return partition_key.keys_by_dimension["repo"], Window(window, _naive(span.start), _naive(span.end))


def windows_until(now: datetime) -> list[str]:
    """Every window key from the configured history start to the one holding `now`, oldest first."""
    return list(GITHUB_WINDOWS.get_partition_keys(current_time=now))


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)

# Git and report sites fail in passing (5xx storms, resets, secondary limits that outlast the client's own
# retries): the whole step is tried again, later each time, with jitter so repos do not retry in step.
COLLECTOR_RETRY = dg.RetryPolicy(max_retries=_settings.max_retries, delay=_settings.retry_delay_seconds,
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
