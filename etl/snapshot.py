"""Read-only snapshots of the warehouse for the dashboards and ad-hoc readers.

DuckDB lets one process write a file, and while it writes no other process may even read it. So the
dashboards never open the warehouse itself: at the end of each ingestion the warehouse is copied, whole,
to a new file in `<name>.snapshots/`, and the symlink `current.duckdb` there is moved to it in one
atomic rename. Readers follow the link; each snapshot has its own file name, so a reader that still has
the previous one open keeps reading it undisturbed, and a new name tells the dashboard there is new data.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import duckdb

from .db import connect, utc_now

CURRENT = "current.duckdb"
KEEP = 3  # the current snapshot and the two before it, which open dashboard queries may still be reading


def snapshot_dir(database: Path) -> Path:
    return database.with_name(database.stem + ".snapshots")


def current_snapshot(database: Path) -> Path | None:
    """The snapshot the `current.duckdb` link points at, or None before the first publication."""
    link = snapshot_dir(database) / CURRENT
    try:
        return link.parent / os.readlink(link)
    except (FileNotFoundError, OSError):
        return None


STAMP = "%Y%m%dT%H%M%S%f"


def published_at(snapshot: Path) -> datetime:
    """When a snapshot was published (UTC), read from its name."""
    return datetime.strptime(snapshot.name.split("-")[0], STAMP)


@contextmanager
def _publishing(folder: Path) -> Iterator[None]:
    """One publication at a time per warehouse. Inside, any `.partial` copy is what a publication killed
    part-way left behind: it is removed."""
    with open(folder / ".publish.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for stale in folder.glob("*.partial"):
            stale.unlink(missing_ok=True)
        yield


def publish(database: Path, label: str = "manual") -> Path:
    """Copy the warehouse to a new snapshot and make it current. Holds a read-only connection while
    copying, so no writer can change the file underneath; a warehouse closed cleanly has no WAL."""
    folder = snapshot_dir(database)
    folder.mkdir(parents=True, exist_ok=True)
    with _publishing(folder):
        return _publish(database, folder, label)


def _publish(database: Path, folder: Path, label: str) -> Path:
    name = f"{utc_now().strftime(STAMP)}-{label}.duckdb"
    partial = folder / (name + ".partial")
    with connect(database, read_only=True):
        shutil.copyfile(database, partial)
        wal = database.with_name(database.name + ".wal")
        if wal.exists():  # left by a writer that did not close cleanly; the copy needs it to be whole
            shutil.copyfile(wal, folder / (name + ".wal"))
    target = folder / name
    os.replace(partial, target)
    _verify(target)
    link = folder / (CURRENT + ".next")
    link.unlink(missing_ok=True)
    link.symlink_to(name)
    os.replace(link, folder / CURRENT)
    _prune(folder, keep=target)
    return target


def _verify(snapshot: Path) -> None:
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        con.execute("select count(*) from information_schema.tables").fetchone()
    finally:
        con.close()


def _prune(folder: Path, keep: Path) -> None:
    snapshots = sorted(folder.glob("*.duckdb"), key=lambda p: p.name)
    snapshots = [p for p in snapshots if not p.is_symlink()]
    for old in snapshots[:-KEEP]:
        if old != keep:
            old.unlink(missing_ok=True)
            old.with_name(old.name + ".wal").unlink(missing_ok=True)


def is_stale(database: Path) -> bool:
    """True when the warehouse changed after its current snapshot was taken (or none exists)."""
    current = current_snapshot(database)
    if current is None or not current.exists():
        return database.exists()
    return database.exists() and database.stat().st_mtime > current.stat().st_mtime
