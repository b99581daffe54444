"""Run one benchmark phase in its own Python process (so its peak memory is its own) and read the JSON
line it prints last."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent


def offline_env() -> dict[str, str]:
    """The environment a benchmark phase runs in: none of the user's configuration (no pr_atlas.toml, no
    PR_ATLAS_* or GITHUB_* variables, so no repo is collected from the network) and a throwaway Dagster
    instance. A benchmark measures what it names, offline, whatever the machine is configured for."""
    env = {k: v for k, v in os.environ.items()
           if k != "DAGSTER_HOME" and not k.startswith(("PR_ATLAS_", "GITHUB_"))}
    env["PR_ATLAS_CONFIG"] = str(BENCH_DIR / "offline.toml")
    return env


def isolate() -> None:
    """This process too runs with offline_env() (call before importing etl: some modules read the
    configuration when imported)."""
    for name in [k for k in os.environ if k.startswith(("PR_ATLAS_", "GITHUB_")) or k == "DAGSTER_HOME"]:
        del os.environ[name]
    os.environ["PR_ATLAS_CONFIG"] = str(BENCH_DIR / "offline.toml")


def run_phase(script: str, *args: str) -> dict:
    env = offline_env()
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BENCH_DIR), env.get("PYTHONPATH")]))
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", script, *args], cwd=PROJECT_ROOT, env=env,
                         capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_seconds"] = time.perf_counter() - start
    return result
