"""Peak resident memory of this process and all its descendants, sampled from /proc (Linux).

ru_maxrss is no use for spawned workers: it counts the parent pages a child shared before exec."""

from __future__ import annotations

import os
import threading
from pathlib import Path

PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 1e6


def _rss_mb(pid: int) -> float:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_MB
    except (OSError, IndexError, ValueError):
        return 0.0


def _descendants(pid: int) -> list[int]:
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            found.extend(children)
            stack.extend(children)
    return found


class PeakTreeMemory:
    def __init__(self, interval: float = 0.05):
        self.interval = interval
        self.peak_total_mb = 0.0
        self.peak_main_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            main = _rss_mb(me)
            total = main + sum(_rss_mb(child) for child in _descendants(me))
            self.peak_main_mb = max(self.peak_main_mb, main)
            self.peak_total_mb = max(self.peak_total_mb, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakTreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
