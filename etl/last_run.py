"""Whether the last complete ingestion still stands, so that `pr-atlas ingest` can say so instead of starting
Dagster to find nothing to do (Dagster and its definitions take seconds to load; this test, a fraction).

It stands when another run could change nothing:
- no collector is configured (GitHub, git clones and the report site can only be asked, not looked at);
- the warehouse file has not been written since its current snapshot, which the run's last step publishes (a
  run that failed before it has still written the warehouse: the raw loader records every run it makes);
- that snapshot was published by this same code (parser, SQL, configuration tables);
- every report file in the configured locations is the one the raw loader last stored (size and mtime), and
  every entry it could not read is already recorded as unread for the same reason.

Dagster's own triggers need no such test: the drop-folder sensor and the automation conditions start nothing
when nothing changed. Nothing here imports Dagster."""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb

from . import lake, names
from .db import WarehouseBusy, connect, table_counts, warehouse_target
from .paths import WAREHOUSE_DIR
from .settings import Settings
from .snapshot import current_snapshot
from .sources.report_files import SkippedSource, SourceError, iter_documents

ETL_DIR = Path(__file__).resolve().parent


@cache
def code_version() -> str:
    """A digest of the code that decides what a run writes: the etl package and the warehouse's SQL and
    configuration tables, and the trained link model. The snapshot step records it; a different one means the next
    run must run."""
    digest = hashlib.sha256()
    # Only the folders of code: warehouse/ also holds the data (snapshots, the sample clone) by default.
    files = [*ETL_DIR.rglob("*.py"), *ETL_DIR.rglob("*.json"), *WAREHOUSE_DIR.glob("*.sql"),
             *(WAREHOUSE_DIR / "config").glob("*.csv"),
             *(path for folder in ("schema", "models", "search") for path in (WAREHOUSE_DIR / folder).rglob("*.sql"))]
    for path in sorted(files):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@dataclass
class LastRun:
    run_id: str
    finished_at: str  # UTC, as the warehouse recorded it
    documents: int  # report files found in the locations, each as that run stored it
    row_counts: dict[str, int] = field(default_factory=dict)
    failed_checks: list[str] = field(default_factory=list)
    check_warnings: list[str] = field(default_factory=list)


def still_current(settings: Settings, report_locations: list[str], count_tables: tuple[str, ...]) -> LastRun | None:
    """The last complete run when nothing has changed since (see the module's docstring), else None. Any doubt
    (no snapshot, a warehouse being written, a location that is a URL or missing) is None: the run decides."""
    target = warehouse_target(settings.database)
    if settings.github_repos or settings.repo_names or settings.report_site or lake.is_lake(target):
        return None
    if any(location.startswith(("http://", "https://")) for location in report_locations):
        return None
    database = Path(target)
    snapshot = current_snapshot(database)
    if (snapshot is None or not snapshot.exists() or not database.exists()
            or database.with_name(database.name + ".wal").exists()
            or database.stat().st_mtime_ns >= snapshot.stat().st_mtime_ns):
        return None
    with contextlib.suppress(WarehouseBusy, duckdb.Error, SourceError), connect(target, read_only=True) as con:
        # No bound parameters here: DuckDB imports pandas on a process's first one, which costs more than the rest.
        published = con.execute("select run_id, strftime(finished_at, '%Y-%m-%d %H:%M:%S'), "
                                "summary->>'code_version' from meta.source_runs "
                                f"where source = '{names.SNAPSHOT}'").fetchone()
        if published is None or published[2] != code_version():
            return None
        documents = _unchanged_documents(con, report_locations)
        if documents is None:
            return None
        last = LastRun(run_id=published[0], finished_at=published[1], documents=documents,
                       row_counts=table_counts(con, count_tables))
        for check, severity in con.execute("select check_name, severity from meta.check_results where not passed "
                                           "order by check_name").fetchall():
            (last.check_warnings if severity == "WARN" else last.failed_checks).append(check)
        return last
    return None


def _unchanged_documents(con: duckdb.DuckDBPyConnection, locations: list[str]) -> int | None:
    """How many report files the locations hold, when each is as the raw loader last stored it and each entry
    it could not read is recorded as unread for the same reason; None at the first difference."""
    stored = {uri: (size, mtime) for uri, size, mtime in
              con.execute("select source_uri, byte_size, mtime_ns from meta.file_stats").fetchall()}
    unread = dict(con.execute("select source_uri, reason from meta.unread_sources").fetchall())
    documents = 0
    for found in iter_documents(locations):
        if isinstance(found, SkippedSource):
            if unread.get(found.location) != found.reason:
                return None
        elif found.file_stat is None or stored.get(found.location) != found.file_stat:
            return None
        else:
            documents += 1
    return documents

