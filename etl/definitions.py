"""The Dagster code location: everything under etl/defs, loaded the way `dg` expects."""

from pathlib import Path

import dagster as dg


def build_definitions() -> dg.Definitions:
    return dg.load_from_defs_folder(path_within_project=Path(__file__).resolve().parent)


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
