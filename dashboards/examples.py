"""What the SQL page offers besides the box: the example queries of warehouse/examples.sql and the public
views as warehouse/README.md documents them (one file each for the docs and the dashboard)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from etl.paths import WAREHOUSE_DIR

EXAMPLES = WAREHOUSE_DIR / "examples.sql"
README = WAREHOUSE_DIR / "README.md"
PUBLIC_SECTION = "## The public views"


@cache
def example_queries() -> dict[str, str]:
    """Title (the comment line above each query) -> SQL; the file's opening comment is not a query."""
    examples: dict[str, str] = {}
    for chunk in re.split(r"\n\s*\n", EXAMPLES.read_text(encoding="utf-8")):
        lines = chunk.strip().splitlines()
        if len(lines) > 1 and lines[0].startswith("--") and not lines[-1].startswith("--"):
            examples[lines[0].lstrip("- ").strip()] = "\n".join(lines[1:]).strip()
    return examples


@dataclass
class DocumentedView:
    description: str
    columns: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (type, meaning)


@cache
def documented_views() -> dict[str, DocumentedView]:
    """Each view of the README's public section: its description and its column table (a row may name
    several columns, `pr_key, repo, number`; a view described in prose has no table)."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index(PUBLIC_SECTION):]
    section = section[:section.find("\n## ", 1)]
    views: dict[str, DocumentedView] = {}
    for block in section.split("\n### ")[1:]:
        name, _, body = block.partition("\n")
        prose = [line for line in body.splitlines() if line.strip() and not line.startswith("|")]
        view = views[name.strip().strip("`")] = DocumentedView(" ".join(prose))
        for line in body.splitlines():
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if not line.startswith("|") or len(cells) < 3 or cells[0] in ("column", "---"):
                continue
            for column in cells[0].split(","):
                view.columns[column.strip().strip("`")] = (cells[1], " | ".join(cells[2:]))
    return views
