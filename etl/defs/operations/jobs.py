"""The jobs that schedules and sensors start. Everything downstream of them (parsing, marts, search index,
the dashboards' snapshot) follows by its automation condition, not by being chained here."""

import dagster as dg

from ..keys import (
    RAW_DOCUMENTS,
    RAW_GIT,
    RAW_GITHUB,
    RAW_REPORT_SITE,
    RISK_MODELS,
    RISK_SCORES,
    STAGING_GIT,
    STAGING_GITHUB,
    STAGING_REPORTS,
)

GITHUB_COLLECTOR = dg.AssetSelection.assets(RAW_GITHUB, STAGING_GITHUB)
REPO_COLLECTORS = dg.AssetSelection.assets(RAW_GIT, STAGING_GIT, RAW_REPORT_SITE)
COLLECTORS = GITHUB_COLLECTOR | REPO_COLLECTORS

collect_github = dg.define_asset_job(
    "collect_github", selection=GITHUB_COLLECTOR,
    description="One repo's pull requests, files and reviews from the GitHub API, for one window of "
                "pull-request updated_at (partition: repo × window).",
    tags={"pr_atlas/kind": "collection"})

collect_repo = dg.define_asset_job(
    "collect_repo", selection=REPO_COLLECTORS,
    description="One repo (partition): its git history, and reports from the report site for its merged PRs.",
    tags={"pr_atlas/kind": "collection"})

ingest_report_files = dg.define_asset_job(
    "ingest_report_files", selection=dg.AssetSelection.assets(RAW_DOCUMENTS, STAGING_REPORTS),
    description="Store and parse report files: the configured locations, or the files a sensor names in the "
                "run config (ops: raw__documents: config: files).",
    tags={"pr_atlas/kind": "reports"})

retrain_risk = dg.define_asset_job(
    "retrain_risk", selection=dg.AssetSelection.assets(RISK_MODELS, RISK_SCORES),
    description="Every repo's regression-risk model: the version of each period its data has reached that has none "
                "yet is trained, and every PR scored again; module_risk and the views follow.",
    tags={"pr_atlas/kind": "risk"})
