"""Resources shared by every domain: the DuckDB warehouse and where reports come from."""


from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb
from pydantic import Field

from etl import settings
from etl.db import apply_schema, connect, database_path
from etl.sources.report_files import SAMPLE_REPORTS


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB file. One writer at a time: the run queue in dagster.yaml keeps runs from colliding."""

    database: str = Field(description="Path of the DuckDB file (env PR_ATLAS_DB).")

    @contextmanager
    def connection(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        with connect(database_path(self.database), read_only=read_only) as con:
            if not read_only:
                apply_schema(con)
            yield con


class ReportSourcesResource(dg.ConfigurableResource):
    """Report folders, files and URLs to ingest, and the repo assumed for reports that name none."""

    locations: list[str] = Field(default_factory=list, description="Folders, files or report URLs.")
    include_sample: bool = Field(default=False, description="Also ingest the bundled sample reports.")
    default_repo: str | None = Field(default=None, description="Repo for reports that name none.")

    def all_locations(self) -> list[str]:
        return ([str(SAMPLE_REPORTS)] if self.include_sample else []) + list(self.locations)


def resources_from_environment() -> dict[str, dg.ConfigurableResource]:
    return {
        "warehouse": WarehouseResource(database=settings.warehouse_database()),
        "report_sources": ReportSourcesResource(locations=settings.report_locations(),
                                                include_sample=settings.include_sample_reports(),
                                                default_repo=settings.default_repo()),
    }


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=resources_from_environment())
