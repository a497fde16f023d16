"""Memory of the benchmark's process tree (Linux ``/proc``): proportional set sizes, so the
sum over Chromium's processes is not inflated by shared libraries, sampled while a scan runs.

Example::

    with PeakMemory(pages=1000) as peak:
        scan(config, progress=peak.crawl_progress)
    peak.crawl_peak, peak.peak, peak.python_peak
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any


def _pss(pid: int) -> int:
    """Proportional set size in bytes: shared pages split between the processes sharing them,
    so the sum over Chromium's processes is not inflated by shared libraries."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def tree_memory(root: int) -> int:
    """Memory in bytes (PSS) of ``root`` and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += _pss(pid)
        stack.extend(children.get(pid, []))
    return total


class PeakMemory:
    """Samples the process tree's memory every 100 ms while active: the peak of the whole tree
    (browser included), of this Python process alone, and of the whole tree while the crawl
    runs (until ``pages`` pages are done: ``crawl_progress`` counts them)."""

    def __init__(self, pages: int = 0) -> None:
        self.peak = self.python_peak = self.crawl_peak = 0
        self.pages, self.done = pages, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def crawl_progress(self, event: Any) -> None:
        """A scan's ``progress`` callback: counts the pages done."""
        if getattr(event, "kind", None) == "page":
            self.done += 1

    def _run(self) -> None:
        while not self._stop.is_set():
            crawling = self.done < self.pages
            tree = tree_memory(os.getpid())
            self.peak = max(self.peak, tree)
            self.python_peak = max(self.python_peak, _pss(os.getpid()))
            if crawling:
                self.crawl_peak = max(self.crawl_peak, tree)
            self._stop.wait(0.1)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
