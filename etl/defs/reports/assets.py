"""Reports domain: documents as received (raw: local files and URLs, and the report site) and what the
parser read from them (staging)."""

import dagster as dg

from etl import names, settings
from etl.db import APPEND_MEMORY_LIMIT, table_counts
from etl.defs.resources import ReportSiteResource, ReportSourcesResource, WarehouseResource
from etl.defs.run_log import record_checks, record_source_run
from etl.ingest.parse_reports import parse_pending
from etl.ingest.raw_documents import store_documents
from etl.ingest.report_site_store import load_report_site, prs_without_report, validators_for
from etl.sources.http import HttpClient
from etl.sources.report_files import iter_documents
from etl.sources.report_site import fetch_reports

from ..keys import RAW_REPORT_SITE, STAGING_GIT, STAGING_GITHUB
from ..partitions import REPO_PARTITIONS, after_sources, collector_retry, no_retry_when_fatal
from .checks import CHECK_SPECS, run_checks

STAGING_TABLES = names.REPORT_TABLES


class ReportFilesConfig(dg.Config):
    """Set by the drop-folder sensor: read just these files instead of every configured location."""

    files: list[str] = []


@dg.asset(
    key_prefix="raw",
    name="documents",
    group_name="reports",
    kinds={"duckdb"},
    description="Every report document exactly as received: bytes, size, sha256, location, time. Append-only.",
)
def raw_documents(context: dg.AssetExecutionContext, config: ReportFilesConfig, warehouse: WarehouseResource,
                  report_sources: ReportSourcesResource) -> dg.MaterializeResult:
    locations = config.files or report_sources.all_locations()
    context.log.info(f"reading reports from {len(locations)} location(s)")
    with warehouse.connection() as con:
        stats = store_documents(con, iter_documents(locations), run_id=context.run.run_id, progress=context.log.info,
                                memory_limit=warehouse.step_memory_limit(APPEND_MEMORY_LIMIT))
        total = con.execute("select count(*) from raw.documents").fetchone()[0]
        metadata = {
            "documents_read": stats.documents_read,
            "new_documents": stats.new_documents,
            "bytes_read": stats.bytes_read,
            "unchanged_files": stats.unchanged_files,
            "unread": stats.unread,
            "dagster/row_count": total,
        }
        record_source_run(con, names.REPORTS, context.run.run_id, {**metadata, "locations": len(locations)})
    return dg.MaterializeResult(metadata={**metadata, "locations": dg.MetadataValue.json(locations)})

def _fetch_report_site(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                       report_site: ReportSiteResource) -> dg.MaterializeResult:
    if not report_site.base_url:
        return dg.MaterializeResult(metadata={"skipped": "no report site configured"})
    repo = context.partition_key
    client = HttpClient(log=context.log.info)  # never the GitHub token: the site is another host
    with warehouse.connection() as con, no_retry_when_fatal():
        targets = [(repo, n) for n in report_site.numbers if report_site.repo == repo]
        if report_site.missing_from_warehouse:
            targets += [t for t in prs_without_report(con) if t[0] == repo and t not in targets]
        answers = fetch_reports(client, report_site.base_url, targets,
                                validators_for(con, report_site.base_url, targets))
        site = load_report_site(con, answers, run_id=context.run.run_id, progress=context.log.info)
        metadata = {
            "requested": site.requested, "new_documents": site.new_documents, "fetched": site.fetched,
            "fetched_as_page": site.pages, "unchanged": site.unchanged, "not_published_yet": site.not_published,
            "base_url": report_site.base_url}
        record_source_run(con, names.per_repo(names.REPORT_SITE, repo), context.run.run_id, metadata)
    client.close()
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(
    key_prefix="staging",
    name="reports",
    deps=[raw_documents, RAW_REPORT_SITE],
    group_name="reports",
    kinds={"duckdb"},
    automation_condition=after_sources(),
    check_specs=CHECK_SPECS,
    description="Parsed reports (one row per document version; staging.reports is the latest per report) with "
                "key files, code snippets, review highlights, risk flags and PR references; unreadable "
                "documents go to staging.quarantine with their reason.",
)
def staging_reports(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                 report_sources: ReportSourcesResource):
    with warehouse.connection() as con:
        stats = parse_pending(con, default_repo=report_sources.default_repo, progress=context.log.info,
                              memory_limit=warehouse.step_memory_limit(APPEND_MEMORY_LIMIT))
        counts = table_counts(con, STAGING_TABLES)
        preview = con.execute(
            "select report_id, display_title, risk_level from staging.reports order by report_id limit 10"
        ).df()
        checks = record_checks(con, run_checks(con), context.run.run_id)
    yield dg.MaterializeResult(metadata={
        "parsed": stats.parsed,
        "quarantined": stats.quarantined,
        "quarantine_reasons": dg.MetadataValue.json(dict(stats.quarantine_reasons)),
        "dagster/row_count": counts["staging.report_versions"],
        "row_counts": dg.MetadataValue.json(counts),
        "preview": dg.MetadataValue.md(preview.to_markdown(index=False) if len(preview) else "(empty)"),
    })
    yield from checks


@dg.definitions
def defs() -> dg.Definitions:
    """The domain's assets; the report-site step's retries as the settings say when the definitions load."""

    @dg.asset(
        key=RAW_REPORT_SITE,
        deps=[STAGING_GITHUB, STAGING_GIT],  # a repo's partition reads every GitHub window of that repo
        group_name="reports",
        kinds={"duckdb"},
        partitions_def=REPO_PARTITIONS,
        retry_policy=collector_retry(settings.current()),
        description="Reports fetched from the report site into raw.documents: the configured PR numbers, and every "
                    "merged PR of the repo that GitHub or git knows and that has no report yet. Each is asked for "
                    "as report.md, else as the site's web page of the report; a 404 for both is asked again next "
                    "run.",
    )
    def raw_report_site(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                        report_site: ReportSiteResource) -> dg.MaterializeResult:
        return _fetch_report_site(context, warehouse, report_site)

    return dg.Definitions(assets=[raw_documents, raw_report_site, staging_reports])
