"""Deadlines a page cannot extend: every visit ends, however its script behaves.

A page's script can keep its renderer busy for ever (``while(true){}`` after ``load``, in the
click handler of a consent button, a ``location.replace`` loop). Playwright's own timeouts do
not cover every call (``page.evaluate`` has none), a call into a busy renderer never returns,
and ``page.close()`` itself can wait for ever when the page is navigating (#11). So
``PageGuard`` runs each visit as a task under a deadline taken from the config, and when the
deadline passes it closes the visit's pages from the browser side, which makes every call
still waiting on them fail at once:

1. ``page.close(run_before_unload=False)``: the browser closes a busy renderer's page within
   about half a second (measured with ``while(true){}``);
2. when that has not returned after ``CLOSE_WAIT`` seconds, ``Target.closeTarget`` on a
   DevTools session of the page, repeated until the page is closed (it frees a close that a
   navigation swallowed);
3. the visit then has ``GRACE`` seconds to come back with what it recorded. Otherwise it is
   cancelled, and if even that does not end it, it is left behind (``PageGuard.abandoned``,
   cancelled again once the phase's context is closed) and the page's visit holds only the
   timeout error.

The visit keeps what it recorded and gets a ``PageError(kind="timeout")`` that names the
deadline; the errors that closing the page caused ("Target page, context or browser has been
closed") are dropped: they say nothing about the site.

The per-page deadline (``page_deadline``), in seconds::

    page_timeout + idle_timeout + dwell + PAGE_MARGIN               every page
      + consent_timeout + dwell + CLICK_MARGIN                      the page whose banner is
                                                                    operated (the search, the
                                                                    clicks, the settle)
      + SCREENSHOT_TIMEOUT                                          with --evidence: the page's
                                                                    own screenshot

With the defaults (30, 5, 3.5, consent 6) and the real clock: 53.5 s a page, 78 s on the
start page of a consent phase. Under the virtual clock a page that freezes is visited again in
real time, so a page gets the page part twice (92 s); the start page of a consent phase always
runs on the real clock. The time budget only stops new pages: a phase ends at most one
deadline (plus the closing) after its budget.

Example::

    guard = PageGuard()
    visit, links = await guard.visit(scope, url, depth, hook, page_deadline(config))
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Coroutine
from typing import Any

from scanner.collect.visit import OnLoaded, PhaseScope, now_iso, visit_page
from scanner.config import ScanConfig
from scanner.evidence.pack import SCREENSHOT_TIMEOUT
from scanner.model import ConsentAction, PageError, Phase, Visit

#: Seconds on top of the waits a page is allowed: the page's own reads, cookies, closing.
PAGE_MARGIN = 15.0
#: Seconds on top of ``consent_timeout`` for the consent clicks, screenshots and TCF reads.
CLICK_MARGIN = 15.0
#: Seconds ``page.close()`` may take before the page is closed through DevTools.
CLOSE_WAIT = 3.0
#: Seconds a visit has to come back once its pages are closed, and again once cancelled.
GRACE = 5.0
#: Seconds for reading robots.txt and the sitemaps of a phase (up to 11 fetches of 15 s).
SITEMAP_DEADLINE = 180.0
#: Seconds for closing a phase's browser context.
CONTEXT_CLOSE_WAIT = 30.0

# The start of the timeout error's message; ``timed_out`` looks for it.
_DEADLINE = "the page did not finish within its"

# What Playwright says about a call into a page that was closed under it.
_CLOSED = ("Target page, context or browser has been closed", "Target closed")

Visitor = Callable[
    [PhaseScope, str, int, OnLoaded | None], Coroutine[Any, Any, tuple[Visit, list[str]]]
]


def page_deadline(config: ScanConfig, *, consent: bool = False) -> float:
    """Seconds one visit may take before its page is closed (see the module docstring).

    >>> page_deadline(ScanConfig(url="https://www.example.com/", clock="real"))
    53.5
    >>> page_deadline(ScanConfig(url="https://www.example.com/"), consent=True)
    78.0
    """
    page = config.page_timeout + config.idle_timeout + config.dwell
    if getattr(config, "clock", "real") == "virtual" and not consent:
        page *= 2  # a page that freezes under the virtual clock is visited again
    seconds = page + PAGE_MARGIN
    if consent:
        seconds += config.consent_timeout + config.dwell + CLICK_MARGIN
    if getattr(config, "evidence_dir", None) and getattr(config, "evidence_pages", 0):
        seconds += SCREENSHOT_TIMEOUT  # the page's screenshot for the evidence pack
    return seconds


class PageGuard:
    """Runs visits under a deadline; see the module docstring for what happens at it."""

    def __init__(
        self,
        visit: Visitor = visit_page,
        *,
        grace: float = GRACE,
        close_wait: float = CLOSE_WAIT,
    ) -> None:
        self._visit, self.grace, self.close_wait = visit, grace, close_wait
        #: Visits that outlived their deadline, the close and a cancel; kept, never forgotten.
        self.abandoned: set[asyncio.Task[Any]] = set()

    async def visit(
        self,
        scope: PhaseScope,
        url: str,
        depth: int,
        on_loaded: OnLoaded | None,
        seconds: float,
    ) -> tuple[Visit, list[str]]:
        """``visit_page(scope, url, depth, on_loaded)``, ended after ``seconds`` at the most.

        A visit that fails before its deadline raises as it would without the guard.
        """
        pages = _PageTracker(scope.context)
        started, clock = now_iso(), time.monotonic()
        task: asyncio.Task[tuple[Visit, list[str]]] = asyncio.create_task(
            self._visit(dataclasses.replace(scope, context=pages), url, depth, on_loaded)
        )
        try:
            done, _ = await asyncio.wait({task}, timeout=seconds)
            if done:
                return task.result()
            await asyncio.gather(*(close_page(scope.context, p, self.close_wait) for p in pages))
            done, _ = await asyncio.wait({task}, timeout=self.grace)
            if not done:
                task.cancel()
                await asyncio.wait({task}, timeout=self.grace)
        except BaseException:  # this worker is cancelled (the phase failed, Ctrl-C)
            task.cancel()
            await asyncio.wait({task}, timeout=self.grace)
            self._keep(task)
            raise
        message = (
            f"{_DEADLINE} {seconds:g} s deadline "
            "(page timeout + idle timeout + dwell [+ consent] + margin) and was closed"
        )
        if task.done() and not task.cancelled() and task.exception() is None:
            visit, links = task.result()
            return _with_timeout(visit, message), links
        self._keep(task)
        bare = Visit(
            url=url,
            final_url=url,
            depth=depth,
            phase=scope.phase,
            started_at=started,
            duration_ms=round((time.monotonic() - clock) * 1000, 1),
            errors=(PageError("timeout", message),),
        )
        return bare, []

    def _keep(self, task: asyncio.Task[Any]) -> None:
        if task.done():
            _retrieve(task)
            return
        self.abandoned.add(task)
        task.add_done_callback(self.abandoned.discard)
        task.add_done_callback(_retrieve)

    async def settle(self) -> None:
        """Cancel the visits left behind and give them ``grace`` seconds (after the context
        closed, nothing they wait on is left)."""
        if not self.abandoned:
            return
        for task in self.abandoned:
            task.cancel()
        await asyncio.wait(set(self.abandoned), timeout=self.grace)


def timed_out(visit: Visit) -> bool:
    """True when ``PageGuard`` ended ``visit`` at its deadline."""
    return any(e.kind == "timeout" and e.message.startswith(_DEADLINE) for e in visit.errors)


def consent_timed_out(action: ConsentAction | None, phase: Phase, visit: Visit) -> ConsentAction:
    """The consent action of a phase whose start page was closed at its deadline: failed,
    with the deadline as the reason (what the operator said before is kept as ``error``)."""
    reason = next(e.message for e in visit.errors if e.message.startswith(_DEADLINE))
    if action is None:
        return ConsentAction(
            action=phase,  # type: ignore[arg-type]
            outcome="failed",
            page=visit.url,
            details={"reason": reason},
        )
    details = dict(action.details)
    if "reason" in details:
        details["error"] = details["reason"]
    details["reason"] = reason
    return dataclasses.replace(action, outcome="failed", details=details)


async def close_context(context: Any, wait: float = CONTEXT_CLOSE_WAIT) -> None:
    """Close a phase's context; give up after ``wait`` seconds (the browser's close ends it).

    Never raises: a context of a browser that is already gone (Ctrl-C) has nothing to close.
    """
    try:
        await asyncio.wait_for(context.close(), wait)
    except Exception:  # noqa: BLE001 - TimeoutError, or the browser is gone
        pass


def _with_timeout(visit: Visit, message: str) -> Visit:
    kept = tuple(e for e in visit.errors if not any(n in e.message for n in _CLOSED))
    return dataclasses.replace(visit, errors=(*kept, PageError("timeout", message)))


def _retrieve(task: asyncio.Task[Any]) -> None:
    """Read a finished task's outcome, so asyncio never logs it as never retrieved."""
    if not task.cancelled():
        task.exception()


async def close_page(context: Any, page: Any, wait: float = CLOSE_WAIT) -> bool:
    """Close ``page`` even when its renderer is busy or it is navigating; True once closed.

    ``page.close(run_before_unload=False)`` first; after ``wait`` seconds without an answer,
    ``Target.closeTarget`` through a DevTools session of the page, up to three times.
    """
    closing = asyncio.ensure_future(page.close(run_before_unload=False))
    closing.add_done_callback(_retrieve)
    done, _ = await asyncio.wait({closing}, timeout=wait)
    if done:
        return True
    try:
        session = await asyncio.wait_for(context.new_cdp_session(page), wait)
        info = await asyncio.wait_for(session.send("Target.getTargetInfo"), wait)
        target = info["targetInfo"]["targetId"]
        for _attempt in range(3):
            await asyncio.wait_for(session.send("Target.closeTarget", {"targetId": target}), wait)
            done, _ = await asyncio.wait({closing}, timeout=2.0)
            if done:
                return True
    except Exception:  # noqa: BLE001 - e.g. the session went with the page it closed
        pass
    done, _ = await asyncio.wait({closing}, timeout=wait)
    return bool(done)


class _PageTracker:
    """Stands in for the phase's browser context during one visit and remembers the pages
    the visit opens, so that the guard can close them. Everything else is the context's."""

    def __init__(self, context: Any) -> None:
        self._context = context
        self._pages: list[Any] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)

    def __iter__(self) -> Any:
        return iter(list(self._pages))

    async def new_page(self) -> Any:
        page = await self._context.new_page()
        self._pages.append(page)
        return page
