"""Open one page, wait as a visitor would, and record everything it does.

Wait policy: navigate and wait for ``load``; then for the network to go quiet (capped by
``idle_timeout``); scroll to the bottom so lazy content loads; stay until ``dwell`` seconds
after ``load`` so delayed trackers fire. Every failure becomes a ``PageError`` on the visit:
the crawl goes on.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from scanner.collect.initiators import InitiatorTrace
from scanner.collect.observe import ContextObserver, PageRecorder
from scanner.collect.page_scripts import STORAGE_JS
from scanner.collect.parties import FirstParty
from scanner.config import ScanConfig
from scanner.errors import first_line
from scanner.model import Phase, Visit

# Everything read from the main frame after the dwell, in one round trip.
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


async def visit_page(
    scope: PhaseScope, url: str, depth: int, on_loaded: OnLoaded | None = None
) -> tuple[Visit, list[str]]:
    """Visit ``url`` in the phase's context; return the ``Visit`` and the links on the page.

    ``on_loaded`` runs after ``load`` and before the dwell (the consent room clicks there).
    """
    context, observer, config = scope.context, scope.observer, scope.config
    first_party, phase = scope.first_party, scope.phase
    page = await context.new_page()
    recorder = PageRecorder(url, depth, phase, first_party, now_iso())
    observer.recorders[page] = recorder
    links: list[str] = []
    loop = asyncio.get_running_loop()

    background: set[asyncio.Task[Any]] = set()  # kept, and awaited before the page closes

    def on_dialog(dialog: Any) -> None:
        recorder.error("dialog", f"{dialog.type}: {dialog.message}")
        background.add(asyncio.ensure_future(dialog.dismiss()))

    def on_popup(popup: Any) -> None:
        recorder.error("popup", f"the page opened a window: {popup.url}")
        background.add(asyncio.ensure_future(popup.close()))

    page.on("dialog", on_dialog)
    page.on("popup", on_popup)
    page.on("download", lambda d: recorder.error("download", f"download: {d.url}"))
    page.on("crash", lambda _: recorder.error("crash", "the page crashed"))
    page.on("websocket", lambda ws: recorder.on_websocket(ws.url))
    try:
        if config.trace_initiators:
            recorder.trace = await _trace(context, page, recorder)
        response = await page.goto(url, wait_until="load", timeout=config.page_timeout * 1000)
        loaded_at = loop.time()
        recorder.final_url = page.url
        if response is not None:
            recorder.status = response.status
            if response.status >= 400:
                recorder.error("http", f"HTTP {response.status} {response.status_text}".strip())
        if on_loaded is not None:
            await on_loaded(page, recorder)
        await _linger(page, config, loaded_at)
        recorder.final_url = page.url
        title, links, (origin, items), timing = await page.evaluate(PAGE_JS)
        recorder.on_resource_timing(timing)
        recorder.title = str(title)[:300]
        recorder.links_found = len(links)
        if origin and origin != "null":
            recorder.on_storage(origin, items)
        await observer.read_storage(page, recorder, include_main=False)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded, the crawl goes on
        message = first_line(exc)
        if "Download is starting" not in message or not any(
            e.kind == "download" for e in recorder.errors
        ):
            recorder.error(classify_error(message), message)
    finally:
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
    return recorder.finish(config.include_cookie_values), links


async def _trace(context: Any, page: Any, recorder: PageRecorder) -> InitiatorTrace | None:
    """A DevTools session that records initiators; without one the page is still scanned."""
    trace = InitiatorTrace()
    try:
        await trace.attach(context, page)
    except Exception as exc:  # noqa: BLE001
        recorder.error("internal", f"no initiators on this page: {first_line(exc)}")
        return None
    return trace


async def _linger(page: Any, config: ScanConfig, loaded_at: float) -> None:
    loop = asyncio.get_running_loop()
    try:
        await page.wait_for_load_state("networkidle", timeout=config.idle_timeout * 1000)
    except Exception:  # noqa: BLE001 - a busy network is not an error
        pass
    try:
        await page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight || 0)")
    except Exception:  # noqa: BLE001
        pass
    remaining = config.dwell - (loop.time() - loaded_at)
    if remaining > 0:
        await page.wait_for_timeout(remaining * 1000)
