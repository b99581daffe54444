"""Where the dashboards read from: the warehouse's current read-only snapshot (etl/snapshot.py), never the
warehouse file itself, so an ingestion can write while every page keeps answering. Each snapshot has its
own file name, which doubles as the cache key: when an ingestion publishes a new one, every cached query
misses once and the pages show the new data.

On DuckLake every commit is a snapshot already: the dashboards pin the latest snapshot id, which plays the
same part as the file name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from etl import lake
from etl.db import second_cursor, warehouse_target
from etl.snapshot import current_snapshot, published_at
from etl.user_sql import READER_CONFIG, locked_lake

LAKE_PIN = "#"  # a DuckLake version reads <catalog>#<snapshot id>


@dataclass(frozen=True)
class Source:
    database: str
    version: str | None  # the snapshot file's path, or <catalog>#<id>: new exactly when new data is published
    published: datetime | None  # UTC


def source() -> Source:
    target = warehouse_target()
    if lake.is_lake(target):
        return _lake_source(target)
    snapshot = current_snapshot(Path(target))
    if not snapshot or not snapshot.exists():
        return Source(target, None, None)
    return Source(target, str(snapshot), published_at(snapshot))


def _lake_source(target: str) -> Source:
    try:
        row = _lake_probe(target).cursor().execute(
            f"select snapshot_id, snapshot_time from ducklake_snapshots('{lake.ALIAS}') "
            "order by snapshot_id desc limit 1").fetchone()
    except duckdb.Error:  # no catalog yet: nothing ingested
        _lake_probe.clear()
        return Source(target, None, None)
    return Source(target, f"{target}{LAKE_PIN}{row[0]}", row[1].replace(tzinfo=None))


@st.cache_resource(max_entries=2, show_spinner=False)
def _lake_probe(target: str) -> duckdb.DuckDBPyConnection:
    """An unpinned read-only session: each query sees the catalog's latest commit."""
    return lake.open_lake(target, read_only=True)


@st.cache_resource(max_entries=4, show_spinner=False)
def _connection(version: str) -> duckdb.DuckDBPyConnection:
    if lake.is_lake(version):
        target, _, pinned = version.rpartition(LAKE_PIN)
        return locked_lake(target, int(pinned))
    return duckdb.connect(version, read_only=True, config=READER_CONFIG)


def connection(version: str) -> duckdb.DuckDBPyConnection:
    """A cursor on the snapshot `version`: cheap, and one per query keeps concurrent sessions apart."""
    return second_cursor(_connection(version), on_lake=lake.is_lake(version))  # the version says so: no extra query per read


def read(version: str, sql: str, params: dict | None = None) -> pd.DataFrame:
    cursor = connection(version)
    try:
        return cursor.execute(sql, params or {}).df()
    finally:
        cursor.close()
