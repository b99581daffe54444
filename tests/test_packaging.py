"""The product as a user installs it: the wheel built from this checkout, installed into a fresh environment
away from the source tree, ingests the bundled samples and answers SQL."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import PROJECT_ROOT

UV = shutil.which("uv") or str(PROJECT_ROOT / ".tools" / "bin" / "uv")


def _run(command: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.mark.slow
def test_the_built_wheel_installs_and_runs_outside_the_checkout(tmp_path):
    if not Path(UV).exists():
        pytest.skip("uv is not installed (make test installs it)")
    _run([UV, "build", "--wheel", "--out-dir", str(tmp_path / "dist"), str(PROJECT_ROOT)], cwd=tmp_path)
    wheel = next((tmp_path / "dist").glob("pr_atlas-*.whl"))
    _run([UV, "venv", "--quiet", "--python", sys.executable, str(tmp_path / "env")], cwd=tmp_path)
    python = tmp_path / "env" / "bin" / "python"
    _run([UV, "pip", "install", "--quiet", "--python", str(python), str(wheel)], cwd=tmp_path)

    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PR_ATLAS_", "DAGSTER_", "PYTHON", "VIRTUAL_ENV"))}
    cli = str(tmp_path / "env" / "bin" / "pr-atlas")
    ingest = _run([cli, "ingest", "--sample", "--db", str(work / "w.duckdb")], cwd=work, env=env)
    assert ingest.stdout.startswith("ok:"), ingest.stdout
    answer = _run([cli, "sql", "select count(*) as prs from pull_requests", "--db", str(work / "w.duckdb"),
                   "--format", "csv"], cwd=work, env=env)
    assert int(answer.stdout.splitlines()[1]) > 0
    installed = _run([str(python), "-c", "import etl, dashboards; print(etl.__file__)"], cwd=work, env=env).stdout
    assert str(tmp_path / "env") in installed and not (tmp_path / "env").joinpath("tests").exists()
