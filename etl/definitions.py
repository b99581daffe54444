"""The Dagster code location: everything under etl/defs, loaded the way `dg` expects, from a checkout and
from an installed wheel alike (which has no pyproject.toml to find the folder by)."""

import dagster as dg

from etl import defs as defs_folder
from etl.paths import PROJECT_ROOT


def build_definitions() -> dg.Definitions:
    return dg.load_defs(defs_root=defs_folder, project_root=PROJECT_ROOT)


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
