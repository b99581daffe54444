"""Checks on what report users rely on: every document accounted for, one latest row per report, no
child rows without their report."""


import dagster as dg

from etl.defs.resources import WarehouseResource

# By key, not by importing the asset: the defs loader would otherwise find the asset in two modules.
core_reports = dg.AssetKey(["core", "reports"])

ORPHAN_SQL = """
select '{table}' as child_table, count(*) as orphans
from {table} c
where not exists (select 1 from core.report_versions v where v.document_id = c.document_id)
"""
CHILD_TABLES = ("core.report_key_files", "core.report_code_snippets", "core.report_review_highlights",
                "core.report_risk_flags", "core.report_references")


@dg.asset_check(asset=core_reports, description="Every raw document is either parsed or quarantined.")
def every_document_accounted_for(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connection(read_only=True) as con:
        pending = con.execute("""
            select count(*) from raw.documents d
            where not exists (select 1 from core.report_versions v where v.document_id = d.document_id)
              and not exists (select 1 from core.quarantine q where q.document_id = d.document_id)
        """).fetchone()[0]
    return dg.AssetCheckResult(passed=pending == 0, metadata={"pending_documents": pending})


@dg.asset_check(asset=core_reports, description="core.reports has exactly one row per report_id.")
def one_latest_version_per_report(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connection(read_only=True) as con:
        duplicates = con.execute(
            "select count(*) from (select report_id from core.reports group by report_id having count(*) > 1)"
        ).fetchone()[0]
    return dg.AssetCheckResult(passed=duplicates == 0, metadata={"duplicated_report_ids": duplicates})


@dg.asset_check(asset=core_reports, description="No key file, snippet, highlight, flag or reference lacks its report.")
def no_orphan_report_rows(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    sql = " union all ".join(ORPHAN_SQL.format(table=t) for t in CHILD_TABLES)
    with warehouse.connection(read_only=True) as con:
        orphans = dict(con.execute(sql).fetchall())
    return dg.AssetCheckResult(passed=sum(orphans.values()) == 0, metadata={"orphans": dg.MetadataValue.json(orphans)})


@dg.asset_check(asset=core_reports, blocking=False,
                description="Warns when documents sit in quarantine; lists their reasons.")
def quarantine_is_empty(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connection(read_only=True) as con:
        reasons = dict(con.execute("select reason, count(*) from core.quarantine group by reason").fetchall())
        latest = con.execute(
            "select source_uri, reason, detail from core.quarantine order by quarantined_at desc limit 20").df()
    return dg.AssetCheckResult(
        passed=not reasons, severity=dg.AssetCheckSeverity.WARN,
        metadata={"by_reason": dg.MetadataValue.json(reasons),
                  "latest": dg.MetadataValue.md(latest.to_markdown(index=False) if len(latest) else "(none)")})
