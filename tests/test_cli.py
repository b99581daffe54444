"""The `pr-atlas` command line, run as a real subprocess."""

import json
import subprocess
import sys

import pytest

from .conftest import PROJECT_ROOT, SAMPLES, cli_env, run_cli


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("cli") / "w.duckdb"
    result = run_cli("ingest", "--db", str(db), "--sample")
    assert result.stdout.startswith("ok: 36 documents read, 36 new, 32 parsed, 4 quarantined")
    assert "parse: 36/36 documents" in result.stderr  # progress is shown
    return db


def test_ingest_summary_counts_rows_per_table(sample_db):
    again = run_cli("ingest", "--db", str(sample_db), "--sample")
    assert "36 documents read, 0 new, 0 parsed, 0 quarantined" in again.stdout
    assert "report_versions 32" in again.stdout and "quarantine 4" in again.stdout


def test_sql_formats(sample_db):
    query = "select report_id, risk_level from staging.reports where pr_number = 22598"
    assert "sgl-project/sglang#22598" in run_cli("sql", query, "--db", str(sample_db)).stdout
    csv = run_cli("sql", query, "--db", str(sample_db), "--format", "csv").stdout
    assert csv.splitlines() == ["report_id,risk_level", "sgl-project/sglang#22598,low"]
    rows = json.loads(run_cli("sql", query, "--db", str(sample_db), "--format", "json").stdout)
    assert rows == [{"report_id": "sgl-project/sglang#22598", "risk_level": "low"}]


def test_sql_is_read_only(sample_db):
    result = run_cli("sql", "delete from staging.report_versions", "--db", str(sample_db), check=False)
    assert result.returncode == 2 and "read-only" in result.stderr


def test_db_from_environment(sample_db):
    env = {**cli_env(), "PR_ATLAS_DATABASE": str(sample_db)}
    result = subprocess.run([sys.executable, "-m", "etl.cli", "sql", "select count(*) as n from staging.reports",
                             "--format", "csv"], capture_output=True, text=True, cwd=PROJECT_ROOT, env=env)
    assert result.stdout.splitlines()[-1] == "32"


def test_parse_prints_one_json_object_per_document():
    files = [SAMPLES / "site/sgl-project/sglang/pull/22598/report.md", SAMPLES / "damaged/empty.md"]
    result = run_cli("parse", *map(str, files), "--format", "json", check=False)
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["pr_number"] == 22598 and first["risk_flags"] == ["缓冲区大小管理", "dtype 一致性"]
    assert second["quarantine_reason"] == "empty"
    assert result.returncode == 1  # an unreadable file is reported in the exit code


def test_missing_warehouse_is_a_clear_error(tmp_path):
    result = run_cli("sql", "select 1", "--db", str(tmp_path / "none.duckdb"), check=False)
    assert result.returncode == 2 and "run `pr-atlas ingest` first" in result.stderr


def test_sql_csv_writes_list_columns_as_json_arrays(tmp_path):
    import csv
    import io
    import json

    import duckdb

    database = tmp_path / "w.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create view pull_requests as select 1 as number, ['srt/mem_cache', 'srt/layers'] as modules")
    out = run_cli("sql", "select * from pull_requests", "--db", str(database), "--format", "csv").stdout
    (row,) = list(csv.DictReader(io.StringIO(out)))
    assert json.loads(row["modules"]) == ["srt/mem_cache", "srt/layers"]
