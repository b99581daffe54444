"""The example queries of warehouse/README.md (the block under "Example queries"), for the SQL page: one
source for the docs and the dashboard."""

from __future__ import annotations

import re
from functools import cache

from etl.db import WAREHOUSE_DIR

README = WAREHOUSE_DIR / "README.md"


@cache
def example_queries() -> dict[str, str]:
    """Title (the comment line above each query) -> SQL."""
    text = README.read_text(encoding="utf-8")
    block = re.search(r"## Example queries\s+```sql\n(.*?)```", text, re.S)
    examples: dict[str, str] = {}
    for chunk in re.split(r"\n\s*\n", block.group(1) if block else ""):
        lines = chunk.strip().splitlines()
        if lines and lines[0].startswith("--"):
            examples[lines[0].lstrip("- ").strip()] = "\n".join(lines[1:]).strip()
    return examples
