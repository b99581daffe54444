"""The Dagster project loads with Dagster's own tools."""

import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg

from etl.definitions import build_definitions
from etl.models import discover

from .conftest import PROJECT_ROOT, cli_env


def test_dg_check_defs_passes():
    dg_bin = shutil.which("dg") or str(Path(sys.executable).parent / "dg")
    result = subprocess.run([dg_bin, "check", "defs"], cwd=PROJECT_ROOT, env=cli_env(), capture_output=True,
                            text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All definitions loaded successfully" in result.stdout + result.stderr


def test_assets_checks_and_resources():
    defs = build_definitions()
    groups = {key.to_user_string(): a.group_names_by_key[key] for a in defs.assets for key in a.keys}
    assert groups["raw/documents"] == groups["staging/reports"] == "reports"
    # One asset per SQL model file, plus the config tables and the public views, all in the metrics group.
    models = {f"{m.layer}/{m.name}" for m in discover()}
    assert {"intermediate/link_claims", "marts/regression_chains", "marts/weekly_trends"} <= models
    metrics = {key for key, group in groups.items() if group == "metrics"}
    assert metrics == models | {"config/module_rules", "config/risk_taxonomy", "public/views"}
    # Checks run inside the steps that build their assets (check_specs), on the same connection.
    checks = {spec.name for a in defs.assets for spec in a.check_specs}
    assert {"every_document_accounted_for", "one_latest_version_per_report", "no_orphan_report_rows",
            "quarantine_is_empty", "regression_chains_are_acyclic", "pr_links_from_key_is_in_pull_requests",
            "risk_flags_are_mapped", "weekly_totals_match_merged_prs"} <= checks
    assert set(defs.resources) == {"warehouse", "report_sources", "github_api", "git_history", "report_site",
                                   "risk_model"}
    assert groups["raw/github_responses"] == groups["staging/github"] == "github"
    assert groups["raw/git_logs"] == groups["staging/git"] == "git"
    assert groups["raw/report_site"] == "reports"
    assert groups["search/report_index"] == "search" and groups["serving/snapshot"] == "serving"
    # The risk step trains on two marts and is read by a mart built after it, with the views: no cycle of steps.
    assert groups["risk/model_versions"] == groups["risk/pr_scores"] == "risk"
    assert {"every_pr_has_a_risk_score", "risk_scores_come_from_recorded_versions"} <= checks
    graph = defs.resolve_asset_graph()
    upstream = graph.get(dg.AssetKey(["risk", "pr_scores"])).parent_keys
    assert {dg.AssetKey(["marts", "pr_risk_features"]), dg.AssetKey(["marts", "pr_risk_labels"])} <= upstream
    assert dg.AssetKey(["risk", "pr_scores"]) in graph.get(dg.AssetKey(["marts", "module_risk"])).parent_keys
    assert dg.AssetKey(["risk", "pr_scores"]) in graph.get(dg.AssetKey(["public", "views"])).parent_keys
    unpartitioned = dg.AssetSelection.all() - dg.AssetSelection.groups("github", "git") - dg.AssetSelection.assets(
        dg.AssetKey(["raw", "report_site"]))
    job = dg.define_asset_job("everything", selection=unpartitioned).resolve(asset_graph=graph)
    assert {"metrics", "risk", "metrics_after_risk"} <= {node.name for node in job.graph.nodes}
