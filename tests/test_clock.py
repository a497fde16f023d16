"""The page clock: the dwell is a horizon in page time, run ahead of the wall clock.

Issue #15 ("Fast at the default settings: stop paying the dwell in wall-clock time"): a page's
timers up to ``dwell`` seconds after ``load`` must all run, none after, each once, and the page
must cost far less wall time than that. ``tests/sites/lazy.example.com/`` fires trackers 3, 6,
10 and 15 s after ``load``, every 5 s on an interval, after an idle callback and 2 s after a
script the server answers slowly.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from conftest import scan_local, visit_of
from together import Scans, local_config

from scanner.collect.clock import NetworkWatch, PageClock
from scanner.config import ScanConfig
from scanner.errors import ConfigError
from scanner.model import Request, ScanResult, Visit

LAZY = "https://lazy.example.com/"
TRACKERS = ("lazy-tracker.example.net", "lazy-pixel.example.net")
WITHIN = {"idle", "t3", "after-slow", "beat1", "t6", "beat2", "t10"}  # 12 s horizon
BEYOND = {"t15", "beat3"}


def hits(visit: Visit) -> Counter[str]:
    """Tracker hits of a visit by name (``/hit/t3`` and ``/px/t6.gif`` -> t3, t6)."""
    return Counter(
        r.url.rsplit("/", 1)[-1].removesuffix(".gif") for r in visit.requests if r.host in TRACKERS
    )


def hit_times(visit: Visit) -> dict[str, float]:
    return {
        r.url.rsplit("/", 1)[-1].removesuffix(".gif"): r.time_ms
        for r in visit.requests
        if r.host in TRACKERS
    }


@pytest.fixture(scope="module")
def lazy(localweb):
    """The lazy page on the default (virtual) clock with a 12 s horizon."""
    return scan_local(
        localweb, LAZY, phases=("no-interaction",), max_pages=2, dwell=12.0, idle_timeout=5.0
    )


@pytest.mark.browser
def test_every_tracker_within_the_horizon_once_none_beyond(lazy):
    visit = visit_of(lazy, LAZY)
    assert visit.clock == "virtual"
    seen = hits(visit)
    assert set(seen) == WITHIN, seen
    assert all(count == 1 for count in seen.values()), seen  # nothing double-counted
    assert not BEYOND & set(seen)
    names = {c.name for c in visit.cookies}
    assert "lazy_t6" in names and "lazy_t15" not in names


@pytest.mark.browser
def test_the_dwell_costs_far_less_wall_time_than_the_horizon(lazy):
    visit = visit_of(lazy, LAZY)
    # 12 s of page time; the slow script's 1 s on the wire is most of what is paid.
    assert visit.duration_ms < 6000, visit.duration_ms
    second = visit_of(lazy, LAZY + "page2.html")
    assert second.clock == "virtual" and set(hits(second)) == {"p2-t4"}
    assert second.duration_ms < 6000, second.duration_ms


@pytest.mark.browser
def test_request_times_are_page_times(lazy):
    times = hit_times(visit_of(lazy, LAZY))
    # Timers are set at load (a few hundred ms after navigation starts).
    for name, due in (("t3", 3000), ("t6", 6000), ("t10", 10000), ("beat1", 5000)):
        assert due <= times[name] < due + 1500, (name, times[name])
    assert max(times.values()) < 12000 + 1500
    assert times["idle"] < 3000
    # The slow script arrived after 1 s on the wire, when the page's clock stood still.
    assert 3000 <= times["after-slow"] < 4500


@pytest.fixture(scope="module")
def scans(localweb):
    """The scans below whose tests check no tight wall-clock time, run side by side."""
    fallback = {"phases": ("no-interaction",), "max_pages": 1, "dwell": 3.0, "idle_timeout": 1.0}
    return Scans(
        real=local_config(
            localweb,
            LAZY + "page2.html",
            phases=("no-interaction",),
            max_pages=1,
            dwell=5.0,
            clock="real",
        ),
        frozen=local_config(localweb, LAZY + "frozen.html", **fallback),
        stuck=local_config(localweb, LAZY + "stuck.html", **fallback),
        no_dwell=local_config(localweb, LAZY, phases=("no-interaction",), max_pages=1, dwell=0.0),
        # The demo shop with the dwell waited in wall-clock time. Eight pages at once (the
        # default is two per core): a real-clock page waits, whatever the machine's cores.
        demo=ScanConfig(
            url="https://www.example.com/",
            dwell=3.5,
            clock="real",
            concurrency=8,
            **localweb.scan_options(),
        ),
    )


@pytest.mark.browser
def test_real_clock_waits_in_wall_time(scans):
    visit = visit_of(scans["real"], LAZY + "page2.html")
    assert visit.clock == "real"
    assert set(hits(visit)) == {"p2-t4"}
    assert visit.duration_ms >= 5000


@pytest.mark.browser
def test_a_page_that_freezes_is_visited_again_in_real_time(scans):
    url = LAZY + "frozen.html"
    visit = visit_of(scans["frozen"], url)
    assert visit.clock == "real"
    assert visit.title == "Frozen under a virtual clock"
    assert hits(visit) == Counter({"after-spin": 1})
    assert not visit.errors


@pytest.mark.browser
def test_a_network_that_never_goes_quiet_runs_the_dwell_in_real_time(scans):
    url = LAZY + "stuck.html"
    visit = visit_of(scans["stuck"], url)
    assert visit.clock == "real"
    assert hits(visit) == Counter({"while-stuck": 1})
    assert visit.duration_ms < 10000


@pytest.mark.browser
def test_no_dwell_runs_no_clock(scans):
    visit = visit_of(scans["no_dwell"], LAZY)
    assert visit.clock is None
    assert not {"t3", "t6", "t10"} & set(hits(visit))


@pytest.mark.browser
def test_the_demo_shop_finds_the_same_on_both_clocks(scans, demo_result):
    """Every phase of the demo shop (a banner, a service worker, a websocket, a tracker after
    3 s): the same pages, hosts, cookies, findings and verdict with the dwell run ahead (the
    session's demo scan, default clock) and with it waited in wall-clock time."""
    real = scans["demo"]
    assert facts(demo_result) == facts(real)
    assert clocks(real) == {"real"}
    assert clocks(demo_result) == {"virtual", "real"}  # consent start pages: real
    start_pages = {p.visits[0].url for p in demo_result.phases if p.phase != "no-interaction"}
    assert start_pages == {"https://www.example.com/"}
    for phase in demo_result.phases:
        for visit in phase.visits:
            first = phase.phase != "no-interaction" and visit is phase.visits[0]
            assert visit.clock == ("real" if first else "virtual"), (phase.phase, visit.url)


def facts(result: ScanResult) -> tuple[object, ...]:
    phases = {
        p.phase: (
            {v.url for v in p.visits},
            {(r.host, r.url.split("?")[0]) for v in p.visits for r in v.requests},
            {(c.name, c.domain, c.party) for v in p.visits for c in v.cookies},
            p.consent.outcome if p.consent else None,
        )
        for p in result.phases
    }
    findings = sorted(
        (f.type, f.severity, f.phase or "", (f.service or {}).get("id", ""), sorted(f.pages))
        for f in result.findings
    )
    return phases, findings, result.verdict


def clocks(result: ScanResult) -> set[str | None]:
    return {v.clock for p in result.phases for v in p.visits}


# -- pure ---------------------------------------------------------------------------------------


def test_clock_option_is_checked():
    assert ScanConfig(url="https://www.example.com/").clock == "virtual"
    with pytest.raises(ConfigError, match="unknown clock 'sundial'; choose from virtual, real"):
        ScanConfig(url="https://www.example.com/", clock="sundial")  # type: ignore[arg-type]


class FakeSession:
    def __init__(self) -> None:
        self.handlers: dict[str, object] = {}

    def on(self, event: str, handler: object) -> None:
        self.handlers[event] = handler


def request(url: str, time_ms: float) -> Request:
    return Request(url, "GET", "fetch", "t.example.net", "third", time_ms)


def test_page_times_map_wall_clock_times_to_page_time():
    wall = [0.0]
    clock = PageClock(FakeSession(), lambda: wall[0])
    clock.enabled_ms = 500.0
    # The clock started 600 ms after navigation (ticks 100.6 s), then ran 12 s in 50 ms.
    clock.base = (600.0, 100.6)
    for at, ticks, url in ((610.0, 103.6, "https://t.example.net/t3"),
                           (620.0, 106.6, "https://t.example.net/t6"),
                           (625.0, 106.6, "https://t.example.net/t6"),
                           (640.0, 110.6, None)):  # fmt: skip
        wall[0] = at
        if url:
            clock._on_sent({"timestamp": ticks, "request": {"url": url}})
        else:
            clock._on_network({"timestamp": ticks})
    visit = Visit(
        url="https://lazy.example.com/",
        final_url="https://lazy.example.com/",
        depth=0,
        phase="no-interaction",
        started_at="2026-11-29T00:00:00Z",
        duration_ms=700.0,
        requests=(
            request("https://lazy.example.com/", 0.0),  # before the clock: unchanged
            request("https://t.example.net/t6", 300.0),  # before DevTools listened
            request("https://t.example.net/t3", 611.0),
            request("https://t.example.net/t6", 621.0),
            request("https://t.example.net/t6#again", 626.0),
            request("https://sw.example.net/ping", 641.0),  # unseen: the last event's time
        ),
    )
    times = [r.time_ms for r in clock.page_times(visit).requests]
    assert times == [0.0, 300.0, 3600.0, 6600.0, 6600.0, 10600.0]


def test_network_watch_is_quiet_once_every_request_is_answered():
    class Frame:
        def __init__(self, page: object) -> None:
            self.page = page

    class Req:
        service_worker = None

        def __init__(self, page: object) -> None:
            self.frame = Frame(page)

    class Resp:
        def __init__(self, req: Req) -> None:
            self.request = req

    async def run() -> tuple[bool, bool, float]:
        page, other = object(), object()
        watch = NetworkWatch(page)
        loop = asyncio.get_running_loop()
        mine = Req(page)
        watch._on_request(mine)
        watch._on_request(Req(other))  # another page's request is not waited for
        # Still pending: not quiet before the deadline.
        early = await watch.quiet(until=loop.time() + 0.1, window=0.05)
        loop.call_later(0.05, watch._on_response, Resp(mine))
        started = loop.time()
        late = await watch.quiet(until=loop.time() + 2, window=0.1)
        return early, late, loop.time() - started

    early, late, waited = asyncio.run(run())
    assert not early and late
    assert 0.1 <= waited < 1.0
