"""Read a page from a JavaScript world of the scanner's own, where the page's scripts cannot reach.

A page can replace any built-in before the scanner reads it: ``Array.from``,
``NodeList.prototype``, ``document.querySelectorAll``, the ``document.title`` getter,
``Storage.prototype.key``… ``page.evaluate`` runs in the page's own world and would read what
the page wants it to. An isolated world (DevTools ``Page.createIsolatedWorld``, the world
browser extensions' content scripts run in) shares the page's DOM, storage and resource
timing but has its own globals and prototypes, fresh from the browser: what the page
replaced is not there. The value comes back through DevTools by value, not through
JavaScript the page could hook.

Example::

    title = await evaluate_isolated(page, "() => document.title")
"""

from __future__ import annotations

import contextlib
from typing import Any

#: The name of the scanner's world (DevTools makes a fresh one at each call).
WORLD = "cookiescan"


class IsolatedError(RuntimeError):
    """The function threw in the isolated world (its first line is the message)."""


async def open_session(page: Any) -> Any:
    """A DevTools session for ``evaluate_isolated``, opened while the page still answers:
    attaching to a renderer that runs a script forever waits for it, and cannot be cancelled."""
    return await page.context.new_cdp_session(page)


async def evaluate_isolated(page: Any, function: str, session: Any = None) -> Any:
    """Call ``function`` (the source of a JavaScript function without parameters) in an
    isolated world of ``page``'s main frame and return its value (JSON-like).

    ``session`` is one from ``open_session`` (left attached); without one, a session is
    opened and closed for this call. Raises ``IsolatedError`` when the function throws, and
    Playwright's errors when the page is gone.
    """
    if session is None:
        session = await open_session(page)
        try:
            return await evaluate_isolated(page, function, session)
        finally:
            with contextlib.suppress(Exception):  # the page may be closing
                await session.detach()
    tree = await session.send("Page.getFrameTree")
    world = await session.send(
        "Page.createIsolatedWorld",
        {"frameId": tree["frameTree"]["frame"]["id"], "worldName": WORLD},
    )
    reply = await session.send(
        "Runtime.evaluate",
        {
            "expression": f"({function})()",
            "contextId": world["executionContextId"],
            "returnByValue": True,
            "awaitPromise": True,
        },
    )
    if "exceptionDetails" in reply:
        details = reply["exceptionDetails"]
        text = (details.get("exception") or {}).get("description") or details.get("text", "")
        raise IsolatedError(str(text).splitlines()[0] if text else "the script threw")
    return reply.get("result", {}).get("value")
