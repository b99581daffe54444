"""Links domain: the claims that commit messages (git) and PR titles and bodies (GitHub) make about other PRs,
read from the stored texts by the link reader. (Report sentences are read where reports are parsed.)"""

import dataclasses

import dagster as dg

from etl.defs.resources import WarehouseResource
from etl.ingest.text_claims import read_claims

from ..keys import STAGING_GIT, STAGING_GITHUB, STAGING_TEXT_CLAIMS
from ..partitions import after_sources


@dg.asset(key=STAGING_TEXT_CLAIMS, deps=[STAGING_GIT, STAGING_GITHUB], group_name="links", kinds={"duckdb", "python"},
          automation_condition=after_sources(),
          description="Links claimed in commit messages and PR texts (staging.text_claims). A text is read when it "
                      "is new or changed, and every text again when the link reader changed (meta.text_reads).")
def text_claims(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connection() as con:
        stats = read_claims(con, progress=context.log.info)
        rows = con.execute("select count(*) from staging.text_claims").fetchone()[0]
        by_relation = dict(con.execute("select relation, count(*) from staging.text_claims group by all "
                                       "order by all").fetchall())
    return dg.MaterializeResult(metadata={
        "dagster/row_count": rows, **dataclasses.asdict(stats), "by_relation": dg.MetadataValue.json(by_relation)})
