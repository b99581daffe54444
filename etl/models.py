"""SQL models kept as files under warehouse/models/, dbt-style: one `select` per file, named for the table
it builds, in a folder per layer (intermediate, marts). What a model reads is read from its SQL with a SQL
parser (sqlglot, which tells a table from a CTE), so adding a model needs no Python. The checks of a model are
declared in its file, one comment line each (`-- check unique: ...`, `-- check relationships: ...`).

A model is rebuilt when what it is built from changed: its own SQL, the macros, and each table it reads (a
source table's watermark, a configuration file, or the fingerprint of the model that builds it). Editing one
mart rebuilds that mart and the models that read it, nothing else."""

from __future__ import annotations

import graphlib
import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp

from .db import WAREHOUSE_DIR, transaction, upsert_values, utc_now

MODELS_DIR = WAREHOUSE_DIR / "models"
LAYERS = ("intermediate", "marts")
PUBLIC_VIEWS = MODELS_DIR / "public_views.sql"
MACROS = WAREHOUSE_DIR / "macros.sql"
# The tables the models read that no model builds, each with the table and column that tell when its rows were
# last written (a child table changes with its parent: a report's key files with the report).
SOURCE_WATERMARKS = {
    **dict.fromkeys(("staging.report_versions", "staging.reports", "staging.report_key_files",
                     "staging.report_code_snippets", "staging.report_review_highlights", "staging.report_risk_flags",
                     "staging.report_references"), ("staging.report_versions", "parsed_at")),
    "staging.quarantine": ("staging.quarantine", "quarantined_at"),
    **{f"staging.{t}": (f"staging.{t}", "loaded_at") for t in (
        "github_pulls", "github_files", "github_reviews", "github_review_comments", "text_claims")},
    **dict.fromkeys(("staging.git_commits", "staging.git_commit_files"), ("staging.git_commits", "loaded_at")),
    **dict.fromkeys(("staging.szz_candidates", "meta.szz_fixes"), ("meta.szz_fixes", "analysed_at")),
    "meta.github_windows": ("meta.github_windows", "completed_at"),
    "meta.unread_sources": ("meta.unread_sources", "seen_at"),
    "risk.pr_scores": ("risk.pr_scores", "scored_at"),
    "risk.model_versions": ("risk.model_versions", "trained_at"),
}
# Tables a Python step writes from the models and some models read back (the risk step's scores): the models
# that read them, directly or through other models, are built after that step.
STEP_OUTPUTS = ("risk.pr_scores", "risk.model_versions")
CONFIG_FILES = {"config.module_rules": WAREHOUSE_DIR / "config" / "module_rules.csv",
                "config.risk_taxonomy": WAREHOUSE_DIR / "config" / "risk_taxonomy.csv"}
_SCHEMAS = frozenset(("staging", "config", "intermediate", "marts", "meta", "risk"))
_CHECK = re.compile(r"^--\s*check\s+(?P<kind>unique|relationships)\s*:\s*(?P<spec>.+?)\s*$", re.M)
_RELATIONSHIP = re.compile(r"^(?P<column>\w+)\s*->\s*(?P<table>\w+\.\w+)\.(?P<target>\w+)$")


@dataclass(frozen=True)
class Model:
    layer: str
    name: str
    path: Path

    @property
    def table(self) -> str:
        return f"{self.layer}.{self.name}"

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @cached_property
    def reads(self) -> frozenset[str]:
        """The schema-qualified tables the SQL reads (CTEs, the tables it creates and itself left out)."""
        found = set()
        for statement in sqlglot.parse(self.sql, read="duckdb"):
            if statement is None:
                continue
            created = statement.this if isinstance(statement, exp.Create) else None
            for table in statement.find_all(exp.Table):
                if table.db in _SCHEMAS and not (created is not None and table is created):
                    found.add(f"{table.db}.{table.name}")
        return frozenset(found - {self.table})

    def references(self) -> set[tuple[str, str]]:
        """(schema, table) pairs the SQL reads, itself excluded."""
        return {tuple(table.split(".", 1)) for table in self.reads}

    @cached_property
    def checks(self) -> list[Check]:
        """The checks its file declares, one comment line each:
        `-- check unique: a, b` (one row per a, b) and `-- check relationships: a -> marts.other.b` (every a is a
        b of marts.other)."""
        found = []
        for m in _CHECK.finditer(self.sql):
            if m["kind"] == "unique":
                columns = [c.strip() for c in m["spec"].split(",")]
                found.append(Check(self, f"{self.name}_{'_'.join(columns)}_is_unique",
                                   f"One row per ({', '.join(columns)}).",
                                   f"select {', '.join(columns)}, count(*) as n from {self.table} group by all "
                                   f"having count(*) > 1"))
            elif rel := _RELATIONSHIP.match(m["spec"]):
                column, table, target = rel["column"], rel["table"], rel["target"]
                found.append(Check(self, f"{self.name}_{column}_is_in_{table.split('.')[1]}",
                                   f"Every {column} is a {target} of {table}.",
                                   f"select {column} from {self.table} where {column} is not null and {column} "
                                   f"not in (select {target} from {table})"))
            else:
                raise ValueError(f"{self.path}: a relationships check reads `column -> schema.table.column`: "
                                 f"{m.group(0)}")
        return found

    def build(self, con, fingerprint: str | None = None) -> int:
        """Rebuild the table and record the inputs it was built from (in the caller's transaction); returns its
        row count."""
        try:
            con.execute(f"create or replace table {self.table} as\n{self.sql}")
        except duckdb.Error as exc:  # name the model: DuckDB's message does not
            where = self.path.relative_to(WAREHOUSE_DIR) if self.path.is_relative_to(WAREHOUSE_DIR) else self.path
            raise type(exc)(f"building {self.table} ({where}): {exc}") from exc
        rows = con.execute(f"select count(*) from {self.table}").fetchone()[0]
        upsert_values(con, "meta.model_builds", [(self.table, fingerprint, utc_now(), rows)])
        return rows


@dataclass(frozen=True)
class Check:
    """A check a model's file declares: a query of the offending rows."""
    model: Model
    name: str
    description: str
    sql: str


def up_to_date(con, fingerprints: Mapping[str, str]) -> dict[str, int]:
    """The models last built from these same inputs (their fingerprints, by table) whose table is still there,
    with their row counts: a rebuild of those would produce the same tables."""
    built = con.execute("select m.model, m.fingerprint, m.row_count from meta.model_builds m join "
                        "information_schema.tables t on t.table_schema || '.' || t.table_name = m.model").fetchall()
    return {model: rows for model, fingerprint, rows in built if fingerprints.get(model) == fingerprint}


def discover() -> list[Model]:
    return [Model(layer, path.stem, path) for layer in LAYERS
            for path in sorted((MODELS_DIR / layer).glob("*.sql"))]


def in_build_order(models: list[Model]) -> list[Model]:
    """The models, each after the others it reads."""
    by_table = {m.table: m for m in models}
    graph = {m.table: m.reads & by_table.keys() for m in models}
    return [by_table[t] for t in graphlib.TopologicalSorter(graph).static_order()]


def build_models(con, models: list[Model], fingerprints: Mapping[str, str],
                 current: dict[str, int]) -> Iterator[tuple[Model, int, bool]]:
    """Build the models, each after the models it reads, except those in `current` (up_to_date's answer),
    which keep their tables. Yields (model, row count, rebuilt) as each one is done.

    One at a time, a transaction each: one transaction for all held every new table in memory for no time
    saved, and two at a time on cursors of their own raised the peak for little (docs/benchmarks.md)."""
    for model in in_build_order(models):
        if model.table in current:
            yield model, current[model.table], False
            continue
        with transaction(con):
            rows = model.build(con, fingerprints[model.table])
        yield model, rows, True


def after_steps(models: list[Model]) -> list[Model]:
    """The models that read what a Python step writes (STEP_OUTPUTS), directly or through other models: they
    are built after that step, which itself reads the others."""
    late: set[str] = set()
    for model in in_build_order(models):
        if model.reads & {*STEP_OUTPUTS, *late}:
            late.add(model.table)
    return [model for model in models if model.table in late]


def fingerprints(con, models: list[Model]) -> dict[str, str]:
    """Each model's fingerprint: its SQL, the macros, and for each table it reads, the fingerprint of the model
    that builds it, the configuration file behind it, or its source's watermark (row count and last write)."""
    sources = sorted({SOURCE_WATERMARKS[t] for m in models for t in m.reads if t in SOURCE_WATERMARKS})
    watermarks = dict(con.execute(" union all ".join(
        f"select '{table}.{column}', format('{{}} {{}}', count(*), max({column})) from {table}"
        for table, column in sources)).fetchall()) if sources else {}
    macros = MACROS.read_bytes()
    found: dict[str, str] = {}
    for model in in_build_order(models):
        digest = hashlib.sha256(model.sql.encode() + b"\0" + macros)
        for table in sorted(model.reads):
            if table in found:
                state = found[table]
            elif table in CONFIG_FILES:
                state = hashlib.sha256(CONFIG_FILES[table].read_bytes()).hexdigest()
            elif table in SOURCE_WATERMARKS:
                state = watermarks[".".join(SOURCE_WATERMARKS[table])]
            else:
                raise ValueError(f"{model.table} reads {table}, which neither a model builds nor SOURCE_WATERMARKS "
                                 "lists: say in etl/models.py what tells when it changed")
            digest.update(f"\0{table}={state}".encode())
        found[model.table] = digest.hexdigest()
    return found


def create_public_views(con) -> None:
    con.execute(PUBLIC_VIEWS.read_text(encoding="utf-8"))
