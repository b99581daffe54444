"""Peak memory of this process and all its descendants, sampled from /proc (Linux).

The tree's memory is the sum of its processes' proportional set sizes (PSS): a page that several processes
share (a library, or a parent's pages that a child holds between fork and exec) counts once, split among
them. The plain sum of resident sizes is kept beside it: it counts a shared page once per process, so a
worker caught between fork and exec adds a second copy of its parent. ru_maxrss is no use for spawned
workers for the same reason."""

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


def _pss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1e3  # kB
    except (OSError, IndexError, ValueError):
        pass
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
        self.peak_total_mb = 0.0  # PSS of the tree
        self.peak_rss_sum_mb = 0.0
        self.peak_main_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            tree = [me, *_descendants(me)]
            main = _rss_mb(me)
            self.peak_main_mb = max(self.peak_main_mb, main)
            self.peak_rss_sum_mb = max(self.peak_rss_sum_mb, main + sum(_rss_mb(child) for child in tree[1:]))
            self.peak_total_mb = max(self.peak_total_mb, sum(_pss_mb(pid) for pid in tree))
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakTreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
