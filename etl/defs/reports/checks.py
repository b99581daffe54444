"""Checks on what report users rely on: every document accounted for, one latest row per report, no child
rows without their report, and (a warning) anything in quarantine. They run in the core/reports step,
right after the load, on its connection."""

import dagster as dg

from ..keys import CORE_REPORTS

CHILD_TABLES = ("core.report_key_files", "core.report_code_snippets", "core.report_review_highlights",
                "core.report_risk_flags", "core.report_references")

CHECK_SPECS = [
    dg.AssetCheckSpec("every_document_accounted_for", asset=CORE_REPORTS,
                      description="Every raw document is either parsed or quarantined."),
    dg.AssetCheckSpec("one_latest_version_per_report", asset=CORE_REPORTS,
                      description="core.reports has exactly one row per report_id."),
    dg.AssetCheckSpec("no_orphan_report_rows", asset=CORE_REPORTS,
                      description="No key file, snippet, highlight, flag or reference lacks its report."),
    dg.AssetCheckSpec("quarantine_is_empty", asset=CORE_REPORTS,
                      description="Warns while documents sit in quarantine; lists their reasons."),
]


def _result(name: str, passed: bool, severity=dg.AssetCheckSeverity.ERROR, **metadata) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(asset_key=CORE_REPORTS, check_name=name, passed=passed, severity=severity,
                               metadata=metadata)


def run_checks(con) -> list[dg.AssetCheckResult]:
    pending = con.execute("""
        select count(*) from raw.documents d
        where not exists (select 1 from core.report_versions v where v.document_id = d.document_id)
          and not exists (select 1 from core.quarantine q where q.document_id = d.document_id)
    """).fetchone()[0]
    duplicates = con.execute(
        "select count(*) from (select report_id from core.reports group by report_id having count(*) > 1)"
    ).fetchone()[0]
    orphans = dict(con.execute(" union all ".join(
        f"select '{t}', count(*) from {t} c where not exists "
        f"(select 1 from core.report_versions v where v.document_id = c.document_id)"
        for t in CHILD_TABLES)).fetchall())
    reasons = dict(con.execute("select reason, count(*) from core.quarantine group by reason").fetchall())
    latest = con.execute(
        "select source_uri, reason, detail from core.quarantine order by quarantined_at desc limit 20").df()
    return [
        _result("every_document_accounted_for", pending == 0, pending_documents=pending),
        _result("one_latest_version_per_report", duplicates == 0, duplicated_report_ids=duplicates),
        _result("no_orphan_report_rows", sum(orphans.values()) == 0, orphans=dg.MetadataValue.json(orphans)),
        _result("quarantine_is_empty", not reasons, dg.AssetCheckSeverity.WARN,
                by_reason=dg.MetadataValue.json(reasons),
                latest=dg.MetadataValue.md(latest.to_markdown(index=False) if len(latest) else "(none)")),
    ]
