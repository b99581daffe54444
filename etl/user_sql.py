"""Ad-hoc SQL from the SQL page and `pr-atlas sql`, behind one guard: one read-only statement, at most
`row_limit` rows and `byte_limit` bytes of result, at most `seconds`.

Two layers: the statement is checked before anything runs (its type, and the functions it calls, so the
message says what is refused and why), and the connection itself (`open_reader`) has no file system, no
extensions and locked settings, so even a statement that slipped past the first check could not read or
write a file."""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass

import duckdb
import pandas as pd
import pyarrow as pa

from . import lake
from .db import create_session_macros

# The same settings for every reader (DuckDB refuses two configurations for one file in a process): the
# dashboards' connections and the ad-hoc SQL of the page and the command line.
READER_CONFIG = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
    "memory_limit": "4GB",
    "threads": 2,
}
# Functions that read nothing of the warehouse but tell about the server: its paths, settings, secrets.
HIDDEN_FUNCTIONS = frozenset({"duckdb_databases", "duckdb_settings", "duckdb_secrets", "duckdb_temporary_files",
                              "duckdb_extensions", "duckdb_logs", "duckdb_log_contexts", "duckdb_memory",
                              "current_setting", "getenv", "which_secret", "glob", "read_text", "read_blob"})
_EXPLAIN = re.compile(r"^\s*explain\s+(?:\(.*?\)\s*|analy[sz]e\s+)?", re.I | re.S)
LONG_VALUE = 100_000  # characters of one text value shown; longer ones are cut, marked with …

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
    truncated: bool  # more rows than shown (row or byte limit)
    seconds: float


def open_reader(database: str) -> duckdb.DuckDBPyConnection:
    """A read-only, locked-down connection to a DuckDB file, or to a DuckLake catalog at its latest snapshot."""
    if lake.is_lake(database):
        con = locked_lake(database)
        con.execute(f"use {lake.ALIAS}")  # bare names (search.postings, pull_requests) are the lake's
        create_session_macros(con)
        return con
    return duckdb.connect(database, read_only=True, config=READER_CONFIG)


def locked_lake(target: str, version: int | None = None) -> duckdb.DuckDBPyConnection:
    """The lake (at one snapshot, or its latest), then locked down like a snapshot file: only the lake's own
    data files can be read."""
    con = lake.open_lake(target, read_only=True, version=version)
    data_path = con.execute(f"select value from ducklake_options('{lake.ALIAS}') "
                            "where option_name = 'data_path'").fetchone()[0]
    con.execute("set allowed_directories = $dirs", {"dirs": [data_path]})
    con.execute(f"set memory_limit = '{READER_CONFIG['memory_limit']}'")
    con.execute(f"set threads = {READER_CONFIG['threads']}")
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")  # last: nothing after it can loosen the above
    return con


def check(sql: str, con: duckdb.DuckDBPyConnection) -> str:
    """The one statement in `sql`, or RefusedQuery saying why it cannot run."""
    statement = _one_statement(sql, con)
    kind = statement.type
    if kind == duckdb.StatementType.EXPLAIN:  # EXPLAIN ANALYZE runs what it explains: check that instead
        inner = _one_statement(_EXPLAIN.sub("", statement.query, count=1), con)
        if inner.type == duckdb.StatementType.EXPLAIN or inner.type not in ALLOWED:
            kind = inner.type if inner.type != duckdb.StatementType.EXPLAIN else duckdb.StatementType.INVALID
        else:
            _check_functions(inner.query, con)
    elif kind in ALLOWED:
        _check_functions(statement.query, con)
    if kind not in ALLOWED:
        why = REFUSED_WHY.get(kind, "it would change the warehouse")
        raise RefusedQuery(f"Only read-only queries (SELECT, WITH ..., FROM ..., DESCRIBE, EXPLAIN) run here: "
                           f"{kind.name} is refused because {why}.")
    return sql.strip().rstrip(";")


def _one_statement(sql: str, con: duckdb.DuckDBPyConnection):
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryFailed(_clean(exc)) from exc
    if not statements:
        raise RefusedQuery("Write a query first.")
    if len(statements) > 1:
        raise RefusedQuery("One statement at a time: remove the extra `;`-separated statements.")
    return statements[0]


def _check_functions(sql: str, con: duckdb.DuckDBPyConnection) -> None:
    """Refuse a query that calls a function telling about the server rather than the warehouse."""
    tree = con.execute("select json_serialize_sql($sql)", {"sql": sql}).fetchone()[0]
    names = {name.lower() for name in re.findall(r'"(?:function_name|table_name)":"([^"]+)"', tree)}
    hidden = sorted(n for n in names if n in HIDDEN_FUNCTIONS or n.startswith("pragma_"))
    if hidden:
        raise RefusedQuery(f"{', '.join(hidden)} tell(s) about the server, not the warehouse, and are refused "
                           "here. Query the public views and the warehouse's own tables.")


def _clean(exc: Exception) -> str:
    message = str(exc)
    if "file system operations are disabled" in message or "external extensions is disabled" in message:
        return ("Refused: the SQL page reads only the warehouse's own tables and views; files, URLs and "
                "extensions are out of reach. (" + message.splitlines()[0] + ")")
    if "configuration has been locked" in message:
        return "Refused: settings cannot be changed from the SQL page."
    return message


def run(con: duckdb.DuckDBPyConnection, sql: str, *, row_limit: int = 10_000, seconds: float = 10.0,
        byte_limit: int = 64 << 20) -> QueryResult:
    """Run on `con` (a connection or cursor from open_reader or the dashboards; the caller closes it)."""
    statement = check(sql, con)
    cursor = con
    timer = threading.Timer(seconds, cursor.interrupt)
    started = time.perf_counter()
    timer.start()
    try:
        cursor.execute(_with_long_values_cut(cursor, statement))
        batches, rows, size = [], 0, 0
        reader = cursor.fetch_record_batch(rows_per_batch=1024)
        for batch in reader:
            batches.append(batch)
            rows, size = rows + batch.num_rows, size + batch.nbytes
            if rows > row_limit or size > byte_limit:  # one row more than shown tells there were more
                break
        truncated = rows > row_limit or size > byte_limit
        frame = pa.Table.from_batches(batches, schema=reader.schema).slice(0, row_limit).to_pandas()
    except duckdb.InterruptException as exc:
        raise QueryFailed(f"Stopped after the {seconds:g} s time limit. Narrow the query (filters, limit, "
                          "fewer joins) and run it again.") from exc
    except duckdb.Error as exc:
        raise QueryFailed(_clean(exc)) from exc
    except (pa.ArrowException, MemoryError) as exc:
        raise QueryFailed(f"The result is too large to show ({type(exc).__name__}). Select fewer or shorter "
                          "values.") from exc
    finally:
        timer.cancel()
    return QueryResult(frame, truncated, time.perf_counter() - started)


def _with_long_values_cut(cursor, statement: str) -> str:
    """The statement with every text column cut at LONG_VALUE characters, so a few huge values cannot fill
    the memory of the page (the result is bounded in bytes as well as rows). Statements that are not a plain
    query (EXPLAIN, DESCRIBE) run as written."""
    if cursor.extract_statements(statement)[0].type != duckdb.StatementType.SELECT:
        return statement
    try:
        columns = cursor.execute(f"select * from ({statement}) limit 0").description
    except duckdb.Error:
        return statement  # DESCRIBE and SHOW are SELECTs that cannot be nested: run them as they are
    names = [name for name, *_ in columns]
    if not any(str(kind) == "VARCHAR" for _, kind, *_ in columns) or len(set(names)) < len(names):
        return statement

    def shown(name: str, kind) -> str:
        quoted = '"' + name.replace('"', '""') + '"'
        if str(kind) != "VARCHAR":
            return quoted
        return (f"case when length({quoted}) > {LONG_VALUE} then left({quoted}, {LONG_VALUE}) || '…' "
                f"else {quoted} end as {quoted}")

    return f"select {', '.join(shown(name, kind) for name, kind, *_ in columns)} from ({statement}) as _query"


# A spreadsheet opening a CSV runs a cell that starts with one of these as a formula (=HYPERLINK(...),
# @SUM(...), a tab or carriage return before one): such a cell is written with a ' in front, which the
# spreadsheet shows as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters a terminal acts on rather than shows: C0 and C1 controls and DEL (escape sequences that clear
# the screen, set the window title, make links), and the bidirectional overrides that reorder what is shown.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def as_csv(frame: pd.DataFrame, *, for_terminal: bool = False) -> str:
    r"""CSV in which a list or struct value is one JSON cell (`["a", "b"]`), not Python's repr of it, and no
    text cell (or column name) can run as a spreadsheet formula. `for_terminal`: control characters are
    written escaped (`\x1b`), as `escape_controls` shows them."""
    def cell(value):
        if isinstance(value, (list, tuple, dict)) or hasattr(value, "tolist"):
            value = json.dumps(value.tolist() if hasattr(value, "tolist") else value, ensure_ascii=False, default=str)
        if isinstance(value, str):
            value = neutralise_formula(value)
            return escape_controls(value) if for_terminal else value
        return value

    shown = frame.assign(**{c: frame[c].map(cell) for c in _text_columns(frame)})
    shown.columns = [cell(str(c)) for c in frame.columns]
    # RFC 4180's line ends: with them the writer quotes a cell holding a lone carriage return, which with "\n"
    # it left bare, and the reader took for the end of the row
    return shown.to_csv(index=False, lineterminator="\r\n")


def neutralise_formula(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def escape_controls(text: str, *, in_json: bool = False) -> str:
    r"""`text` with every control character written as an escape: \n, \t, \x1b, \u202e (in JSON text,
    always \u001b, which a JSON reader reads back as the character)."""
    def escaped(match: re.Match) -> str:
        char = match.group()
        if in_json:
            return f"\\u{ord(char):04x}"
        return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")
    return _CONTROLS.sub(escaped, text)


def for_terminal(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text value and column name escaped for a terminal (lists and structs too)."""
    def cell(value):
        if isinstance(value, str):
            return escape_controls(value)
        if isinstance(value, (list, tuple, dict)) or hasattr(value, "tolist"):
            return escape_controls(json.dumps(value.tolist() if hasattr(value, "tolist") else value,
                                              ensure_ascii=False, default=str))
        return value

    shown = frame.assign(**{c: frame[c].map(cell) for c in _text_columns(frame)})
    shown.columns = [escape_controls(str(c)) for c in frame.columns]
    return shown


def _text_columns(frame: pd.DataFrame) -> list:
    """Columns that may hold text, lists or structs (object or string dtype)."""
    return [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c].dtype)]
