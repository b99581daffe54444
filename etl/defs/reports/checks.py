"""Checks on what report users rely on: every document accounted for, one latest row per report, no child
rows without their report, and (a warning) anything in quarantine. They run in the staging/reports step,
right after the load, on its connection."""

import dagster as dg

from ..keys import STAGING_REPORTS

CHILD_TABLES = ("staging.report_key_files", "staging.report_code_snippets", "staging.report_review_highlights",
                "staging.report_risk_flags", "staging.report_references")

CHECK_SPECS = [
    dg.AssetCheckSpec("every_document_accounted_for", asset=STAGING_REPORTS,
                      description="Every raw document is either parsed or quarantined."),
    dg.AssetCheckSpec("one_latest_version_per_report", asset=STAGING_REPORTS,
                      description="staging.reports has exactly one row per report_id."),
    dg.AssetCheckSpec("no_orphan_report_rows", asset=STAGING_REPORTS,
                      description="No key file, snippet, highlight, flag or reference lacks its report."),
    dg.AssetCheckSpec("quarantine_is_empty", asset=STAGING_REPORTS,
                      description="Warns while documents sit in quarantine; lists their reasons."),
]


def _result(name: str, passed: bool, severity=dg.AssetCheckSeverity.ERROR, **metadata) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(asset_key=STAGING_REPORTS, check_name=name, passed=passed, severity=severity,
                               metadata=metadata)


def run_checks(con) -> list[dg.AssetCheckResult]:
    pending = con.execute("""
        select count(*) from raw.documents d
        where not exists (select 1 from staging.report_versions v where v.document_id = d.document_id)
          and not exists (select 1 from staging.quarantine q where q.document_id = d.document_id)
    """).fetchone()[0]
    duplicates = con.execute(
        "select count(*) from (select report_id from staging.reports group by report_id having count(*) > 1)"
    ).fetchone()[0]
    orphans = dict(con.execute(" union all ".join(
        f"select '{t}', count(*) from {t} c where not exists "
        f"(select 1 from staging.report_versions v where v.document_id = c.document_id)"
        for t in CHILD_TABLES)).fetchall())
    reasons = dict(con.execute("select reason, count(*) from staging.quarantine group by reason").fetchall())
    latest = con.execute(
        "select source_uri, reason, detail from staging.quarantine order by quarantined_at desc limit 20").df()
    return [
        _result("every_document_accounted_for", pending == 0, pending_documents=pending),
        _result("one_latest_version_per_report", duplicates == 0, duplicated_report_ids=duplicates),
        _result("no_orphan_report_rows", sum(orphans.values()) == 0, orphans=dg.MetadataValue.json(orphans)),
        _result("quarantine_is_empty", not reasons, dg.AssetCheckSeverity.WARN,
                by_reason=dg.MetadataValue.json(reasons),
                latest=dg.MetadataValue.md(latest.to_markdown(index=False) if len(latest) else "(none)")),
    ]
