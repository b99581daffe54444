"""Child processes that never outlive what started them: a parser worker or a server whose parent is
killed (even with SIGKILL, which runs no clean-up) is killed too, by the kernel."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

_PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Ask Linux to send `sig` to this process when its parent dies. Call it in the child (a pool
    initializer, a Popen preexec_fn); elsewhere than Linux it does nothing."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0)
    if os.getppid() == 1:  # the parent died before the request was in place
        os.kill(os.getpid(), sig)


def exit_with_parent(parent: int, poll_seconds: float = 0.5) -> None:
    """For a pool worker (its initializer, with initargs=(os.getpid(),)): a daemon thread ends this process
    as soon as `parent` is no longer its parent, even if that happened before the worker got this far. The
    kernel's parent-death signal (die_with_parent) fires when the *thread* that started the child ends,
    which in a pool may be long before the parent process does; reparenting cannot mislead."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_seconds)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def signal_group(process: subprocess.Popen | None, sig: int) -> None:
    """`sig` to the process group a child leads (it was started with start_new_session=True)."""
    if process is None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def start_group(command: list[str], **popen) -> subprocess.Popen:
    """A child in a process group of its own (so stopping it reaches what it starts), killed by the kernel
    if this process dies first."""
    return subprocess.Popen(command, start_new_session=True, preexec_fn=die_with_parent, **popen)


def stop_group(process: subprocess.Popen, grace: float = 20.0) -> None:
    """SIGTERM to the child's group, then SIGKILL to whatever is left of it after `grace` seconds."""
    signal_group(process, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace)
    signal_group(process, signal.SIGKILL)  # its children too, whatever the leader did
    process.wait()


def _interrupt(*_) -> None:
    raise KeyboardInterrupt  # a SIGTERM or SIGHUP (systemd, a container stop, a closed terminal) is a Ctrl-C


@contextlib.contextmanager
def stop_signals_interrupt() -> Iterator[None]:
    """While inside, SIGTERM and SIGHUP raise KeyboardInterrupt, so `finally` blocks stop the children."""
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_group(command: list[str], **popen) -> int:
    """Run a child (a server) until it exits or this process is stopped; either way nothing is left."""
    with stop_signals_interrupt():
        process = start_group(command, **popen)
        try:
            return process.wait()
        except KeyboardInterrupt:
            return 0
        finally:
            stop_group(process)
