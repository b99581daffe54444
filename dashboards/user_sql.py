"""Ad-hoc SQL from the SQL page: one read-only statement, at most `row_limit` rows, at most `seconds`.

Two layers: the statement type is checked before anything runs (so the message says what is refused
and why), and the connection itself has no file system, no extensions and locked settings, so even a
statement that slipped past the first check could not read or write a file."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import duckdb
import pandas as pd

ALLOWED = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}
REFUSED_WHY = {
    duckdb.StatementType.COPY: "COPY reads or writes files outside the warehouse",
    duckdb.StatementType.ATTACH: "ATTACH opens other databases or files",
    duckdb.StatementType.DETACH: "DETACH changes the session's databases",
    duckdb.StatementType.LOAD: "INSTALL and LOAD add extensions",
    duckdb.StatementType.SET: "SET and RESET change settings",
    duckdb.StatementType.VARIABLE_SET: "SET VARIABLE changes the session",
    duckdb.StatementType.EXPORT: "EXPORT writes files",
}


class RefusedQuery(ValueError):
    """The query is not allowed here; the message says why."""


class QueryFailed(RuntimeError):
    """DuckDB rejected or stopped the query; the message is for the user."""


@dataclass
class QueryResult:
    frame: pd.DataFrame
    truncated: bool
    seconds: float


def check(sql: str, con: duckdb.DuckDBPyConnection) -> str:
    """The one statement in `sql`, or RefusedQuery saying why it cannot run."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryFailed(_clean(exc)) from exc
    if not statements:
        raise RefusedQuery("Write a query first.")
    if len(statements) > 1:
        raise RefusedQuery("One statement at a time: remove the extra `;`-separated statements.")
    kind = statements[0].type
    if kind not in ALLOWED:
        why = REFUSED_WHY.get(kind, "it would change the warehouse")
        raise RefusedQuery(f"Only read-only queries (SELECT, WITH ..., FROM ..., DESCRIBE, EXPLAIN) run here: "
                           f"{kind.name} is refused because {why}.")
    return sql.strip().rstrip(";")


def _clean(exc: Exception) -> str:
    message = str(exc)
    if "file system operations are disabled" in message or "external extensions is disabled" in message:
        return ("Refused: the SQL page reads only the warehouse's own tables and views; files, URLs and "
                "extensions are out of reach. (" + message.splitlines()[0] + ")")
    if "configuration has been locked" in message:
        return "Refused: settings cannot be changed from the SQL page."
    return message


def run(con: duckdb.DuckDBPyConnection, sql: str, *, row_limit: int = 10_000, seconds: float = 10.0) -> QueryResult:
    statement = check(sql, con)
    cursor = con.cursor()
    timer = threading.Timer(seconds, cursor.interrupt)
    started = time.perf_counter()
    timer.start()
    try:
        cursor.execute(statement)
        # fetch one row more than shown, to know whether there were more
        frame = cursor.fetch_df_chunk(vectors_per_chunk=max(1, (row_limit + 2048) // 2048))
        truncated = len(frame) > row_limit
        frame = frame.head(row_limit)
    except duckdb.InterruptException as exc:
        raise QueryFailed(f"Stopped after the {seconds:g} s time limit. Narrow the query (filters, limit, "
                          "fewer joins) and run it again.") from exc
    except duckdb.Error as exc:
        raise QueryFailed(_clean(exc)) from exc
    finally:
        timer.cancel()
        cursor.close()
    return QueryResult(frame, truncated, time.perf_counter() - started)
