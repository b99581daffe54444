"""Opening the warehouse and keeping its schema current."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from . import lake
from .paths import WAREHOUSE_DIR
from .table_shapes import SCHEMA_DIR, TableShape, table_shapes  # noqa: F401 (their home for loaders)


def utc_now() -> datetime:
    """Now in UTC, without a time zone: every time the warehouse writes is naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


class WarehouseBusy(RuntimeError):
    """Another process holds the DuckDB write lock."""


def warehouse_target(explicit: str | os.PathLike | None = None) -> str:
    """Where the warehouse lives: `explicit`, else the settings' `database`. Either a DuckDB file (made
    absolute) or a DuckLake catalog, `ducklake:sqlite:<path>` / `ducklake:postgres:<dsn>`."""
    from . import settings

    target = str(explicit or settings.current().database)
    return target if lake.is_lake(target) else str(Path(target).expanduser().resolve())


def database_path(explicit: str | os.PathLike | None = None) -> Path:
    """The warehouse's DuckDB file (for what only a file has: snapshots, its size)."""
    target = warehouse_target(explicit)
    if lake.is_lake(target):
        raise ValueError(f"{target} is a DuckLake catalog, not a DuckDB file")
    return Path(target)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Commit what the block wrote, or nothing of it when the block raises (or is interrupted)."""
    con.begin()
    try:
        yield
        con.commit()
    except BaseException:
        con.rollback()
        raise


# DuckDB's memory for a step that only appends (storing raw documents, parsing reports, loading git
# history), when no limit is configured: by default DuckDB keeps every block it reads and writes cached, for
# nothing an append needs; under this cap no step took longer and each peaked lower (docs/scaling.md, measured
# by `make bench` at 100,000 reports).
APPEND_MEMORY_LIMIT = "64MB"
# The search index cuts a batch of reports into terms, then groups and sorts them: under this cap the step peaks
# far lower in no more time, and a smaller one ran out of memory (docs/scaling.md). A batch that needs more
# (unusually long reports) is indexed again without the cap (etl.ingest.search_index).
SEARCH_MEMORY_LIMIT = "256MB"


@contextmanager
def memory_capped(con: duckdb.DuckDBPyConnection, limit: str | None) -> Iterator[str | None]:
    """DuckDB's memory_limit at `limit` for the block and the checkpoint after it, then back to what it was
    (the block gets that earlier limit, to lift the cap for a part of it); None changes nothing. Not
    `reset memory_limit`: in DuckDB 1.4 that puts the setting's text back but leaves the buffer manager at
    the cap (`pragma database_size` shows it), so the rest of the connection's work stayed capped."""
    if limit is None:
        yield None
        return
    before = _memory_limit_to_restore(con)
    con.execute("set memory_limit = ?", [limit])
    try:
        yield before
        if not is_lake_connection(con):
            # What the block wrote goes into the file under the cap as well: the checkpoint at the
            # connection's close would run uncapped, and peak higher in no less time (docs/scaling.md).
            con.execute("checkpoint")
    finally:
        con.execute("set memory_limit = ?", [before])


_BYTES_PER_UNIT = {"bytes": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}


def size_in_bytes(text: str) -> float:
    """A size as DuckDB writes one ('18.8 GiB', '95.3 MiB'), in bytes."""
    number, unit = text.split()
    return float(number) * _BYTES_PER_UNIT[unit]


def _memory_limit_to_restore(con: duckdb.DuckDBPyConnection) -> str:
    """The current memory_limit, rounded up to whole MiB: DuckDB reads its own text ('18.8 GiB') back a
    little lower ('18.7 GiB'), so putting the text back lost 0.1 GiB each time."""
    text = con.execute("select current_setting('memory_limit')").fetchone()[0]
    return f"{math.ceil(size_in_bytes(text) / 2**20)}MiB"


# DuckDB checkpoints when its write-ahead log passes this size. At the default a bulk load checkpoints every few
# commits, and those checkpoints were a large share of the parse step (`make bench`).
CHECKPOINT_THRESHOLD = "64MB"


@contextmanager
def connect(target: str | os.PathLike, *, read_only: bool = False, lake_data_path: str = "",
            memory_limit: str = "") -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse: a DuckDB file, or a DuckLake catalog attached as the default.
    `lake_data_path` is where a DuckLake writer puts its files; `memory_limit` caps DuckDB's own memory."""
    if lake.is_lake(target):
        con = lake.open_lake(str(target), read_only=read_only, data_path=lake_data_path or None)
    else:
        con = _open_file(Path(target), read_only)
    try:
        if memory_limit:
            con.execute("set memory_limit = ?", [memory_limit])
        if lake.is_lake(target):
            create_session_macros(con)
        yield con
    finally:
        con.close()


def _open_file(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    if read_only and not path.exists():
        raise FileNotFoundError(f"no warehouse at {path}: run `pr-atlas ingest` first")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return duckdb.connect(str(path), read_only=read_only,
                              config={} if read_only else {"checkpoint_threshold": CHECKPOINT_THRESHOLD})
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseBusy(f"the warehouse {path} is being written by another process; "
                                "wait for it to finish and retry") from exc
        raise

def table_counts(con: duckdb.DuckDBPyConnection, tables) -> dict[str, int]:
    """Rows per table, for the tables (or views) that exist; `main.` names the public views."""
    existing = {r[0] for r in con.execute(
        "select table_schema || '.' || table_name from information_schema.tables").fetchall()}
    return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in tables if t in existing}


MACROS = WAREHOUSE_DIR / "macros.sql"


def is_lake_connection(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("select current_database()").fetchone()[0] == lake.ALIAS


def apply_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Run every schema file in order. Each is idempotent (create ... if not exists / or replace). A
    DuckLake catalog has no key constraints and stores no macros: keys are kept by `upsert` (below) on
    both backends, and the macros are created in every session instead (`connect`)."""
    on_lake = is_lake_connection(con)
    if _has_schema(con, "core"):
        _drop_derived_layers_of_the_old_naming(con)
    for sql_file in sorted(SCHEMA_DIR.glob("*.sql")):
        sql = sql_file.read_text(encoding="utf-8")
        con.execute(_without_constraints(sql) if on_lake else sql)
    if not on_lake:
        con.execute(MACROS.read_text(encoding="utf-8"))
    if _has_schema(con, "core"):
        _move_loaded_tables_out_of_core(con)


# A warehouse written before the layers took dbt's names kept the loaded tables in `core` and the
# intermediate models in `staging`. The models are rebuilt from their inputs; the loaded rows are moved.
def _has_schema(con: duckdb.DuckDBPyConnection, schema: str) -> bool:
    return bool(con.execute("select count(*) from duckdb_schemas() where schema_name = ? "
                            "and database_name = current_database()", [schema]).fetchone()[0])


def _drop_derived_layers_of_the_old_naming(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("drop schema if exists staging cascade")
    if con.execute("select count(*) from duckdb_tables() where schema_name = 'meta' and table_name = 'model_builds' "
                   "and database_name = current_database()").fetchone()[0]:
        con.execute("delete from meta.model_builds")


_OLD_CLAIM_TABLES = {  # one table each for git's and GitHub's claims then: staging.text_claims now
    "git_text_claims": "select * exclude (sha), 'git' as source, sha as said_in from core.git_text_claims",
    "github_text_claims": "select * exclude (number), 'github' as source, repo || '#' || number as said_in, "
                          "number as pr_number from core.github_text_claims",
}


def _move_loaded_tables_out_of_core(con: duckdb.DuckDBPyConnection) -> None:
    tables = [r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'core' "
                                        "and database_name = current_database()").fetchall()]
    with transaction(con):
        for table in tables:
            if f"staging.{table}" in table_shapes():
                con.execute(f"insert into staging.{table} by name select * from core.{table}")
            elif table in _OLD_CLAIM_TABLES:
                con.execute(f"insert into staging.text_claims by name {_OLD_CLAIM_TABLES[table]}")
        con.execute("drop schema core cascade")


def second_cursor(con: duckdb.DuckDBPyConnection, on_lake: bool | None = None) -> duckdb.DuckDBPyConnection:
    """Another cursor on the same session's database, e.g. to stream a read while `con` writes. A cursor
    starts on the default catalog without the session's temp macros: a lake's cursor is given both.
    `on_lake` says whether `con` is a lake's when the caller knows (else a query asks)."""
    cursor = con.cursor()
    if is_lake_connection(con) if on_lake is None else on_lake:
        cursor.execute(f"use {lake.ALIAS}")
        create_session_macros(cursor)
    return cursor


def create_session_macros(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(MACROS.read_text(encoding="utf-8").replace("create or replace macro", "create or replace temp macro"))


def _without_constraints(sql: str) -> str:
    sql = re.sub(r"--[^\n]*", "", sql)  # comments may stand between a column's comma and a table constraint
    sql = re.sub(r",\s*primary key\s*\([^)]*\)", "", sql)
    return re.sub(r"\s(primary key|unique)\b", "", sql)


def table_keys() -> dict[str, tuple[str, ...]]:
    return {table: shape.key for table, shape in table_shapes().items() if shape.key}


def upsert(con: duckdb.DuckDBPyConnection, table: str, relation: str, *, replace: bool = True) -> None:
    """Write the rows of `relation` (a view or table name) into `table` by column name, matching rows on
    the table's key: a match is replaced (replace=True) or kept (replace=False). The same statement on a
    DuckDB file and on DuckLake, which has no key constraints to lean on."""
    columns = [row[0] for row in con.execute(f"select * from {relation} limit 0").description]
    con.execute(_merge(table, columns, relation, replace))


def upsert_values(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Sequence], *,
                  replace: bool = True) -> None:
    """`upsert` for a few rows given in the table's column order."""
    if rows:
        columns = [row[0] for row in con.execute(f"select * from {table} limit 0").description]
        incoming = "(select " + ", ".join(f"? as {c}" for c in columns) + ")"
        con.executemany(_merge(table, columns, incoming, replace), [list(r) for r in rows])


def _merge(table: str, columns: list[str], incoming: str, replace: bool) -> str:
    keys = table_keys()[table]
    on = " and ".join(f"target.{k} is not distinct from incoming.{k}" for k in keys)
    updates = ", ".join(f"{c} = incoming.{c}" for c in columns if c not in keys)
    when_matched = f"when matched then update set {updates} " if replace and updates else ""
    return (f"merge into {table} as target using {incoming} as incoming on ({on}) "
            f"{when_matched}when not matched then insert by name")
