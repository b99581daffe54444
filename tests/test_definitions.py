"""The Dagster project loads with Dagster's own tools."""

import shutil
import subprocess
import sys
from pathlib import Path

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
            "quarantine_is_empty", "regression_chains_are_acyclic", "pr_links_endpoints_exist",
            "risk_flags_are_mapped", "weekly_totals_match_merged_prs"} <= checks
    assert set(defs.resources) == {"warehouse", "report_sources", "github_api", "git_history", "report_site"}
    assert groups["raw/github_responses"] == groups["staging/github"] == "github"
    assert groups["raw/git_logs"] == groups["staging/git"] == "git"
    assert groups["raw/report_site"] == "reports"
    assert groups["search/report_index"] == "search" and groups["serving/snapshot"] == "serving"
