"""Which script or document started each request, from Chromium's DevTools protocol.

Playwright's request events say what was fetched, not who asked for it. Per page, a CDP session
with ``Network.enable`` reports ``Network.requestWillBeSent`` with an ``initiator``: its ``type``
(``parser``, ``script``, ``preload``, ``other``…), a ``url`` for the parser's document (or
stylesheet), and for scripts a JavaScript ``stack`` whose top frame with a URL is the script
that made the request. ``InitiatorTrace`` keeps those per page and, when the page is done,
hands them to the Playwright requests they belong to (same URL, in order of appearance).

A redirect hop is reported under the first hop's ``requestId``: it keeps the initiator of the
request that started the chain. Service workers and cross-origin (out-of-process) iframes are
other DevTools targets: their requests are not seen here and keep what the page reported.

Example::

    >>> initiator_of({"type": "script", "stack": {"callFrames": [
    ...     {"url": "https://www.googletagmanager.com/gtm.js?id=GTM-X"}]}})
    ('https://www.googletagmanager.com/gtm.js?id=GTM-X', 'script')
"""

from __future__ import annotations

from collections import defaultdict, deque
from typing import Any

# At most this many stack levels (``parent`` links) are walked to find a frame with a URL.
_MAX_PARENTS = 20


def _strip_fragment(url: str) -> str:
    return url.split("#", 1)[0]


def _script_in_stack(stack: dict[str, Any] | None) -> str | None:
    """URL of the innermost call frame that has one, walking ``parent`` (async) stacks.

    http(s) scripts win over other URLs (``chrome-extension:``, ``blob:``, init scripts)."""
    fallback = None
    depth = 0
    while stack and depth < _MAX_PARENTS:
        for frame in stack.get("callFrames") or ():
            url = frame.get("url") or ""
            if url.startswith(("http://", "https://")):
                return url
            if url and fallback is None:
                fallback = url
        stack = stack.get("parent")
        depth += 1
    return fallback


def initiator_of(initiator: dict[str, Any]) -> tuple[str | None, str]:
    """``(url, type)`` of a CDP ``Network.Initiator``: the script for ``script``, else the
    document or stylesheet the DevTools protocol names (``None`` when it names none)."""
    kind = str(initiator.get("type") or "other")
    url = None
    if kind == "script":
        url = _script_in_stack(initiator.get("stack"))
    return url or initiator.get("url") or None, kind


class InitiatorTrace:
    """The ``Network.requestWillBeSent`` events of one page, matched to its requests later."""

    def __init__(self) -> None:
        self.by_url: dict[str, deque[tuple[str | None, str]]] = defaultdict(deque)
        self.first: dict[str, tuple[str | None, str]] = {}  # requestId -> initiator

    def on_request_will_be_sent(self, event: dict[str, Any]) -> None:
        request = event.get("request") or {}
        url = request.get("url")
        if not url:
            return
        request_id = str(event.get("requestId"))
        found = self.first.get(request_id) if event.get("redirectResponse") else None
        if found is None:
            found = initiator_of(event.get("initiator") or {})
            self.first.setdefault(request_id, found)
        self.by_url[_strip_fragment(url)].append(found)

    def take(self, url: str) -> tuple[str | None, str] | None:
        """The initiator of the next request to ``url`` not yet taken, if one was seen."""
        queue = self.by_url.get(_strip_fragment(url))
        if not queue:
            return None
        return queue.popleft() if len(queue) > 1 else queue[0]

    async def attach(self, context: Any, page: Any) -> Any:
        """Open a DevTools session on ``page`` and listen; returns the session."""
        session = await context.new_cdp_session(page)
        session.on("Network.requestWillBeSent", self.on_request_will_be_sent)
        # Keep no response bodies or post data for this session: only the events are read.
        await session.send(
            "Network.enable",
            {"maxTotalBufferSize": 0, "maxResourceBufferSize": 0, "maxPostDataSize": 0},
        )
        return session


def apply_initiators(trace: InitiatorTrace, records: list[dict[str, Any]]) -> None:
    """Fill ``initiator`` / ``initiator_type`` of a page's request records (in order).

    The DevTools URL replaces the ``Referer``; its type fills ``initiator_type`` only where
    Resource Timing said nothing (it stays ``referrer`` then). A request the session did not
    see that ends a redirect chain takes the initiator of the chain's first hop."""
    by_url: dict[str, dict[str, Any]] = {}
    traced: set[int] = set()
    for record in records:
        if record["initiator_type"] in ("service-worker", "websocket"):
            continue
        found = trace.take(record["url"])
        if found is None and record["redirect_chain"]:
            first = by_url.get(record["redirect_chain"][0])
            if first is not None and id(first) in traced:
                found = first["initiator"], first["initiator_type"]
        if found is not None:
            url, kind = found
            record["initiator"] = url or record["initiator"]
            if record["initiator_type"] == "referrer":
                record["initiator_type"] = kind
            traced.add(id(record))
        by_url.setdefault(record["url"], record)
