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


def run_phase(script: str, *args: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}  # a throwaway Dagster instance
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(BENCH_DIR), env.get("PYTHONPATH")]))
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", script, *args], cwd=PROJECT_ROOT, env=env,
                         capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_seconds"] = time.perf_counter() - start
    return result
