"""Every table's columns, key and writers, as warehouse/schema/*.sql define them: the one definition of a
table's shape, which loaders read back instead of writing it again, and of the assets that write it (the
`-- written by: <asset key>, ...` line above its `create table`). DuckDB is imported only to read them, so the
parser's workers, which are handed their parent's (`adopt`), never load it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .paths import WAREHOUSE_DIR

SCHEMA_DIR = WAREHOUSE_DIR / "schema"
_WRITTEN_BY = re.compile(r"^--\s*written by:\s*(?P<writers>[^\n]+)\ncreate table if not exists (?P<table>\S+)", re.M)
_shapes: dict[str, TableShape] | None = None


@dataclass(frozen=True)
class TableShape:
    columns: dict[str, str]  # name: DuckDB type, in the table's order
    key: tuple[str, ...]     # primary key columns (empty: none)
    writers: tuple[str, ...] = ()  # the assets that write it ("staging/github"); none for bookkeeping tables


def table_shapes() -> dict[str, TableShape]:
    """The shapes, read once per process: the schema files are run on an in-memory database and its catalog
    is read back."""
    global _shapes
    if _shapes is None:
        _shapes = _read()
    return _shapes


def adopt(shapes: dict[str, TableShape]) -> None:
    """Use shapes read by another process (a parser worker gets its parent's)."""
    global _shapes
    _shapes = shapes


def _read() -> dict[str, TableShape]:
    import duckdb

    con = duckdb.connect()
    writers: dict[str, tuple[str, ...]] = {}
    try:
        for sql_file in sorted(SCHEMA_DIR.glob("*.sql")):
            text = sql_file.read_text(encoding="utf-8")
            con.execute(text)
            writers |= {m["table"]: tuple(w.strip() for w in m["writers"].split(","))
                        for m in _WRITTEN_BY.finditer(text)}
        columns: dict[str, dict[str, str]] = {}
        for table, name, kind in con.execute(
                "select schema_name || '.' || table_name, column_name, data_type from duckdb_columns() "
                "where not internal and database_name = current_database() order by table_name, column_index"
        ).fetchall():
            columns.setdefault(table, {})[name] = kind
        keys = dict(con.execute(
            "select schema_name || '.' || table_name, constraint_column_names from duckdb_constraints() "
            "where constraint_type = 'PRIMARY KEY'").fetchall())
    finally:
        con.close()
    return {table: TableShape(cols, tuple(keys.get(table, ())), writers.get(table, ()))
            for table, cols in columns.items()}
