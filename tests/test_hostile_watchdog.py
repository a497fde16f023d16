"""A page that never gives its renderer back, without a browser (issue #11, part 1): the
page's deadline is derived from the config, and ``watchdog.PageGuard`` closes a visit past it
(giving it a ``timeout`` error), leaves behind one that ignores the close, and does not touch
one on time. The hostile pages in Chromium are in test_hostile_runtime.py.
"""

from __future__ import annotations

import asyncio
import time

from busy_sites import BUSY, FAST, errors_of

from scanner import ScanConfig
from scanner.collect import watchdog
from scanner.collect.visit import PhaseScope
from scanner.model import Visit

# -- the deadline rule, without a browser -----------------------------------------------------


def test_the_page_deadline_is_derived_from_the_config():
    config = ScanConfig(url=BUSY, page_timeout=30, idle_timeout=5, dwell=3.5, consent_timeout=6)
    # Under the virtual clock, a page that freezes is visited again in real time.
    twice = 2 if getattr(config, "clock", "real") == "virtual" else 1
    assert watchdog.page_deadline(config) == twice * (30 + 5 + 3.5) + watchdog.PAGE_MARGIN
    # The page where the banner is operated (always the real clock) also gets the search, the
    # clicks and the settle.
    assert watchdog.page_deadline(config, consent=True) == (
        30 + 5 + 3.5 + watchdog.PAGE_MARGIN + 6 + 3.5 + watchdog.CLICK_MARGIN
    )


class FakeContext:
    """A context whose pages record being closed; ``new_page`` as Playwright's."""

    def __init__(self) -> None:
        self.pages: list[FakePage] = []

    async def new_page(self) -> FakePage:
        page = FakePage()
        self.pages.append(page)
        return page


class FakePage:
    def __init__(self) -> None:
        self.closed = asyncio.Event()

    async def close(self, run_before_unload: bool = False) -> None:
        self.closed.set()


def scope_of(context) -> PhaseScope:
    config = ScanConfig(url=BUSY, **FAST)
    return PhaseScope(context, None, config, None, "no-interaction")  # type: ignore[arg-type]


def visit_of_url(url: str, **fields) -> Visit:
    base = dict(url=url, final_url=url, depth=1, phase="no-interaction", started_at="t",
                duration_ms=1.0)  # fmt: skip
    return Visit(**{**base, **fields})


def test_a_visit_past_its_deadline_is_closed_and_gets_a_timeout():
    async def hangs_until_closed(scope, url, depth, on_loaded=None):
        page = await scope.context.new_page()
        await page.closed.wait()  # a Playwright call into a busy page returns only now
        return visit_of_url(url, title="partial"), ["https://busy.example.com/x"]

    async def main():
        context = FakeContext()
        guard = watchdog.PageGuard(hangs_until_closed, grace=1.0)
        started = time.monotonic()
        visit, links = await guard.visit(scope_of(context), BUSY + "busy.html", 1, None, 0.3)
        return visit, links, time.monotonic() - started, context

    visit, links, seconds, context = asyncio.run(main())
    assert seconds < 2 and context.pages[0].closed.is_set()
    assert visit.title == "partial" and links == ["https://busy.example.com/x"]
    assert "deadline" in errors_of(visit)["timeout"]


def test_a_visit_that_ignores_the_close_is_cancelled_then_left_behind():
    async def shrugs_off_one_cancel(scope, url, depth, on_loaded=None):
        await scope.context.new_page()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            await asyncio.sleep(3600)  # the worst case: the first cancel does not end it
        raise AssertionError("not reached")

    async def main():
        guard = watchdog.PageGuard(shrugs_off_one_cancel, grace=0.2)
        started = time.monotonic()
        visit, links = await guard.visit(scope_of(FakeContext()), BUSY, 0, None, 0.2)
        seconds = time.monotonic() - started
        left = len(guard.abandoned)
        await guard.settle()  # what the phase does once its context is closed
        return visit, links, seconds, left, len(guard.abandoned)

    visit, links, seconds, left, after = asyncio.run(main())
    assert seconds < 2 and links == [] and visit.url == BUSY and visit.depth == 0
    assert set(errors_of(visit)) == {"timeout"}
    assert (left, after) == (1, 0)


def test_a_visit_on_time_is_untouched():
    async def quick(scope, url, depth, on_loaded=None):
        await scope.context.new_page()
        return visit_of_url(url), []

    async def main():
        context = FakeContext()
        visit, _ = await watchdog.PageGuard(quick).visit(scope_of(context), BUSY, 0, None, 5)
        return visit, context

    visit, context = asyncio.run(main())
    assert visit.errors == () and not context.pages[0].closed.is_set()
