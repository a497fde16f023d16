"""Run the independent scans of one test module side by side, each in its own browser.

A browser test mostly waits (for pages, dwells, consent timeouts, a site's timers): its CPU
time is about a quarter of its wall time. Scans that do not depend on each other can share
that wait. ``Scans`` starts all the scans it was given at once, in one event loop, the first
time a test asks for one of them, and hands each test the result it reads. A scan that failed
raises its error in the tests that read it, and only in those.

Keep scans whose test checks wall-clock durations tight out of it: they would share the
machine with the others.

Example::

    @pytest.fixture(scope="module")
    def scans(localweb):
        return Scans(
            frozen=local_config(localweb, LAZY + "frozen.html", dwell=3.0),
            demo=ScanConfig(url="https://www.example.com/", **localweb.scan_options()),
        )

    def test_frozen(scans):
        visit = visit_of(scans["frozen"], LAZY + "frozen.html")
"""

from __future__ import annotations

import asyncio
import time

from scanner import ScanConfig, scan_async
from scanner.demo.localweb import LocalWeb
from scanner.model import ScanResult


def local_config(web: LocalWeb, url: str, **options) -> ScanConfig:
    """The config ``conftest.scan_local`` scans ``url`` with (its fast waits by default)."""
    options.setdefault("dwell", 1.0)
    options.setdefault("idle_timeout", 2.0)
    return ScanConfig(url=url, **web.scan_options(), **options)


class Scans:
    """Named scans, run together once; ``scans[name]`` is that scan's result."""

    def __init__(self, **configs: ScanConfig) -> None:
        self.configs = configs
        self.outcomes: dict[str, ScanResult | BaseException] | None = None
        #: Wall seconds each scan took (while the others ran beside it).
        self.seconds: dict[str, float] = {}

    def __getitem__(self, name: str) -> ScanResult:
        if self.outcomes is None:
            self.outcomes = asyncio.run(self._run_all())
        outcome = self.outcomes[name]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    async def _run_all(self) -> dict[str, ScanResult | BaseException]:
        names = list(self.configs)
        done = await asyncio.gather(*(self._run(n) for n in names), return_exceptions=True)
        return dict(zip(names, done, strict=True))

    async def _run(self, name: str) -> ScanResult:
        started = time.monotonic()
        try:
            return await scan_async(self.configs[name])
        finally:
            self.seconds[name] = time.monotonic() - started
