"""The Dagster project loads with Dagster's own tools."""

import shutil
import subprocess
import sys
from pathlib import Path

from etl.definitions import build_definitions

from .conftest import PROJECT_ROOT, cli_env


def test_dg_check_defs_passes():
    dg_bin = shutil.which("dg") or str(Path(sys.executable).parent / "dg")
    result = subprocess.run([dg_bin, "check", "defs"], cwd=PROJECT_ROOT, env=cli_env(), capture_output=True,
                            text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All definitions loaded successfully" in result.stdout + result.stderr


def test_assets_checks_and_resources():
    defs = build_definitions()
    keys = sorted(a.key.to_user_string() for a in defs.assets)
    assert keys == ["core/reports", "raw/documents"]
    checks = {c.name for checks_def in defs.asset_checks for c in checks_def.check_specs}
    assert {"every_document_accounted_for", "one_latest_version_per_report", "no_orphan_report_rows",
            "quarantine_is_empty"} <= checks
    assert set(defs.resources) == {"warehouse", "report_sources"}
    assert all(a.group_names_by_key[k] == "reports" for a in defs.assets for k in a.keys)
