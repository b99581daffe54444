"""Local servers in the background: the dashboards on a free port and the headless Chromium that visits them
(the browser tests and the dashboard benchmark), and the HTTP stand-ins' threaded server and their answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("PR_ATLAS_CHROMIUM", "/usr/bin/chromium")
# No sandbox when run as root; no background calls to Google, which a closed network refuses many at a time.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class QuietHandler(BaseHTTPRequestHandler):
    """A stand-in's request handler that keeps its access log off the test's output."""

    def log_message(self, *args):
        pass


def serve_in_background(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    """A threaded HTTP server on a free local port, serving from a daemon thread until `stop`."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def stop(server: ThreadingHTTPServer) -> None:
    server.shutdown()
    server.server_close()


def send(handler: BaseHTTPRequestHandler, status: int, headers: Iterable[tuple[str, str]], body: bytes) -> None:
    """One whole answer: the status, the headers, the body's length and the body."""
    handler.send_response(status)
    for key, value in headers:
        handler.send_header(key, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def dashboard_server(database: Path, env: dict[str, str] | None = None, timeout: float = 60) -> Iterator[str]:
    """`pr-atlas dashboard` on `database`; yields its base URL once Streamlit reports healthy."""
    port = free_port()
    with _serving([sys.executable, "-m", "etl.cli", "dashboard", "--db", str(database), "--port", str(port),
                   "--address", "127.0.0.1"], port, env, timeout) as base:
        yield base


@contextmanager
def streamlit_server(script: Path, timeout: float = 60) -> Iterator[str]:
    """`streamlit run script` as `pr-atlas dashboard` runs the dashboards (the benchmark's floor: a page of nothing)."""
    port = free_port()
    with _serving([sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
                   "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats",
                   "false", "--server.fileWatcherType", "none", "--client.toolbarMode", "viewer"],
                  port, None, timeout) as base:
        yield base


@contextmanager
def _serving(command: list[str], port: int, env: dict[str, str] | None, timeout: float) -> Iterator[str]:
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if requests.get(f"{base}/_stcore/health", timeout=2).text == "ok":
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"the dashboard server did not start:\n{process.stdout.read()}")
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


@contextmanager
def chromium() -> Iterator:
    """Debian's headless Chromium under Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        raise FileNotFoundError(f"Chromium not found at {CHROMIUM}: `make test` installs Debian's chromium "
                                "package (or set PR_ATLAS_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
