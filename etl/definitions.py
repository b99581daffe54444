"""The Dagster code location: everything under etl/defs, loaded the way `dg` expects."""

from pathlib import Path

import dagster as dg

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def build_definitions() -> dg.Definitions:
    return dg.load_from_defs_folder(project_root=PROJECT_ROOT)


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
