"""How long a page stays open: a clock that runs ahead of the wall clock, and a quiet network.

The dwell (``ScanConfig.dwell``) is a horizon in *page time*: every timer, interval, animation
frame and idle callback a visitor's browser would run within ``dwell`` seconds after ``load``
runs, and none after. A visitor waits for them in wall-clock time; a scan need not. With
``clock="virtual"`` (the default) the page runs on Chromium's virtual time (DevTools
``Emulation.setVirtualTimePolicy``, policy ``pauseIfNetworkFetchesPending``, budget = what is
left of the dwell): when the page has nothing to do, its clock jumps to the next timer, so ten
seconds of timers take a few milliseconds; while the page waits for the network its clock
stops, so a script that arrives slowly still gets its full page time. ``Date``,
``performance.now``, timers, animation frames and idle callbacks all follow that clock, in the
page, its same-process iframes and its dedicated workers. When the budget is spent the clock
stays paused: nothing beyond the horizon runs while the page is read.

Why not a script that makes timers run faster (a warped ``setTimeout``, ``Date``…): it cannot
see the network, so every network wait looks N times longer to the page (a tracker loaded
slowly misses its horizon) and the horizon is only as exact as the wall clock's end;
``docs/scaling.md`` has the measurements.

Fallbacks, after which the visit says ``clock="real"``:

- the virtual clock is not spent after ``idle_timeout`` wall seconds (a request that never
  ends, a stream, a busy network: the clock stops while fetches are pending): the rest of the
  horizon runs at wall-clock pace (``follow_wall``), as it would for a visitor;
- the page stops answering (a script that waits for the clock in a busy loop never sees it
  move): ``PageFrozen`` is raised and the page is visited again in real time;
- a frame runs in a process of its own (site isolation, as in the full Chromium binary; the
  headless shell keeps a page's frames together): that frame's timers keep the wall clock, so
  the page waits for them in real time, before the clock starts or, for a frame that appeared
  while it ran, until ``dwell`` wall seconds after ``load``.

The recorder stamps what it sees with wall-clock milliseconds. ``PageClock.page_times`` turns
them into page time: the same session's ``Network`` events carry virtual timestamps, so a
request gets the exact page time DevTools gave the same URL; a cookie or a storage write gets
the page time of the last network event before it.

``NetworkWatch`` says when a page's network is quiet: no request of the page (its frames, and
its origin's service worker) waits for an answer, and none started or was answered for a short
while. A response counts as the answer: a ``fetch()`` whose body nobody reads never
"finishes" in Chromium, and would keep Playwright's ``networkidle`` away until its timeout.

Example::

    clock = await PageClock.attach(context, page, recorder.now_ms)
    if await clock.run_ahead(3.5, cap=5.0):   # 3.5 s of page time, usually in milliseconds
        ...                                   # every timer up to the horizon has run
    visit = clock.page_times(recorder.finish(False))
"""

from __future__ import annotations

import asyncio
import bisect
import dataclasses
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from scanner.model import Visit

#: Seconds without a request starting or being answered before the network counts as quiet
#: (Playwright's ``networkidle`` uses the same window).
QUIET = 0.5
#: Tasks the page may run in a row before its virtual clock is moved on anyway (a script that
#: posts messages to itself forever must not hold the clock still; real time would go on).
STARVATION = 100
#: Fewest wall seconds the virtual clock gets to reach the horizon before it counts as stalled.
MIN_CAP = 1.0
#: Wall seconds a page that is not frozen answers a one-line script within.
PROBE_TIMEOUT = 5.0
#: Wall seconds between two grants of page time when page time follows the wall clock.
STEP = 0.1


class PageFrozen(Exception):
    """The page stopped answering under the virtual clock; visit it again in real time."""


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class PageClock:
    """Chromium's virtual time for one page, through a DevTools session of its own.

    It also keeps what turns the recorder's wall-clock milliseconds into page time
    (``page_times``): the clock's start, and the DevTools timestamps (virtual) of the page's
    network events with the wall-clock moment each arrived.
    """

    def __init__(self, session: Any, now_ms: Callable[[], float]) -> None:
        self.session, self.now_ms = session, now_ms
        self._spent = asyncio.Event()
        self.enabled_ms = now_ms()  # requests seen before this have no DevTools event
        self.base: tuple[float, float] | None = None  # (wall ms, clock ticks in s) at start
        self.anchors: list[tuple[float, float]] = []  # (wall ms, clock ticks in s)
        self.sent: dict[str, deque[float]] = defaultdict(deque)  # URL -> ticks, in order
        session.on("Emulation.virtualTimeBudgetExpired", lambda _event: self._spent.set())
        session.on("Network.requestWillBeSent", self._on_sent)
        for event in ("Network.responseReceived", "Network.loadingFinished"):
            session.on(event, self._on_network)

    @classmethod
    async def attach(cls, context: Any, page: Any, now_ms: Callable[[], float]) -> PageClock:
        """A clock for ``page``; raises when no DevTools session can be opened.

        ``now_ms`` is the recorder's clock (wall-clock ms since the page's navigation)."""
        return cls(await context.new_cdp_session(page), now_ms)

    def _on_network(self, event: dict[str, Any]) -> None:
        ticks = event.get("timestamp")
        if isinstance(ticks, (int, float)):
            self.anchors.append((self.now_ms(), float(ticks)))

    def _on_sent(self, event: dict[str, Any]) -> None:
        self._on_network(event)
        url = (event.get("request") or {}).get("url")
        if url and self.anchors:
            self.sent[url.split("#", 1)[0]].append(self.anchors[-1][1])

    async def run_ahead(self, seconds: float, cap: float) -> bool:
        """Let page time run ``seconds`` on, as fast as the page allows.

        Returns True once the page reached that time (every timer up to it has run, and no
        fetch was pending when it did), False when ``cap`` wall seconds were not enough.
        """
        self._spent.clear()
        # Both commands go out at once: a session's commands run in the order sent, so the
        # Network events (only the events: no bodies kept) start before the clock does.
        _, reply = await asyncio.gather(
            self.session.send(
                "Network.enable",
                {"maxTotalBufferSize": 0, "maxResourceBufferSize": 0, "maxPostDataSize": 0},
            ),
            self.session.send(
                "Emulation.setVirtualTimePolicy",
                {
                    "policy": "pauseIfNetworkFetchesPending",
                    "budget": seconds * 1000,
                    "maxVirtualTimeTaskStarvationCount": STARVATION,
                },
            ),
        )
        # Virtual time starts where real time was: the same clock until here.
        ticks = float(reply.get("virtualTimeTicksBase", 0)) / 1000
        self.base = (self.now_ms(), ticks)
        try:
            await asyncio.wait_for(self._spent.wait(), cap)
        except TimeoutError:
            return False
        self.anchors.append((self.now_ms(), ticks + seconds))
        return True

    async def follow_wall(self, seconds: float, ran: float) -> None:
        """Let page time follow the wall clock for ``seconds``, network or not (the fallback);
        ``ran``: page seconds the clock had run ahead before.

        Page time is granted in steps of ``STEP`` seconds: within a step the page may run up
        to a step ahead, never more.
        """
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        ticks = (self.base[1] if self.base else 0.0) + ran
        while (left := end - loop.time()) > 0:
            grant = min(STEP, left)
            self.anchors.append((self.now_ms(), ticks))
            await self.session.send(
                "Emulation.setVirtualTimePolicy", {"policy": "advance", "budget": grant * 1000}
            )
            ticks += grant
            await asyncio.sleep(grant)
        self.anchors.append((self.now_ms(), ticks))

    def page_times(self, visit: Visit) -> Visit:
        """``visit`` with its ``time_ms`` values in page time (they were wall-clock times).

        Before the clock started the two are the same. After, a request takes the DevTools
        timestamp of the same URL (in order); anything else (cookies, storage writes,
        requests DevTools did not see) the page time of the last network event before it.
        """
        if self.base is None:
            return visit
        base_ms, base_ticks = self.base

        def page_ms(ticks: float) -> float:
            return round(base_ms + (ticks - base_ticks) * 1000, 1)

        walls, pages, latest = [base_ms], [base_ms], base_ticks
        for wall, ticks in sorted(a for a in self.anchors if a[0] > base_ms):
            latest = max(latest, ticks)  # page time never runs backwards
            walls.append(wall)
            pages.append(page_ms(latest))

        def at(wall: float | None) -> float | None:
            if wall is None or wall <= base_ms:
                return wall
            return pages[bisect.bisect_right(walls, wall) - 1]

        sent = {url: deque(ticks) for url, ticks in self.sent.items()}
        requests = []
        for request in visit.requests:
            time_ms = request.time_ms
            queue = sent.get(request.url.split("#", 1)[0])
            if request.time_ms >= self.enabled_ms and queue:
                ticks = queue.popleft()
                if time_ms > base_ms:
                    time_ms = max(page_ms(ticks), base_ms)
            elif time_ms > base_ms:
                time_ms = at(time_ms) or time_ms
            requests.append(dataclasses.replace(request, time_ms=time_ms))
        return dataclasses.replace(
            visit,
            requests=tuple(requests),
            cookies=tuple(dataclasses.replace(c, time_ms=at(c.time_ms)) for c in visit.cookies),
            storage=tuple(dataclasses.replace(s, time_ms=at(s.time_ms)) for s in visit.storage),
        )


async def page_time(page: Any, script: str = "performance.now()") -> float | None:
    """The page's ``performance.now()`` in seconds (``script`` must return it); None when the
    page does not answer."""
    try:
        value = await asyncio.wait_for(page.evaluate(script), PROBE_TIMEOUT)
    except TimeoutError:
        return None
    return float(value) / 1000


async def has_own_process_frames(context: Any, page: Any) -> bool:
    """Whether a frame of ``page`` runs in a process of its own (site isolation: the full
    Chromium binary; the headless shell keeps a page's frames in one process). Such a frame
    keeps the wall clock whatever the page's clock does."""
    main = _origin(page.url)
    for frame in page.frames[1:]:
        url = frame.url or ""
        if not url.startswith(("http://", "https://")) or _origin(url) == main:
            continue  # same-site frames share the page's process
        try:
            session = await context.new_cdp_session(frame)
        except Exception:  # noqa: BLE001 - "part of the parent frame's session": in-process
            continue
        try:
            await session.detach()
        except Exception:  # noqa: BLE001
            pass
        return True
    return False


class NetworkWatch:
    """The requests of one page (its frames, its origin's service worker) awaiting an answer."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.pending: set[Any] = set()
        self.last = asyncio.get_running_loop().time()
        self._changed = asyncio.Event()

    def attach(self, context: Any) -> None:
        context.on("request", self._on_request)
        context.on("response", self._on_response)
        context.on("requestfailed", self._on_done)

    def detach(self, context: Any) -> None:
        context.remove_listener("request", self._on_request)
        context.remove_listener("response", self._on_response)
        context.remove_listener("requestfailed", self._on_done)

    def _mine(self, request: Any) -> bool:
        worker = request.service_worker
        if worker is not None:
            return _origin(worker.url) == _origin(self.page.url)
        try:
            return request.frame.page is self.page
        except Exception:  # noqa: BLE001 - frames of closed pages raise
            return False

    def _touch(self) -> None:
        self.last = asyncio.get_running_loop().time()
        self._changed.set()

    def _on_request(self, request: Any) -> None:
        if self._mine(request):
            self.pending.add(request)
            self._touch()

    def _on_response(self, response: Any) -> None:
        self._on_done(response.request)

    def _on_done(self, request: Any) -> None:
        if request in self.pending:
            self.pending.discard(request)
            self._touch()

    async def quiet(self, until: float, window: float = QUIET) -> bool:
        """Wait until nothing is pending and nothing happened for ``window`` seconds, or until
        the loop time ``until``. True when the network went quiet."""
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            if not self.pending and now >= self.last + window:
                return True
            if now >= until:
                return False
            wake = until if self.pending else min(until, self.last + window)
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), max(0.0, wake - now))
            except TimeoutError:
                pass
