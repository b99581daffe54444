"""The Dagster code location: everything under etl/defs, loaded the way `dg` does, from the project's
configuration ([tool.dg] in pyproject.toml) in a checkout and in an installed wheel alike (the wheel carries
pyproject.toml in etl/_project: see etl/paths.py)."""

import dagster as dg

from etl.paths import PROJECT_ROOT


def build_definitions() -> dg.Definitions:
    return dg.load_from_defs_folder(path_within_project=PROJECT_ROOT)


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
