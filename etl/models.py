"""SQL models kept as files under warehouse/models/, dbt-style: one `select` per file, named for the table
it builds, in a folder per layer (staging, marts). Dependencies are read from the schema-qualified
names the SQL mentions, so adding a model needs no Python."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .db import WAREHOUSE_DIR

MODELS_DIR = WAREHOUSE_DIR / "models"
LAYERS = ("staging", "marts")
PUBLIC_VIEWS = MODELS_DIR / "public_views.sql"
_REFERENCE = re.compile(r"\b(core|config|staging|marts)\.([a-z_][a-z0-9_]*)\b")


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

    def build(self, con) -> int:
        con.execute(f"create schema if not exists {self.layer}")
        con.execute(f"create or replace table {self.table} as\n{self.sql}")
        return con.execute(f"select count(*) from {self.table}").fetchone()[0]


def discover() -> list[Model]:
    return [Model(layer, path.stem, path) for layer in LAYERS
            for path in sorted((MODELS_DIR / layer).glob("*.sql"))]


def create_public_views(con) -> None:
    con.execute(PUBLIC_VIEWS.read_text(encoding="utf-8"))
