"""GitHub domain: pull requests, their files, reviews and review comments from the GraphQL API (or REST).
One step fetches and loads together, because what to fetch next depends on what is already loaded
(bookmarks, ETags, unchanged PRs).

A bad PR or response is the collector's to note (meta.fetch_misses, staging.github_warnings), never the
step's failure. What does fail the step is an HttpError that reached it: the client has already retried
within its budget and the API did not answer a second request either (or the credentials are bad, or a
rate-limit wait is too long), so the step is not tried again by COLLECTOR_RETRY, which would only
multiply the wait; the window stays open and the next run (or schedule tick) asks again."""

import json
from dataclasses import asdict

import dagster as dg

from etl import names, settings
from etl.db import table_counts
from etl.defs.resources import GitHubResource, WarehouseResource
from etl.defs.run_log import record_source_run
from etl.sources.http import HttpError

from ..keys import RAW_GITHUB, STAGING_GITHUB
from ..partitions import collection_window, collector_retry, no_retry_when_fatal, repo_windows

STAGING_TABLES = ("staging.github_pulls", "staging.github_files", "staging.github_reviews",
                  "staging.github_review_comments", "staging.github_warnings")


def _specs() -> list[dg.AssetSpec]:
    return [
        dg.AssetSpec(RAW_GITHUB, group_name="github", kinds={"duckdb"},
                     description="Every GitHub API response body exactly as received, with its URL (for GraphQL, "
                                 "the endpoint and the query's hash), status and headers. Append-only; an "
                                 "unchanged page fetched again adds nothing."),
        dg.AssetSpec(STAGING_GITHUB, group_name="github", kinds={"duckdb"},
                     description="Pull requests, changed files, reviews and review comments read from the API "
                                 "(staging.github_pulls, staging.github_files, staging.github_reviews, "
                                 "staging.github_review_comments), and what had to be changed or left out while "
                                 "reading them (staging.github_warnings)."),
    ]


@dg.definitions
def defs() -> dg.Definitions:
    """The GitHub step, its windows as the settings say when the definitions load (not when imported)."""
    chosen = settings.current()

    @dg.multi_asset(name="github", specs=_specs(), partitions_def=repo_windows(chosen),
                    retry_policy=collector_retry(chosen))
    def github(context: dg.AssetExecutionContext, warehouse: WarehouseResource, github_api: GitHubResource):
        """One repo's pull requests last updated in one window (a partition: repo × window)."""
        yield from _collect(context, warehouse, github_api, chosen)

    return dg.Definitions(assets=[github])


def _collect(context: dg.AssetExecutionContext, warehouse: WarehouseResource, github_api: GitHubResource,
             chosen: settings.Settings):
    repo, window = collection_window(context.partition_key, chosen)
    if repo not in github_api.repos:
        context.log.info(f"{repo}: GitHub collection is off for this repo")
        for key in (RAW_GITHUB, STAGING_GITHUB):
            yield dg.MaterializeResult(asset_key=key, metadata={"skipped": "GitHub collection is off for this repo"})
        return
    with warehouse.connection() as con, no_retry_when_fatal(HttpError):
        client, collector, store = github_api.collection(con, context.run.run_id, context.log.info)
        stats = asdict(store.load(collector.collect(repo, window, state=store)))
        raw_rows = con.execute("select count(*) from raw.github_responses").fetchone()[0]
        counts = table_counts(con, STAGING_TABLES)
        preview = con.execute("select repo, number, title, state, updated_at from staging.github_pulls "
                              "where repo = ? and updated_at >= ? and updated_at < ? order by updated_at desc "
                              "limit 10", [repo, window.start, window.end]).df()
        record_source_run(con, names.per_repo(names.GITHUB, repo), context.run.run_id,
                          {"window": window.key, **stats, "requests": client.stats.as_dict(), **counts})
    client.close()
    yield dg.MaterializeResult(asset_key=RAW_GITHUB, metadata={
        "dagster/row_count": raw_rows, "requests": dg.MetadataValue.json(client.stats.as_dict()),
        "api_url": github_api.api_url, "api": type(collector).__name__})
    yield dg.MaterializeResult(asset_key=STAGING_GITHUB, metadata={
        "dagster/row_count": counts["staging.github_pulls"], "prs_loaded": stats["prs_loaded"],
        "prs_with_problems": stats["prs_with_problems"],
        "walk": dg.MetadataValue.json(stats),
        "row_counts": dg.MetadataValue.json(counts),
        # JSON, not Markdown: a title is GitHub's text, and the Dagster UI would render Markdown of it
        "preview": dg.MetadataValue.json(json.loads(preview.to_json(orient="records", date_format="iso")))})
