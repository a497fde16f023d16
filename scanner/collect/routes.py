"""The client-side routes of a page: URLs it puts in the address bar with the History API.

A single-page application changes its URL with ``history.pushState`` / ``replaceState`` (from
a button, a timer, on load) without loading a page; a crawler that reads only ``<a href>``
never visits those routes. ``RouteLog`` hears them from the browser itself: DevTools sends
``Page.navigatedWithinDocument`` with ``navigationType: "historyApi"`` for each History API
call of a frame, with the URL the browser accepted. Nothing passes through the page's
JavaScript, so a page can neither hide a route from the scan (by replacing ``pushState``
before an init script wraps it) nor forge one (the URL is the one the browser shows, and
``pushState`` only takes same-origin URLs). The crawl then queues the routes like links,
within the same scope and limits (``crawl.Frontier``).

Example::

    routes = RouteLog()
    await routes.attach(session)          # a DevTools session of the page, before goto
    ...
    routes.urls                           # ['https://spa.example.com/deals']
"""

from __future__ import annotations

import asyncio
from typing import Any

#: Routes kept per page (a page that pushes a URL per animation frame is not followed).
MAX_ROUTES = 50


class RouteLog:
    """The History API navigations of one page's main frame, in order, once each."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.main: str | None = None  # the main frame's DevTools id

    async def attach(self, session: Any) -> None:
        """Listen on ``session`` (DevTools, the page's target); call before ``goto``."""
        session.on("Page.navigatedWithinDocument", self._on_navigated)
        # Both at once: one round trip (a session's commands run in the order sent).
        _, tree = await asyncio.gather(
            session.send("Page.enable"), session.send("Page.getFrameTree")
        )
        self.main = tree["frameTree"]["frame"]["id"]

    def _on_navigated(self, event: dict[str, Any]) -> None:
        # "historyApi" (Chromium 120+); older ones send no type: then only a fragment change
        # (same URL before "#") is told apart, and dropped by the crawl's normalisation.
        kind = event.get("navigationType", "historyApi")
        url = event.get("url")
        if kind != "historyApi" or event.get("frameId") != self.main or not isinstance(url, str):
            return
        if url.startswith(("http://", "https://")) and url not in self.urls:
            if len(self.urls) < MAX_ROUTES:
                self.urls.append(url)
