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


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_stop = threading.Event()


def stop_requested() -> bool:
    """Whether a stop signal arrived inside `stops_within` (whoever's handler took it)."""
    return _stop.is_set()


@contextlib.contextmanager
def stops_within(grace: float, message: str) -> Iterator[None]:
    """While inside, SIGINT, SIGTERM and SIGHUP stop this process within `grace` seconds.

    Each signal raises where Python code runs: KeyboardInterrupt from the handlers set here, or Dagster's own
    interrupt inside a step (Dagster puts its handlers in place while it runs one), so `finally` blocks run and
    open transactions roll back. Whichever handler takes it, the signal is also seen here, through the
    interpreter's wakeup fd: the first marks the stop (stop_requested) and starts a timer; if the process
    still runs `grace` seconds later (a step in native code that does not look at signals, a worker pool that
    waits), or at a second signal, `message` is printed and the process ends at once, its worker processes
    with it. DuckDB keeps only committed transactions, so the warehouse is as after the last commit."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    _stop.clear()
    previous_fd = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    watcher = threading.Thread(target=_watch, args=(read_end, grace, message), name="stop-watch", daemon=True)
    watcher.start()
    try:
        with stop_signals_interrupt():
            yield
    finally:
        signal.set_wakeup_fd(previous_fd)
        os.write(write_end, b"\0")  # not a signal number: tells the watcher to end
        watcher.join(timeout=5)
        os.close(write_end)
        os.close(read_end)


def _watch(read_end: int, grace: float, message: str) -> None:
    stop_numbers = {int(sig) for sig in STOP_SIGNALS}
    while True:
        received = os.read(read_end, 64)
        if not received or 0 in received:
            return
        if not stop_numbers & set(received):
            continue
        if _stop.is_set():
            _end_now(message)
        _stop.set()
        timer = threading.Timer(grace, _end_now, args=(message,))
        timer.daemon = True
        timer.start()


def _end_now(message: str) -> None:
    import multiprocessing

    with contextlib.suppress(Exception):
        for child in multiprocessing.active_children():
            child.kill()
    with contextlib.suppress(OSError):
        os.write(sys.stderr.fileno(), f"{message}\n".encode())
    os._exit(130)


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
