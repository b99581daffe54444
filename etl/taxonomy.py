"""The two user-editable mappings behind the metrics, loaded from warehouse/config/ into config.* tables:
path rules to canonical modules, and risk-flag keywords to canonical flags."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pyarrow as pa

from .db import WAREHOUSE_DIR

MODULE_RULES = WAREHOUSE_DIR / "config" / "module_rules.csv"
RISK_TAXONOMY = WAREHOUSE_DIR / "config" / "risk_taxonomy.csv"


def _rows(path: Path) -> list[dict[str, str]]:
    text = path.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(lines)]


def glob_to_regex(pattern: str) -> str:
    """`**` spans folders, `*` and `?` stay within one name; everything else is literal."""
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


def keyword_pattern(keyword: str) -> str:
    """A regex for a lower-cased flag: ASCII keywords must start a word ("npu" not inside "input", while
    "missing test" still matches "missing tests")."""
    escaped = re.escape(keyword.lower())
    return rf"(^|[^a-z0-9]){escaped}" if keyword.isascii() else escaped


def module_rules_table(path: Path = MODULE_RULES) -> pa.Table:
    rows = _rows(path)
    return pa.table({
        "priority": pa.array(range(len(rows)), pa.int32()),
        "repo": pa.array([r["repo"] or "*" for r in rows], pa.string()),
        "pattern": pa.array([r["pattern"] for r in rows], pa.string()),
        "regex": pa.array([glob_to_regex(r["pattern"]) for r in rows], pa.string()),
        "module": pa.array([r["module"] for r in rows], pa.string()),
    })


def risk_taxonomy_table(path: Path = RISK_TAXONOMY) -> pa.Table:
    entries = [(priority, row["slug"], keyword.strip(), row.get("description", ""))
               for priority, row in enumerate(_rows(path))
               for keyword in row["keywords"].split("|") if keyword.strip()]
    return pa.table({
        "priority": pa.array([e[0] for e in entries], pa.int32()),
        "slug": pa.array([e[1] for e in entries], pa.string()),
        "keyword": pa.array([e[2] for e in entries], pa.string()),
        "pattern": pa.array([keyword_pattern(e[2]) for e in entries], pa.string()),
        "description": pa.array([e[3] for e in entries], pa.string()),
    })


def replace_table(con, table: str, data: pa.Table) -> int:
    con.register("_config_rows", data)
    try:
        con.execute(f"create or replace table {table} as select * from _config_rows")
    finally:
        con.unregister("_config_rows")
    return data.num_rows
