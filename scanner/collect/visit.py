"""Open one page, wait as a visitor would, and record everything it does.

Wait policy: navigate and wait for ``load``; act as a visitor (``interact.py``: scroll to the
bottom in steps, move the pointer) so lazy content and trackers load; then run the page's clock
until ``timers`` seconds of page time after ``load`` (at least ``dwell``), so delayed trackers
fire, and end as soon as the network is quiet (capped by ``idle_timeout``). With the default
virtual clock that page time runs ahead of the wall clock (``clock.py``): a 10 s horizon
usually costs milliseconds. With ``clock="real"``, and on the start page of a consent phase
(where the banner is operated in wall-clock time), the page waits for the network to go quiet
and then stays until ``dwell`` wall seconds after ``load``. The URLs the page pushes with the
History API are returned with its links (``routes.py``). Every failure becomes a
``PageError`` on the visit: the crawl goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as _dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from scanner.collect.clock import (
    MIN_CAP,
    NetworkWatch,
    PageClock,
    PageFrozen,
    has_own_process_frames,
    page_time,
)
from scanner.collect.initiators import InitiatorTrace
from scanner.collect.interact import Act, VisitorActs, horizon
from scanner.collect.isolated import evaluate_isolated, open_session
from scanner.collect.observe import ContextObserver, PageRecorder
from scanner.collect.page_scripts import STORAGE_JS
from scanner.collect.parties import FirstParty
from scanner.collect.routes import RouteLog
from scanner.config import Clock, ScanConfig
from scanner.errors import first_line
from scanner.model import Phase, Visit

# Everything read from the main frame after the dwell, in one round trip, in a world of our own
# (isolated.py): the page's replacements of Array.from, querySelectorAll… are not there.
PAGE_JS = (
    """
() => {
  const links = Array.from(document.querySelectorAll("a[href], area[href]"), a => a.href)
    .filter(h => h.startsWith("http")).slice(0, 2000);
  const timing = performance.getEntriesByType("resource").slice(0, 1000)
    .map(e => [e.name, e.initiatorType]);
  return [document.title, links, (%s)(), timing];
}
"""
    % STORAGE_JS
)

# Chromium network error codes -> PageError kinds.
_ERROR_KINDS = (
    ("ERR_TOO_MANY_REDIRECTS", "redirect-loop"),
    ("Download is starting", "download"),
    ("ERR_CERT", "tls"),
    ("ERR_SSL", "tls"),
    ("ERR_NAME_NOT_RESOLVED", "unreachable"),
    ("ERR_CONNECTION", "unreachable"),
    ("ERR_ADDRESS_UNREACHABLE", "unreachable"),
    ("ERR_TUNNEL_CONNECTION_FAILED", "proxy"),
    ("ERR_PROXY", "proxy"),
    ("Timeout", "timeout"),
    ("ERR_TIMED_OUT", "timeout"),
    ("ERR_ABORTED", "aborted"),
)

OnLoaded = Callable[[Any, PageRecorder], Awaitable[None]]
#: Runs on the page after its dwell and reads, with the URL visited (the evidence screenshot).
AfterDwell = Callable[[Any, str], Awaitable[None]]


def classify_error(message: str) -> str:
    for needle, kind in _ERROR_KINDS:
        if needle in message:
            return kind
    return "navigation"


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class PhaseScope:
    """What every page of one phase shares: the browser context, its observer, the settings."""

    context: Any
    observer: ContextObserver
    config: ScanConfig
    first_party: FirstParty
    phase: Phase
    after_dwell: AfterDwell | None = None  # None unless an evidence pack is kept: no cost


async def visit_page(
    scope: PhaseScope, url: str, depth: int, on_loaded: OnLoaded | None = None
) -> tuple[Visit, list[str]]:
    """Visit ``url`` in the phase's context; return the ``Visit`` and the links on the page.

    ``on_loaded`` runs after ``load`` and before the dwell (the consent room clicks there); a
    page with one keeps the real clock. ``scope.after_dwell`` (the evidence pack's screenshot)
    runs once the page is read. A page that freezes under the virtual clock is visited again
    in real time (its visit says ``clock="real"``).
    """
    clock: Clock = "real" if on_loaded is not None else scope.config.clock
    if clock == "virtual":
        visited = await _visit(scope, url, depth, None, "virtual")
        if visited is not None:
            return visited
    visited = await _visit(scope, url, depth, on_loaded, "real")
    assert visited is not None  # only the virtual clock freezes a page
    return visited


async def _visit(
    scope: PhaseScope, url: str, depth: int, on_loaded: OnLoaded | None, clock: Clock
) -> tuple[Visit, list[str]] | None:
    """One visit on ``clock``; None when the page froze under the virtual clock."""
    context, observer, config = scope.context, scope.observer, scope.config
    first_party, phase = scope.first_party, scope.phase
    page = await context.new_page()
    recorder = PageRecorder(url, depth, phase, first_party, now_iso())
    observer.recorders[page] = recorder
    links: list[str] = []
    ran: Clock | None = None  # the clock that ran the dwell, once one did
    page_clock: PageClock | None = None  # the virtual clock, once one ran
    frozen = False
    loop = asyncio.get_running_loop()
    watch = NetworkWatch(page) if clock == "virtual" else None
    if watch is not None:
        watch.attach(context)

    background: set[asyncio.Task[Any]] = set()  # kept, and awaited before the page closes

    def on_dialog(dialog: Any) -> None:
        recorder.error("dialog", f"{dialog.type}: {dialog.message}")
        background.add(asyncio.ensure_future(dialog.dismiss()))

    def on_popup(popup: Any) -> None:
        recorder.error("popup", f"the page opened a window: {popup.url}")
        background.add(asyncio.ensure_future(popup.close()))

    where = _Whereabouts(page, url)
    page.on("dialog", on_dialog)
    page.on("popup", on_popup)
    page.on("framenavigated", where.on_navigated)
    page.on("requestfailed", where.on_failed)
    page.on("download", lambda d: recorder.error("download", f"download: {d.url}"))
    page.on("crash", lambda _: recorder.error("crash", "the page crashed"))
    page.on("websocket", lambda ws: recorder.on_websocket(ws.url, ws))
    reader: Any = None  # the DevTools session that reads the page (isolated.py)
    routes, acts = RouteLog(), VisitorActs(config)
    try:
        reader = await open_session(page)
        await routes.attach(reader)
        if config.trace_initiators:
            recorder.trace = await _trace(context, page, recorder)
        response = await page.goto(url, wait_until="load", timeout=config.page_timeout * 1000)
        loaded_at = loop.time()
        where.settle(recorder)
        if response is not None:
            recorder.status = response.status
            if response.status >= 400:
                recorder.error("http", f"HTTP {response.status} {response.status_text}".strip())
        if on_loaded is not None:
            await on_loaded(page, recorder)
        if watch is not None:
            ran, page_clock = await _linger_virtual(
                context, page, config, loaded_at, watch, recorder, partial(acts.run, page, reader)
            )
        else:
            await _linger(page, config, loaded_at, partial(acts.run, page, reader))
            ran = "real"
        where.settle(recorder)
        try:  # a page must not hold the scan forever, whatever its scripts do
            links = await asyncio.wait_for(
                _read_page(page, reader, observer, recorder), config.page_timeout
            )
        except TimeoutError:
            raise RuntimeError(
                f"Timeout: the page did not answer within {config.page_timeout:g} s"
            ) from None
        if scope.after_dwell is not None and _is_web(page.url):
            await scope.after_dwell(page, url)
    except PageFrozen:
        frozen = True
    except Exception as exc:  # noqa: BLE001 - every failure is recorded, the crawl goes on
        message = first_line(exc)
        if "Download is starting" not in message or not any(
            e.kind == "download" for e in recorder.errors
        ):
            recorder.error(classify_error(message), message)
    finally:
        if watch is not None:
            watch.detach(context)
        if not frozen:
            try:
                await observer.settle()
                await observer.snapshot_jar(context, recorder)
            except Exception as exc:  # noqa: BLE001
                recorder.error("internal", f"could not read cookies: {first_line(exc)}")
        observer.recorders.pop(page, None)
        # A dialog dismissed or a popup closed in the background may fail (the page is going
        # away); what matters is that nothing is left running after the page.
        if background:
            _done, late = await asyncio.wait(background, timeout=5)
            for task in late:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
        try:
            await page.close()
        except Exception:  # noqa: BLE001
            pass
    if frozen:
        return None
    visit = recorder.finish(config.include_cookie_values)
    if page_clock is not None:
        visit = page_clock.page_times(visit)
    pushed = tuple(routes.urls)
    visit = dataclasses.replace(visit, clock=ran, interactions=acts.done, routes=pushed)
    return visit, links + [u for u in pushed if u not in links]


async def _read_page(
    page: Any, reader: Any, observer: ContextObserver, recorder: PageRecorder
) -> list[str]:
    """Read the page after the dwell (title, links, storage, resource timing); its links.

    Nothing is read from a page that is not the site's (Chromium's error page after a refused
    navigation: ``_Whereabouts`` recorded it).
    """
    if not _is_web(page.url):
        return []
    title, links, (origin, items), timing = await evaluate_isolated(page, PAGE_JS, reader)
    recorder.on_resource_timing(timing)
    recorder.title = str(title)[:300]
    recorder.links_found = len(links)
    if origin and origin != "null":
        recorder.on_storage(origin, items)
    await observer.read_storage(page, recorder, include_main=False)
    return list(links)


class _Whereabouts:
    """The last http(s) URL of a page's main frame, and where it went that we do not scan.

    A page can navigate anywhere: a button that redirects to ``file:`` ends on Chromium's
    ``chrome-error://chromewebdata/``, which is not a page of the site. ``settle`` keeps the
    last real URL as the visit's ``final_url`` and records the refused navigation as a
    ``navigation`` error, once per place.
    """

    def __init__(self, page: Any, url: str) -> None:
        self.page, self.last = page, url
        self.failures: list[str] = []
        self.noted: set[str] = set()

    def on_navigated(self, frame: Any) -> None:
        if frame == self.page.main_frame and _is_web(frame.url):
            self.last = frame.url

    def on_failed(self, request: Any) -> None:
        try:
            if request.is_navigation_request() and request.frame == self.page.main_frame:
                self.failures.append(f"{request.failure or 'failed'} at {request.url}")
        except Exception:  # noqa: BLE001 - the frame is gone
            pass

    def settle(self, recorder: PageRecorder) -> None:
        now = self.page.url
        if _is_web(now):
            self.last = now
        elif now not in self.noted:
            self.noted.add(now)
            why = f" ({self.failures[-1][:300]})" if self.failures else ""
            recorder.error(
                "navigation", f"the page navigated to {now[:200]}, which is not scanned{why}"
            )
        recorder.final_url = self.last


def _is_web(url: str) -> bool:
    return url.startswith(("http://", "https://"))


async def _trace(context: Any, page: Any, recorder: PageRecorder) -> InitiatorTrace | None:
    """A DevTools session that records initiators; without one the page is still scanned."""
    trace = InitiatorTrace()
    try:
        await trace.attach(context, page)
    except Exception as exc:  # noqa: BLE001
        recorder.error("internal", f"no initiators on this page: {first_line(exc)}")
        return None
    return trace


async def _linger(page: Any, config: ScanConfig, loaded_at: float, act: Act) -> None:
    """The real clock: network quiet (capped), act, then stay until ``dwell`` after load."""
    loop = asyncio.get_running_loop()
    try:
        await page.wait_for_load_state("networkidle", timeout=config.idle_timeout * 1000)
    except Exception:  # noqa: BLE001 - a busy network is not an error
        pass
    with contextlib.suppress(Exception):  # a page that navigates meanwhile still dwells
        await act()
    remaining = config.dwell - (loop.time() - loaded_at)
    if remaining > 0:
        await page.wait_for_timeout(remaining * 1000)


async def _linger_virtual(
    context: Any,
    page: Any,
    config: ScanConfig,
    loaded_at: float,
    watch: NetworkWatch,
    recorder: PageRecorder,
    act: Act,
) -> tuple[Clock | None, PageClock | None]:
    """The virtual clock: act, run page time to the horizon, then wait for a quiet network.

    Returns the clock that ran the dwell (``"virtual"``, ``"real"`` after a fallback, None
    when no dwell was left to run) and the ``PageClock`` that ran it, if one did. Raises
    ``PageFrozen`` when the page stops answering.
    """
    loop = asyncio.get_running_loop()
    ran: Clock | None = None
    clock: PageClock | None = None
    # Until the clock starts, page time is wall time: what is left of the horizon after load.
    if horizon(config) - (loop.time() - loaded_at) <= 0:
        await act()
    elif await has_own_process_frames(context, page):
        await _linger(page, config, loaded_at, act)  # their timers keep the wall clock
        return "real", None
    else:
        try:
            clock = await PageClock.attach(context, page, recorder.now_ms)
            ran = await _run_clock(clock, page, config, loaded_at, act)
        except PageFrozen:
            raise
        except Exception:  # noqa: BLE001 - no DevTools session, or the page went away
            await _linger(page, config, loaded_at, act)
            return "real", clock
        if await has_own_process_frames(context, page):
            # A frame of its own appeared while the clock ran: give it the dwell in real time.
            ran = "real"
            remaining = config.dwell - (loop.time() - loaded_at)
            if remaining > 0:
                await asyncio.sleep(remaining)
    await watch.quiet(until=loaded_at + config.idle_timeout)
    return ran, clock


async def _run_clock(
    clock: PageClock, page: Any, config: ScanConfig, loaded_at: float, act: Act
) -> Clock:
    """Act, then run page time to the horizon after load; the clock that got it there.

    The fallback (``follow_wall``) gives the page only what is left of ``dwell``: the longer
    horizon is for a clock that runs ahead, not for the wall clock."""
    started = await act()
    if started is None:
        raise PageFrozen
    elapsed = asyncio.get_running_loop().time() - loaded_at
    budget = horizon(config) - elapsed
    if budget <= 0:
        return "real"  # the horizon passed in wall-clock time already
    # The clock stands still while fetches are pending: as long as a busy network is waited
    # for on the real clock (at least a second, so a slow machine is not taken for one).
    if await clock.run_ahead(budget, cap=max(config.idle_timeout, MIN_CAP)):
        return "virtual"
    # The clock stood still (fetches pending all along) or the page froze: find out which.
    now = await page_time(page)
    if now is None:
        raise PageFrozen
    await clock.follow_wall(config.dwell - elapsed - (now - started), now - started)
    return "real"
