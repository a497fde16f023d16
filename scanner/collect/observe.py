"""Playwright events -> ``Request``, ``Cookie`` and ``StorageItem`` records, per page.

One ``ContextObserver`` listens at the *context* level (page-level events miss service-worker
requests) and hands each event to the ``PageRecorder`` of the page it belongs to. Cookies are
seen three ways and merged: ``Set-Cookie`` headers on the wire, ``document.cookie`` /
``cookieStore`` writes caught by an init script (``js``), and the browser's jar after the page
(``jar``). A cookie seen on the wire but never stored is kept with a ``blocked_reason``.
Who started each request comes from a DevTools session per page (``initiators.py``), merged
in ``PageRecorder.finish``.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import urlsplit

from scanner.collect.cookies import RawCookie, from_jar, merge, parse_set_cookie, value_digest
from scanner.collect.initiators import InitiatorTrace, apply_initiators
from scanner.collect.page_scripts import (
    BINDING,
    COOKIE_HOOK,
    STORAGE_BINDING,
    STORAGE_JS,
    WORKER_BINDING,
)
from scanner.collect.parties import FirstParty
from scanner.model import Cookie, PageError, Phase, Request, StorageItem, Visit

_STACK_URL = re.compile(r"(https?://[^\s)]+?)(?::\d+){1,2}\)?\s*$", re.M)


def script_from_stack(stack: str) -> str | None:
    """The first script URL in a V8 stack trace (``at f (https://x/y.js:1:2)``)."""
    match = _STACK_URL.search(stack or "")
    return match.group(1) if match else None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class PageRecorder:
    """Everything one page does while it is open. Turned into a ``Visit`` by ``finish``."""

    def __init__(
        self, url: str, depth: int, phase: Phase, first_party: FirstParty, started_at: str
    ) -> None:
        self.url, self.depth, self.phase, self.started_at = url, depth, phase, started_at
        self.first_party = first_party
        self.t0 = asyncio.get_running_loop().time()
        self.requests: dict[int, dict[str, Any]] = {}
        self.order: list[int] = []
        self.seen_cookies: dict[tuple[str, str, str], RawCookie] = {}
        self.jar_new: list[RawCookie] = []
        self.jar_keys: set[tuple[str, str, str]] = set()
        self.storage: list[StorageItem] = []
        self.storage_writes: dict[tuple[str, str, str], tuple[float, str | None]] = {}
        self.errors: list[PageError] = []
        self.final_url = url
        self.status: int | None = None
        self.title: str | None = None
        self.links_found = 0
        self.trace: InitiatorTrace | None = None  # DevTools initiators, when traced

    def now_ms(self) -> float:
        return round((asyncio.get_running_loop().time() - self.t0) * 1000, 1)

    def error(self, kind: str, message: str) -> None:
        self.errors.append(PageError(kind, message[:500]))

    # -- requests ----------------------------------------------------------------------
    def on_request(self, request: Any, sw_url: str | None) -> None:
        chain: list[str] = []
        previous = request.redirected_from
        while previous is not None and len(chain) < 50:
            chain.append(previous.url)
            previous = previous.redirected_from
        frame_url, main = None, False
        if sw_url is None:
            try:
                frame = request.frame
                frame_url = frame.url or None
                main = frame.parent_frame is None
            except Exception:  # noqa: BLE001 - frames of closed pages raise
                pass
        host = urlsplit(request.url).hostname or ""
        self.requests[id(request)] = {
            "url": request.url,
            "method": request.method,
            "resource_type": request.resource_type,
            "host": host,
            "party": self.first_party.party(host),
            "time_ms": self.now_ms(),
            "frame_url": frame_url,
            "is_main_frame": main,
            "initiator": request.headers.get("referer"),
            "initiator_type": "service-worker" if sw_url else "referrer",
            "redirect_chain": tuple(reversed(chain)),
            "service_worker": sw_url,
        }
        self.order.append(id(request))

    def on_websocket(self, url: str) -> None:
        """A WebSocket the page opened (Playwright reports these per page, not as requests)."""
        host = urlsplit(url).hostname or ""
        key = len(self.order) + 10**12  # not a Playwright object id
        self.requests[key] = {
            "url": url,
            "method": "GET",
            "resource_type": "websocket",
            "host": host,
            "party": self.first_party.party(host),
            "time_ms": self.now_ms(),
            "frame_url": None,
            "is_main_frame": False,
            "initiator": None,
            "initiator_type": "websocket",
            "redirect_chain": (),
            "service_worker": None,
        }
        self.order.append(key)

    def on_response(self, request: Any, status: int) -> None:
        record = self.requests.get(id(request))
        if record is not None:
            record["status"] = status

    def on_failed(self, request: Any) -> None:
        record = self.requests.get(id(request))
        if record is not None:
            record["failure"] = request.failure or "failed"

    def on_resource_timing(self, entries: list[list[str]]) -> None:
        """The page's Resource Timing says what kind of element or API fetched each URL
        (``script``, ``img``, ``fetch``, ``beacon``, ``iframe``, ``css``…)."""
        kinds = {url: kind for url, kind in entries if kind}
        for record in self.requests.values():
            kind = kinds.get(record["url"])
            if kind and record["initiator_type"] == "referrer":
                record["initiator_type"] = kind

    def on_set_cookie(self, header: str, url: str) -> None:
        parts = urlsplit(url)
        cookie = parse_set_cookie(header, parts.hostname or "", parts.path or "/")
        if cookie is not None:
            cookie.sources.add("wire")
            cookie.set_by, cookie.time_ms = url, self.now_ms()
            self._see(cookie)

    def on_js_cookie(self, text: str, stack: str, document_url: str) -> None:
        parts = urlsplit(document_url)
        cookie = parse_set_cookie(text, parts.hostname or "", parts.path or "/")
        if cookie is not None:
            cookie.sources.add("js")
            cookie.set_by = script_from_stack(stack) or document_url
            cookie.time_ms = self.now_ms()
            self._see(cookie)

    def _see(self, cookie: RawCookie) -> None:
        known = self.seen_cookies.get(cookie.key)
        if known is not None:
            cookie.sources |= known.sources
        self.seen_cookies[cookie.key] = cookie

    def on_storage_write(self, origin: str, kind: str, key: str, stack: str) -> None:
        """A script wrote ``key`` (first write on this page wins: it is the one that set it)."""
        self.storage_writes.setdefault(
            (origin, kind, key), (self.now_ms(), script_from_stack(stack))
        )

    def on_storage(self, origin: str, items: list[list[Any]]) -> None:
        host = urlsplit(origin).hostname or ""
        party = self.first_party.party(host)
        for kind, key, length in items:
            time_ms, set_by = self.storage_writes.get((origin, kind, str(key)), (None, None))
            self.storage.append(
                StorageItem(kind, origin, str(key), party, int(length), time_ms, set_by)
            )

    def on_jar(
        self, jar: dict[tuple[str, str, str], RawCookie], new: set[tuple[str, str, str]]
    ) -> None:
        """The jar after the page: attributes for seen cookies, plus cookies new in the jar."""
        self.jar_keys = set(jar)
        for key, cookie in jar.items():
            if key in self.seen_cookies:
                self.seen_cookies[key] = merge(self.seen_cookies[key], cookie)
            elif key in new:
                self.jar_new.append(cookie)

    # -- result ------------------------------------------------------------------------
    def finish(self, include_values: bool) -> Visit:
        if self.trace is not None:
            apply_initiators(self.trace, [self.requests[k] for k in self.order])
        requests = tuple(Request(**self.requests[k]) for k in self.order)
        cookies = []
        for raw in [*self.seen_cookies.values(), *self.jar_new]:
            if raw.deleted and "jar" not in raw.sources:
                continue
            blocked = None
            if "jar" not in raw.sources and self.jar_keys:
                blocked = "not stored by the browser"
            cookies.append(
                Cookie(
                    name=raw.name,
                    domain=raw.domain,
                    path=raw.path,
                    party=self.first_party.party(raw.domain),
                    lifetime_days=raw.lifetime_days,
                    requested_lifetime_days=raw.requested_days,
                    expires=raw.expires,
                    secure=raw.secure,
                    http_only=raw.http_only,
                    same_site=raw.same_site,
                    partition_key=raw.partition_key,
                    sources=tuple(s for s in ("wire", "jar", "js") if s in raw.sources),  # type: ignore[misc]
                    set_by=raw.set_by,
                    value_sha256=value_digest(raw.value),
                    value_length=len(raw.value),
                    value=raw.value if include_values else None,
                    time_ms=raw.time_ms,
                    blocked_reason=blocked,
                )
            )
        return Visit(
            url=self.url,
            final_url=self.final_url,
            depth=self.depth,
            phase=self.phase,
            started_at=self.started_at,
            duration_ms=self.now_ms(),
            status=self.status,
            title=self.title,
            requests=requests,
            cookies=tuple(cookies),
            storage=tuple(self.storage),
            errors=tuple(self.errors),
            links_found=self.links_found,
        )


class ContextObserver:
    """Routes a context's events to the ``PageRecorder`` of the page they belong to."""

    def __init__(self) -> None:
        self.recorders: dict[Any, PageRecorder] = {}  # page -> recorder
        self.jar: dict[tuple[str, str, str], RawCookie] = {}
        self.workers: dict[str, PageRecorder] = {}  # service worker URL -> registering page
        self._tasks: set[asyncio.Task[Any]] = set()
        self._jar_lock = asyncio.Lock()

    async def attach(self, context: Any) -> None:
        await context.expose_binding(BINDING, self._on_binding)
        await context.expose_binding(WORKER_BINDING, self._on_worker_binding)
        await context.expose_binding(STORAGE_BINDING, self._on_storage_binding)
        await context.add_init_script(COOKIE_HOOK)
        context.on("request", self._on_request)
        context.on("response", self._on_response)
        context.on("requestfailed", self._on_failed)

    def _recorder_for(self, request: Any) -> tuple[PageRecorder | None, str | None]:
        worker = request.service_worker
        if worker is not None:
            # A service worker serves every page of its origin: credit the newest open page
            # of that origin (or the newest page at all).
            owner = self.workers.get(worker.url)
            if owner is not None and owner in self.recorders.values():
                return owner, worker.url
            origin = _origin(worker.url)
            candidates = [r for r in self.recorders.values() if _origin(r.final_url) == origin]
            candidates = candidates or list(self.recorders.values())
            return (candidates[-1] if candidates else None), worker.url
        try:
            page = request.frame.page
        except Exception:  # noqa: BLE001
            return None, None
        return self.recorders.get(page), None

    def _on_request(self, request: Any) -> None:
        recorder, sw_url = self._recorder_for(request)
        if recorder is not None:
            recorder.on_request(request, sw_url)

    def _on_response(self, response: Any) -> None:
        recorder, _ = self._recorder_for(response.request)
        if recorder is None:
            return
        recorder.on_response(response.request, response.status)
        task = asyncio.ensure_future(self._read_cookies(recorder, response))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _read_cookies(self, recorder: PageRecorder, response: Any) -> None:
        try:
            headers = await response.headers_array()
        except Exception:  # noqa: BLE001 - the page may be gone
            return
        for header in headers:
            if header["name"].lower() == "set-cookie":
                for line in header["value"].split("\n"):
                    recorder.on_set_cookie(line, response.url)

    def _on_failed(self, request: Any) -> None:
        recorder, _ = self._recorder_for(request)
        if recorder is not None:
            recorder.on_failed(request)

    def _on_binding(self, source: dict[str, Any], text: str, stack: str, url: str) -> None:
        recorder = self.recorders.get(source.get("page"))
        if recorder is not None:
            recorder.on_js_cookie(text, stack, url)

    def _on_storage_binding(
        self, source: dict[str, Any], origin: str, kind: str, key: str, stack: str
    ) -> None:
        recorder = self.recorders.get(source.get("page"))
        if recorder is not None:
            recorder.on_storage_write(origin, kind, key, stack)

    def _on_worker_binding(self, source: dict[str, Any], worker_url: str) -> None:
        recorder = self.recorders.get(source.get("page"))
        if recorder is not None:
            self.workers.setdefault(worker_url, recorder)

    async def settle(self) -> None:
        """Wait for pending header reads."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def snapshot_jar(self, context: Any, recorder: PageRecorder) -> None:
        """Read the jar and credit cookies that are new since the last page to ``recorder``."""
        async with self._jar_lock:
            entries = await context.cookies()
            jar = {c.key: c for c in map(from_jar, entries)}
            # New in the jar, and not seen being set by another page still open (that page
            # will claim it with its own evidence when it finishes).
            others = set().union(
                *(r.seen_cookies for r in self.recorders.values() if r is not recorder)
            )
            new = set(jar) - set(self.jar) - others
            recorder.on_jar(jar, new)
            self.jar = jar

    async def read_storage(
        self, page: Any, recorder: PageRecorder, include_main: bool = True
    ) -> None:
        """Storage keys of every frame of ``page`` (the main frame too unless told not to)."""
        for frame in page.frames:
            if not include_main and frame.parent_frame is None:
                continue
            try:
                origin, items = await frame.evaluate(STORAGE_JS)
            except Exception:  # noqa: BLE001 - detached or sandboxed frames
                continue
            if origin and origin != "null":
                recorder.on_storage(origin, items)
