"""SIGTERM and SIGINT stop `pr-atlas ingest` within 10 s in the middle of any step (collecting GitHub,
parsing reports with worker processes, building the marts), leave nothing of its process group running and
the warehouse consistent, and the next run completes the work. Each on a real subprocess in a process group
of its own, killed whole when the test ends."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from etl.models import discover, fingerprints

from . import hostile_reports
from .conftest import PROJECT_ROOT, cli_env
from .github_standin import Dribble, StandIn, Target, build_repo
from .replay_server import require_fixtures

STOP_WITHIN = 10.0
pytestmark = pytest.mark.slow


class Ingest:
    """`pr-atlas ingest` in a process group of its own, its output read line by line as it comes."""

    def __init__(self, args: list[str], env: dict[str, str]):
        self.process = subprocess.Popen([sys.executable, "-m", "etl.cli", "ingest", *args], cwd=PROJECT_ROOT,
                                        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for(self, pattern: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                assert self.process.poll() is None, "".join(self.output)
                continue
            self.output.append(line)
            if re.search(pattern, line):
                return
        raise AssertionError(f"no line matching {pattern!r} within {timeout} s:\n{''.join(self.output)}")

    def stop(self, sig: signal.Signals) -> float:
        """Seconds from the signal (to the process, as systemd or a terminal sends it) to its exit."""
        started = time.monotonic()
        self.process.send_signal(sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=60)
        took = time.monotonic() - started
        time.sleep(0.5)
        while not self.lines.empty():
            self.output.append(self.lines.get())
        return took

    def group(self) -> list[int]:
        """Processes still in its process group (its parser workers, if any were left)."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[2]) == self.process.pid and fields[0] != "Z":
                found.append(int(stat.parent.name))
        return found

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def _stopped(ingest: Ingest, sig: signal.Signals) -> float:
    took = ingest.stop(sig)
    text = "".join(ingest.output)
    assert ingest.process.returncode == 130, text
    assert took < STOP_WITHIN, f"{took:.1f} s\n{text}"
    assert "Traceback" not in text, text
    deadline = time.monotonic() + 5  # the workers see their parent gone within half a second
    while ingest.group() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not ingest.group(), f"left running: {ingest.group()}"
    print(f"{sig.name}: stopped after {took:.1f} s", file=sys.stderr)
    return took


def _consistent(database: Path) -> None:
    with duckdb.connect(str(database), read_only=True) as con:
        for table, key in (("staging.github_pulls", "repo, number"), ("staging.report_versions", "document_id"),
                           ("raw.documents", "document_id")):
            total, distinct = con.execute(f"select count(*), count(distinct ({key})) from {table}").fetchone()
            assert total == distinct, table
        orphans = con.execute("select count(*) from staging.github_files f where not exists (select 1 from "
                              "staging.github_pulls p where p.repo = f.repo and p.number = f.number)").fetchone()[0]
        assert orphans == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_while_collecting_github(tmp_path, sig):
    require_fixtures()
    repo = build_repo("acme/slow", list(range(1, 41)))
    database = tmp_path / "w.duckdb"
    env = {**cli_env(), "PR_ATLAS_GITHUB_HISTORY_START": time.strftime("%Y-%m-01")}
    args = ["--db", str(database), "--github", "acme/slow"]
    with StandIn([repo]) as api:
        for number in range(8, 41):  # every PR after the first few answers its files a byte at a time
            api.faults[Target("acme/slow", "files", number)] = Dribble(0.3)
        ingest = Ingest([*args, "--github-api-url", api.base_url], env)
        try:
            ingest.wait_for(r"github: ")
            time.sleep(3)  # inside a dribbled request
            _stopped(ingest, sig)
        finally:
            ingest.kill()
        _consistent(database)
        api.faults.clear()
        again = subprocess.run([sys.executable, "-m", "etl.cli", "ingest", *args, "--github-api-url", api.base_url],
                               cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("select count(*) from staging.github_pulls").fetchone()[0] == 40
        assert con.execute("select count(distinct number) from staging.github_files").fetchone()[0] == 40
    _consistent(database)


@pytest.fixture(scope="module")
def many_reports(tmp_path_factory) -> Path:
    """Enough reports that parsing them takes the two workers several seconds."""
    folder = tmp_path_factory.mktemp("many")
    for i in range(6000):
        (folder / f"r{i}.md").write_text(hostile_reports.report(str(60000 + i)) * 6, encoding="utf-8")
    return folder


def test_a_stop_while_parsing_reports_with_worker_processes(tmp_path, many_reports):
    database = tmp_path / "w.duckdb"
    args = ["--db", str(database), "--reports", str(many_reports)]
    ingest = Ingest(args, cli_env())
    try:
        ingest.wait_for(r"parse: \d+/6000")
        assert len(ingest.group()) >= 3, "the parser's worker processes never started"
        _stopped(ingest, signal.SIGTERM)
    finally:
        ingest.kill()
    _consistent(database)
    with duckdb.connect(str(database), read_only=True) as con:
        parsed_at_stop = con.execute("select count(*) from staging.report_versions").fetchone()[0]
    assert parsed_at_stop < 6000
    again = subprocess.run([sys.executable, "-m", "etl.cli", "ingest", *args], cwd=PROJECT_ROOT, env=cli_env(),
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("select count(*) from staging.report_versions").fetchone()[0] == 6000
        assert con.execute("select count(*) from pull_requests").fetchone()[0] >= 6000


def test_a_stop_while_building_the_marts(tmp_path, many_reports):
    database = tmp_path / "w.duckdb"
    args = ["--db", str(database), "--reports", str(many_reports)]
    ingest = Ingest(args, cli_env())
    try:
        ingest.wait_for(r"models: \d+ selected")
        _stopped(ingest, signal.SIGTERM)
    finally:
        ingest.kill()
    _consistent(database)
    with duckdb.connect(str(database), read_only=True) as con:  # stopped with some models built, not all
        assert con.execute("select count(*) from meta.model_builds").fetchone()[0] < len(discover())
    again = subprocess.run([sys.executable, "-m", "etl.cli", "ingest", *args], cwd=PROJECT_ROOT, env=cli_env(),
                           capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and again.stdout.startswith("ok"), again.stdout + again.stderr
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("select count(*) from pull_requests").fetchone()[0] >= 6000
        built = dict(con.execute("select model, fingerprint from meta.model_builds").fetchall())
        current = fingerprints(con, discover())
    assert built == current  # every model built from the inputs as they are now
