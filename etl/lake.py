"""DuckLake: the warehouse as a lakehouse (a catalog database plus Parquet data files) for when one DuckDB
file is not enough: several writers at once, many readers, storage shared between machines.

The warehouse setting names it as `ducklake:<catalog>`, where <catalog> is `sqlite:<path>` (one machine)
or `postgres:<libpq connection string>` (a team). The extensions come from PyPI packages pinned to the
DuckDB version, because a deployment cannot count on reaching DuckDB's extension site."""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path

import duckdb

PREFIX = "ducklake:"
ALIAS = "lake"
EXTENSIONS = {  # extension: the package that carries its binary
    "ducklake": "duckdb_extension_ducklake",
    "sqlite_scanner": "duckdb_extension_sqlite_scanner",
    "postgres_scanner": "duckdb_extension_postgres_scanner",
}


def is_lake(target: str | os.PathLike) -> bool:
    return str(target).startswith(PREFIX)


def catalog_of(target: str) -> str:
    """`ducklake:sqlite:/x.sqlite` -> `sqlite:/x.sqlite`, with a relative SQLite path made absolute."""
    catalog = target[len(PREFIX):]
    if catalog.startswith("sqlite:"):
        return "sqlite:" + str(Path(catalog[len("sqlite:"):]).expanduser().resolve())
    return catalog


def default_data_path(target: str) -> str | None:
    """Beside a SQLite catalog, `<catalog>.files/`; a PostgreSQL catalog needs the lake_data_path setting."""
    catalog = catalog_of(target)
    if catalog.startswith("sqlite:"):
        return str(Path(catalog[len("sqlite:"):]).with_suffix(".files")) + "/"
    return None


def load_extensions(con: duckdb.DuckDBPyConnection) -> None:
    for name, package in EXTENSIONS.items():
        folder = Path(str(importlib.resources.files(package))) / "extensions" / f"v{duckdb.__version__}"
        binary = folder / f"{name}.duckdb_extension"
        con.execute(f"load '{binary}'")


def open_lake(target: str, *, read_only: bool = False, data_path: str | None = None,
              version: int | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB session with the lake attached as its default catalog. `version` pins a
    DuckLake snapshot: a reader sees exactly that state however many commits follow."""
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    try:
        load_extensions(con)
        # Several writers commit to one catalog: a commit that raced another is retried, with backoff.
        con.execute("set ducklake_max_retry_count = 100")
        options = ["read_only"] if read_only else []
        data_path = data_path or default_data_path(target)
        if data_path and not read_only:
            if "://" not in data_path:  # a local folder; object stores (s3://...) need none
                Path(data_path).mkdir(parents=True, exist_ok=True)
            options.append(f"data_path '{_quote(data_path)}'")
        if version is not None:
            options.append(f"snapshot_version {int(version)}")
        con.execute(f"attach '{_quote(PREFIX + catalog_of(target))}' as {ALIAS}"
                    + (f" ({', '.join(options)})" if options else ""))
        con.execute(f"use {ALIAS}")
        return con
    except BaseException:
        con.close()
        raise


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    """The lake's latest snapshot id: it changes exactly when a writer commits."""
    return con.execute(f"select max(snapshot_id) from ducklake_snapshots('{ALIAS}')").fetchone()[0]


def _quote(text: str) -> str:
    return text.replace("'", "''")
