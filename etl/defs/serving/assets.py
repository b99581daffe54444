"""Serving domain: the read-only snapshot the dashboards read, published after everything else so
that a dashboard never waits on, or blocks, an ingestion (see etl/snapshot.py)."""

import time

import dagster as dg

from etl import names
from etl.db import database_path
from etl.defs.resources import WarehouseResource
from etl.defs.run_log import record_source_run
from etl.lake import current_version, is_lake
from etl.last_run import code_version
from etl.snapshot import publish

from ..keys import PUBLIC_VIEWS, SEARCH_INDEX
from ..partitions import after_sources


@dg.asset(
    key=["serving", "snapshot"],
    deps=[PUBLIC_VIEWS, SEARCH_INDEX],
    group_name="serving",
    kinds={"duckdb"},
    automation_condition=after_sources(),
    description="A whole copy of the warehouse in <name>.snapshots/, made current by moving the symlink "
                "current.duckdb. The dashboards and ad-hoc readers open it; the warehouse stays free for writers.",
)
def snapshot(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    if is_lake(warehouse.database):  # every DuckLake commit is already a snapshot readers can pin
        with warehouse.connection() as con:
            record_source_run(con, names.SNAPSHOT, context.run.run_id, {"lake_snapshot": current_version(con)})
            return dg.MaterializeResult(metadata={"lake_snapshot": current_version(con)})
    database = database_path(warehouse.database)
    with warehouse.connection() as con:
        # The code version lets the next `pr-atlas ingest` tell that this run still stands (etl/last_run.py).
        record_source_run(con, names.SNAPSHOT, context.run.run_id,
                          {"file": database.name, "code_version": code_version()})
        con.execute("checkpoint")
    started = time.perf_counter()
    path = publish(database, label=context.run.run_id[:8])
    seconds = round(time.perf_counter() - started, 3)
    context.log.info(f"published {path.name} ({path.stat().st_size / 1e6:.1f} MB in {seconds} s)")
    return dg.MaterializeResult(metadata={"path": str(path), "bytes": path.stat().st_size,
                                          "publish_seconds": seconds})
