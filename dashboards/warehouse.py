"""Where the dashboards read from: the warehouse's current read-only snapshot (etl/snapshot.py), never the
warehouse file itself, so an ingestion can write while every page keeps answering. Each snapshot has its
own file name, which doubles as the cache key: when an ingestion publishes a new one, every cached query
misses once and the pages show the new data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from etl.db import database_path
from etl.snapshot import current_snapshot

# The same settings for every connection (DuckDB refuses two configurations for one file in a process).
# They hold for the ad-hoc SQL page too: no file system, no extensions, settings locked.
READER_CONFIG = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
    "memory_limit": "4GB",
    "threads": 2,
}


@dataclass(frozen=True)
class Source:
    database: Path
    snapshot: Path | None

    @property
    def version(self) -> str | None:
        """The snapshot's path: a new one exactly when new data is published."""
        return str(self.snapshot) if self.snapshot else None


def source() -> Source:
    database = database_path()
    snapshot = current_snapshot(database)
    return Source(database, snapshot if snapshot and snapshot.exists() else None)


@st.cache_resource(max_entries=4, show_spinner=False)
def _connection(snapshot: str) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(snapshot, read_only=True, config=READER_CONFIG)


def connection(version: str) -> duckdb.DuckDBPyConnection:
    """A cursor on the snapshot `version`: cheap, and one per query keeps concurrent sessions apart."""
    return _connection(version).cursor()


def read(version: str, sql: str, params: dict | None = None) -> pd.DataFrame:
    cursor = connection(version)
    try:
        return cursor.execute(sql, params or {}).df()
    finally:
        cursor.close()
