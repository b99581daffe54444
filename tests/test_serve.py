"""`pr-atlas serve` starts the Dagster daemon, Dagster's web UI and the dashboards, and Ctrl-C stops all of
them with nothing left running."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
import requests

from tests.local_server import free_port

from .conftest import PROJECT_ROOT, cli_env, run_cli


def _descendants(pid: int) -> set[int]:
    """Every process below `pid`, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
def test_serve_starts_three_services_and_ctrl_c_leaves_nothing_behind(tmp_path):
    database = tmp_path / "w.duckdb"
    run_cli("demo", "--no-dashboard", "--db", str(database))
    home = tmp_path / "dagster_home"
    home.mkdir()
    # The project's instance settings, with its storage in this test's folder.
    (home / "dagster.yaml").write_text((PROJECT_ROOT / "dagster.yaml").read_text(encoding="utf-8").replace(
        "base_dir: .dagster/", f"base_dir: {home}/.dagster/"), encoding="utf-8")
    dagster_port, dashboard_port = free_port(), free_port()
    serve = subprocess.Popen(
        [sys.executable, "-m", "etl.cli", "serve", "--db", str(database), "--address", "127.0.0.1",
         "--port", str(dashboard_port), "--dagster-port", str(dagster_port)],
        cwd=PROJECT_ROOT, env={**cli_env(), "DAGSTER_HOME": str(home)}, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 300  # the whole suite may be loading the 2 cores
        up = {}
        while time.monotonic() < deadline and len(up) < 3:
            assert serve.poll() is None, serve.stdout.read()
            for name, url in (("dagster-ui", f"http://127.0.0.1:{dagster_port}/server_info"),
                              ("dashboards", f"http://127.0.0.1:{dashboard_port}/_stcore/health")):
                try:
                    if requests.get(url, timeout=2).status_code == 200:
                        up[name] = True
                except requests.ConnectionError:
                    pass
            with dg.DagsterInstance.from_config(str(home)) as instance:
                beats = instance.get_daemon_heartbeats()
                if {"SCHEDULER", "SENSOR", "QUEUED_RUN_COORDINATOR"} <= set(beats):
                    up["daemon"] = True
            time.sleep(1)
        assert len(up) == 3, up
        page = requests.get(f"http://127.0.0.1:{dagster_port}/graphql", params={
            "query": "{ repositoriesOrError { ... on RepositoryConnection { nodes { schedules { name } } } } }"},
            timeout=30).json()
        schedules = [s["name"] for n in page["data"]["repositoriesOrError"]["nodes"] for s in n["schedules"]]
        assert sorted(schedules) == ["daily_git_and_reports", "daily_github", "risk_retraining"]
        started = _descendants(serve.pid)
        assert len(started) >= 3
    finally:
        serve.send_signal(signal.SIGINT)  # what Ctrl-C sends
        try:
            output, _ = serve.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            serve.kill()
            output = serve.communicate()[0]
            pytest.fail(f"serve did not stop within 120 s of Ctrl-C:\n{output[-4000:]}")
    assert serve.returncode == 0, output[-3000:]
    assert "dashboards   http://127.0.0.1:" in output and f":{dagster_port}" in output
    assert (home / ".dagster" / "logs" / "serve.log").stat().st_size > 0
    left = [pid for pid in started if _alive(pid)]
    assert not left, [Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ") for pid in left]
    assert os.path.exists(database)
