"""`pr-atlas serve`: the Dagster daemon (schedules, sensors, run queue), Dagster's web UI and the dashboards,
started together, their output gathered in one log, and all stopped together on Ctrl-C.

Each service runs in a process group of its own, so stopping it reaches the code servers it started too;
nothing is left behind."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from .defs.partitions import REPO_PARTITIONS
from .paths import PROJECT_ROOT
from .processes import signal_group, start_group, stop_signals_interrupt
from .settings import Settings
from .status import project_instance

STOP_GRACE_SECONDS = 20
DAEMONS = ("SCHEDULER", "SENSOR", "QUEUED_RUN_COORDINATOR")


@dataclass
class Service:
    name: str
    command: list[str]
    url: str | None  # what answers when it is up; the daemon has no port and answers by heartbeat
    process: subprocess.Popen | None = None
    ready: bool = False
    pump: threading.Thread | None = None  # copies its output to the terminal and the log


def services(config: Settings, dashboard_command: list[str]) -> list[Service]:
    code = ["-m", "etl.definitions"]
    bin_dir = Path(sys.executable).parent
    web = f"http://{config.address}:{config.dagster_port}"
    return [
        Service("daemon", [str(bin_dir / "dagster-daemon"), "run", *code], None),
        Service("dagster-ui", [str(bin_dir / "dagster-webserver"), *code, "--host", config.address,
                               "--port", str(config.dagster_port)], f"{web}/server_info"),
        Service("dashboards", dashboard_command,
                f"http://{config.address}:{config.dashboard_port}/_stcore/health"),
    ]


class Supervisor:
    def __init__(self, services: list[Service], env: dict[str, str], log_path: Path):
        self.services, self.env = services, env
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = log_path
        self.log = log_path.open("a", encoding="utf-8", buffering=1)
        self.lock = threading.Lock()

    def say(self, name: str, line: str) -> None:
        stamped = f"{time.strftime('%H:%M:%S')} [{name}] {line.rstrip()}"
        with self.lock:
            self.log.write(stamped + "\n")
            print(stamped, file=sys.stderr, flush=True)

    def start(self) -> None:
        for service in self.services:
            service.process = start_group(
                service.command, cwd=PROJECT_ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, text=True, errors="replace")
            service.pump = threading.Thread(target=self._pump, args=(service,), daemon=True)
            service.pump.start()

    def _pump(self, service: Service) -> None:
        for line in service.process.stdout:
            self.say(service.name, line)

    def poll_ready(self, instance: dg.DagsterInstance) -> None:
        for service in self.services:
            if service.ready:
                continue
            if service.url:
                service.ready = _answers(service.url)
            else:
                beats = instance.get_daemon_heartbeats()
                service.ready = all(d in beats for d in DAEMONS)
            if service.ready:
                self.say("serve", f"{service.name} is up" + (f" ({service.url.rsplit('/', 1)[0]})"
                                                              if service.url else ""))

    def exited(self) -> Service | None:
        return next((s for s in self.services if s.process and s.process.poll() is not None), None)

    def stop(self) -> None:
        """SIGTERM to every group, then SIGKILL to what is still there after the grace period."""
        for service in self.services:
            signal_group(service.process, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for service in self.services:
            if service.process is None:
                continue
            try:
                service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say("serve", f"{service.name} did not stop in {STOP_GRACE_SECONDS} s: killing it")
            signal_group(service.process, signal.SIGKILL)  # its children too, whatever the parent did
            service.process.wait()
        for service in self.services:
            if service.pump:
                service.pump.join(timeout=2)
        self.log.close()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def add_repo_partitions(instance: dg.DagsterInstance, repos: list[str]) -> None:
    """The configured repos as partitions now, so the first schedule tick finds them (the sensor
    repo_partitions keeps them in step afterwards)."""
    missing = [r for r in repos if not instance.has_dynamic_partition(REPO_PARTITIONS.name, r)]
    if missing:
        instance.add_dynamic_partitions(REPO_PARTITIONS.name, missing)


def serve(config: Settings, dashboard_command: list[str], env: dict[str, str]) -> int:
    dagster_home = Path(env["DAGSTER_HOME"])
    log_path = dagster_home / ".dagster" / "logs" / "serve.log"
    supervisor = Supervisor(services(config, dashboard_command), env, log_path)
    with project_instance(dagster_home) as instance:
        add_repo_partitions(instance, config.repo_names)
        print(f"\nPR Atlas is starting (Ctrl-C stops everything):\n"
              f"  dashboards   http://{config.address}:{config.dashboard_port}\n"
              f"  Dagster UI   http://{config.address}:{config.dagster_port}   runs, schedules, sensors, assets\n"
              f"  daemon       runs the schedule, the sensors and the run queue (no port)\n"
              f"  logs         {log_path}\n"
              f"  config       {config.config_file}\n", file=sys.stderr, flush=True)
        status = 0
        with stop_signals_interrupt():
            try:
                supervisor.start()
                while True:
                    supervisor.poll_ready(instance)
                    gone = supervisor.exited()
                    if gone:
                        supervisor.say("serve", f"{gone.name} exited with code {gone.process.returncode}; "
                                                f"stopping the others (see {log_path})")
                        status = 1
                        break
                    time.sleep(1)
            except KeyboardInterrupt:
                supervisor.say("serve", "stopping")
            finally:
                supervisor.stop()
                print("PR Atlas stopped.", file=sys.stderr)
    return status
