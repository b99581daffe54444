"""SQL models kept as files under warehouse/models/, dbt-style: one `select` per file, named for the table
it builds, in a folder per layer (intermediate, marts). Dependencies are read from the schema-qualified
names the SQL mentions, so adding a model needs no Python."""

from __future__ import annotations

import graphlib
import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .db import WAREHOUSE_DIR, transaction, upsert_values, utc_now

MODELS_DIR = WAREHOUSE_DIR / "models"
LAYERS = ("intermediate", "marts")
PUBLIC_VIEWS = MODELS_DIR / "public_views.sql"
# Each staging table (loaded from the sources) with the column that records when its rows were written.
SOURCE_WATERMARKS = (("staging.report_versions", "parsed_at"), ("staging.quarantine", "quarantined_at"),
                     ("staging.github_pulls", "loaded_at"), ("staging.github_files", "loaded_at"),
                     ("staging.github_reviews", "loaded_at"), ("staging.github_review_comments", "loaded_at"),
                     ("staging.git_commits", "loaded_at"), ("staging.text_claims", "loaded_at"),
                     ("meta.szz_fixes", "analysed_at"),
                     ("meta.unread_sources", "seen_at"))
# Tables a Python step writes from the models and some models read back (the risk step's scores), with the
# column that records when their rows were written: only the models that read them, directly or through other
# models, are rebuilt when they change, so the models upstream of that step keep their tables.
STEP_WATERMARKS = (("risk.pr_scores", "scored_at"), ("risk.model_versions", "trained_at"))
_REFERENCE = re.compile(r"\b(staging|config|intermediate|marts|risk)\.([a-z_][a-z0-9_]*)\b")


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

    def references(self) -> set[tuple[str, str]]:
        """(schema, table) pairs the SQL reads, itself excluded; comments are ignored."""
        code = re.sub(r"--[^\n]*", "", self.sql)
        return {ref for ref in _REFERENCE.findall(code) if ref != (self.layer, self.name)}

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
    graph = {m.table: {f"{s}.{t}" for s, t in m.references()} & by_table.keys() for m in models}
    return [by_table[t] for t in graphlib.TopologicalSorter(graph).static_order()]


def build_models(con, models: list[Model], fingerprints: Mapping[str, str],
                 current: dict[str, int]) -> Iterator[tuple[Model, int, bool]]:
    """Build the models, each after the models it reads, except those in `current` (up_to_date's answer),
    which keep their tables. Yields (model, row count, rebuilt) as each one is done.

    One at a time, a transaction each. One transaction for all held every new table in memory (bench: +170 MB
    at 20,000 reports) for no time saved. Building independent models two at a time, on cursors of their
    own, saved 0.3-0.7 s of 4.9 s at 20,000 reports and raised the build's peak by 55 MB, so it is not done."""
    for model in in_build_order(models):
        if model.table in current:
            yield model, current[model.table], False
            continue
        with transaction(con):
            rows = model.build(con, fingerprints[model.table])
        yield model, rows, True


def inputs_fingerprint(con) -> str:
    """What every model derives from: the staging tables (row count and last load time of each), the SQL of
    all models and the config files. Equal fingerprints mean a rebuild would produce the same tables."""
    digest = hashlib.sha256()
    watermarks = " union all ".join(
        f"select '{table}', count(*), max({column}) from {table}" for table, column in SOURCE_WATERMARKS)
    for row in con.execute(watermarks).fetchall():
        digest.update(str(row).encode())
    for path in sorted([*MODELS_DIR.rglob("*.sql"), *(WAREHOUSE_DIR / "config").glob("*.csv")]):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def transitive_reads(models: list[Model]) -> dict[str, set[str]]:
    """Per model, every table it reads, directly or through the models it reads."""
    reads: dict[str, set[str]] = {}
    for model in in_build_order(models):
        direct = {f"{schema}.{table}" for schema, table in model.references()}
        reads[model.table] = direct.union(*(reads.get(table, set()) for table in direct))
    return reads


def after_steps(models: list[Model]) -> list[Model]:
    """The models that read what a Python step writes (STEP_WATERMARKS), directly or through other models:
    they are built after that step, which itself reads the others."""
    outputs = {table for table, _ in STEP_WATERMARKS}
    reads = transitive_reads(models)
    return [model for model in models if reads[model.table] & outputs]


def fingerprints(con, models: list[Model]) -> dict[str, str]:
    """Each model's fingerprint: inputs_fingerprint, and the watermarks of the step outputs (STEP_WATERMARKS)
    it reads, directly or through the models it reads."""
    base = inputs_fingerprint(con)
    watermarks = dict(con.execute(" union all ".join(
        f"select '{table}', format('{{}} {{}}', count(*), max({column})) from {table}"
        for table, column in STEP_WATERMARKS)).fetchall())

    def digest(tables: set[str]) -> str:
        read = [f"{table} {watermarks[table]}" for table in sorted(tables & watermarks.keys())]
        return hashlib.sha256("\n".join([base, *read]).encode()).hexdigest()

    return {table: digest(tables) for table, tables in transitive_reads(models).items()}


def create_public_views(con) -> None:
    con.execute(PUBLIC_VIEWS.read_text(encoding="utf-8"))
