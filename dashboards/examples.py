"""The example queries of warehouse/examples.sql, for the SQL page: one file for the docs and the dashboard."""

from __future__ import annotations

import re
from functools import cache

from etl.db import WAREHOUSE_DIR

EXAMPLES = WAREHOUSE_DIR / "examples.sql"


@cache
def example_queries() -> dict[str, str]:
    """Title (the comment line above each query) -> SQL; the file's opening comment is not a query."""
    examples: dict[str, str] = {}
    for chunk in re.split(r"\n\s*\n", EXAMPLES.read_text(encoding="utf-8")):
        lines = chunk.strip().splitlines()
        if len(lines) > 1 and lines[0].startswith("--") and not lines[-1].startswith("--"):
            examples[lines[0].lstrip("- ").strip()] = "\n".join(lines[1:]).strip()
    return examples
