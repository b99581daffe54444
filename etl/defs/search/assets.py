"""Search domain: the full-text index over report text that the dashboard's search page ranks with."""

import dagster as dg

from etl import names
from etl.db import SEARCH_MEMORY_LIMIT
from etl.defs.resources import WarehouseResource
from etl.defs.run_log import record_source_run
from etl.ingest.search_index import refresh_search_index

from ..keys import SEARCH_INDEX, STAGING_REPORTS
from ..partitions import after_sources


@dg.asset(
    key=SEARCH_INDEX,
    deps=[STAGING_REPORTS],
    group_name="search",
    kinds={"duckdb", "sql"},
    automation_condition=after_sources(),
    description="search.documents and search.postings: each latest report cut into Chinese bigrams and "
                "English words (macro search_tokens), for BM25 ranking. Only changed reports are re-cut.",
)
def report_index(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connection() as con:
        stats = refresh_search_index(con, memory_limit=warehouse.step_memory_limit(SEARCH_MEMORY_LIMIT))
        metadata = {"dagster/row_count": stats.documents, "postings": stats.postings, "reindexed": stats.reindexed}
        record_source_run(con, names.SEARCH, context.run.run_id, metadata)
    return dg.MaterializeResult(metadata=metadata)
