"""Opening the warehouse and keeping its schema current."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WAREHOUSE_DIR = PROJECT_ROOT / "warehouse"
DEFAULT_DATABASE = WAREHOUSE_DIR / "pr_atlas.duckdb"


def utc_now() -> datetime:
    """Now in UTC, without a time zone: every time the warehouse writes is naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


class WarehouseBusy(RuntimeError):
    """Another process holds the DuckDB write lock."""


def database_path(explicit: str | os.PathLike | None = None) -> Path:
    """--db, else $PR_ATLAS_DB, else warehouse/pr_atlas.duckdb."""
    return Path(explicit or os.environ.get("PR_ATLAS_DB") or DEFAULT_DATABASE).expanduser().resolve()


@contextmanager
def connect(path: str | os.PathLike, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    path = Path(path)
    if read_only and not path.exists():
        raise FileNotFoundError(f"no warehouse at {path}: run `pr-atlas ingest` first")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseBusy(f"the warehouse {path} is being written by another process; "
                                "wait for it to finish and retry") from exc
        raise
    try:
        yield con
    finally:
        con.close()


def table_counts(con: duckdb.DuckDBPyConnection, tables) -> dict[str, int]:
    """Rows per table, for the tables (or views) that exist; `main.` names the public views."""
    existing = {r[0] for r in con.execute(
        "select table_schema || '.' || table_name from information_schema.tables").fetchall()}
    return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in tables if t in existing}


def apply_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Run every schema file in order. Each is idempotent (create ... if not exists / or replace)."""
    for sql_file in sorted((WAREHOUSE_DIR / "schema").glob("*.sql")):
        con.execute(sql_file.read_text(encoding="utf-8"))
