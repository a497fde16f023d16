"""Trackers a visitor sets off: on scroll, on the first pointer move, seconds after load.

Issue 12 part 3. ``tests/sites/reach.example.com/`` hits ``reach-tracker.example.net`` once per
trigger: ``scroll`` (the first scroll event), ``bottom`` (an IntersectionObserver on the footer,
4000 px down), ``pointer`` (the first ``mousemove``) and ``t6`` (a timer 6 s after ``load``).
The default scan (virtual clock, interactions on, 10 s of timers) must see each exactly once.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from conftest import scan_local, visit_of
from together import Scans, local_config

from scanner.collect.browser import launch
from scanner.collect.clock import PageClock
from scanner.collect.interact import move_pointer, scroll_steps
from scanner.config import ScanConfig
from scanner.model import Visit

REACH = "https://reach.example.com/"
DEFAULTS = ScanConfig(url="")
TRIGGERED = {"scroll", "bottom", "pointer", "t6"}


def hits(visit: Visit) -> Counter[str]:
    return Counter(
        r.url.rsplit("/", 1)[-1] for r in visit.requests if r.host == "reach-tracker.example.net"
    )


@pytest.fixture(scope="module")
def default_scan(localweb):
    """The reach site at the default wait policy (dwell, timers, clock, interactions)."""
    return scan_local(
        localweb,
        REACH,
        phases=("no-interaction",),
        max_pages=1,
        dwell=DEFAULTS.dwell,
        idle_timeout=DEFAULTS.idle_timeout,
    )


@pytest.mark.browser
def test_the_default_scan_sets_off_every_tracker_once(default_scan):
    visit = visit_of(default_scan, REACH)
    seen = hits(visit)
    assert set(seen) == TRIGGERED, seen
    assert all(n == 1 for n in seen.values()), seen  # nothing double-counted
    assert visit.clock == "virtual"  # the interactions did not push the page off the clock
    assert visit.interactions == ("scroll", "pointer")
    assert default_scan.config["interact"] is True
    assert default_scan.config["timers"] == DEFAULTS.timers >= 6


@pytest.mark.browser
def test_the_late_timer_is_timed_in_page_time(default_scan):
    visit = visit_of(default_scan, REACH)
    times = {r.url.rsplit("/", 1)[-1]: r.time_ms for r in visit.requests}
    assert 6000 <= times["t6"] < 7500, times["t6"]
    # The visitor acted right after load, long before the timer.
    assert times["scroll"] < 3000 and times["pointer"] < 3000
    # Page time ran ahead: the 6 s timer cost far less wall time.
    assert visit.duration_ms < 5000, visit.duration_ms


@pytest.fixture(scope="module")
def other_scans(localweb):
    """The same page with other wait policies, scanned side by side (``together.py``); the
    default scan, whose test checks its wall time, runs alone."""
    once = {"phases": ("no-interaction",), "max_pages": 1, "dwell": 1.0}
    return Scans(
        inert=local_config(localweb, REACH, timers=0.0, interact=False, **once),
        real=local_config(localweb, REACH, clock="real", **once),
    )


@pytest.mark.browser
def test_without_interactions_or_timers_nothing_is_set_off(other_scans):
    """The same page with interact off and no timers beyond a 1 s dwell: the test can fail."""
    visit = visit_of(other_scans["inert"], REACH)
    assert visit.interactions == ()
    # The one scroll to the bottom a scan always did is still there; nothing else.
    assert set(hits(visit)) <= {"scroll", "bottom"}
    assert not {"pointer", "t6"} & set(hits(visit))


@pytest.mark.browser
def test_the_real_clock_interacts_too(other_scans):
    visit = visit_of(other_scans["real"], REACH)
    assert visit.clock == "real" and visit.interactions == ("scroll", "pointer")
    assert {"scroll", "bottom", "pointer"} <= set(hits(visit))
    assert "t6" not in hits(visit)  # the real clock waits the dwell, not the timers


async def _on_a_paused_clock(web) -> tuple[bool, object, list[str], float, float]:
    launched = await launch(args=web.browser_args())
    try:
        context = await launched.browser.new_context(ignore_https_errors=True)
        page = await context.new_page()
        await page.goto(REACH, wait_until="load")
        clock = await PageClock.attach(context, page, lambda: 0.0)
        assert await clock.run_ahead(1.0, cap=5.0)  # spent: the clock now stands still
        before = await page.evaluate("performance.now()")
        moved = await move_pointer(page)
        scrolled = await scroll_steps(page)
        await asyncio.sleep(0.3)
        names = await page.evaluate(
            "performance.getEntriesByType('resource').map(e => e.name.split('/').pop())"
        )
        after = await page.evaluate("performance.now()")
        return moved, scrolled, names, before, after
    finally:
        await launched.close()


@pytest.mark.browser
def test_input_reaches_a_page_whose_virtual_clock_stands_still(localweb):
    """DevTools input (the pointer) and the isolated-world scroll both work while the page's
    virtual clock is paused, and do not move it; but what waits for a rendering step (the
    IntersectionObserver) does not run until the clock moves. That is why the visitor acts
    before the clock starts (``visit.py``), as the default scan above shows."""
    moved, scrolled, names, before, after = asyncio.run(_on_a_paused_clock(localweb))
    assert moved is True
    assert scrolled is not None and scrolled[0] >= 1
    assert "pointer" in names and "scroll" in names
    assert after - before < 50  # page time stood still (ms)
