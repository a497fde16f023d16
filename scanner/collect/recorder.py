"""``PageRecorder``: everything one page did, turned into a ``Visit``.

The ``ContextObserver`` (``observe.py``) hands each browser event to the recorder of the page
it belongs to; ``finish`` merges the cookies seen three ways (wire, jar, script) and the
request initiators into the page's ``Visit``, marks the stored values that look like
identifiers and the requests that carry one (``identifiers.py``), sums the
fingerprinting-prone calls each script made (``fingerprint.py``), and keeps which script read
which cookie names (``on_cookie_read``) and the top-level keys of JSON request bodies
(``body_keys``, for signature rules that need a body shape).
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from typing import Any
from urllib.parse import urlsplit

from scanner.collect.cookies import (
    RawCookie,
    header_text,
    merge,
    parse_set_cookie,
    settable_from,
    value_digest,
)
from scanner.collect.fingerprint import merge_facts
from scanner.collect.identifiers import Identifiers, looks_like_identifier
from scanner.collect.initiators import InitiatorTrace, apply_initiators
from scanner.collect.parties import FirstParty
from scanner.collect.reads import CookieReads, body_keys
from scanner.model import ApiUse, Cookie, PageError, Phase, Request, StorageItem, Visit

_STACK_URL = re.compile(r"(https?://[^\s)]+?)(?::\d+){1,2}\)?\s*$", re.M)


def script_from_stack(stack: str) -> str | None:
    """The first script URL in a V8 stack trace (``at f (https://x/y.js:1:2)``)."""
    match = _STACK_URL.search(stack or "")
    return match.group(1) if match else None


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def document_url(frame: Any, claimed: str = "") -> str:
    """The URL of the document in ``frame``, as the browser (not the page) reports it.

    ``claimed`` (what the init script read from ``location.href``) is used only when it has
    the frame's origin (it then also has the exact path, for a cookie's default path).
    ``about:blank`` and ``srcdoc`` frames take their parent's URL (they share its origin).
    Empty when no http(s) document is found.
    """
    url = ""
    while frame is not None:
        try:
            url = frame.url or ""
            parent = frame.parent_frame
        except Exception:  # noqa: BLE001 - a detached frame
            return ""
        if url.startswith(("http://", "https://")):
            break
        frame, url = parent, ""
    if not url:
        return ""
    if claimed.startswith(("http://", "https://")) and origin_of(claimed) == origin_of(url):
        return claimed
    return url


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
        #: The context's identifier values (set by the observer before ``finish``).
        self.identifiers = Identifiers()
        self.bodies: dict[int, str] = {}  # request key -> body (first 64 KiB)
        self.storage_values: dict[tuple[str, str, str], str] = {}  # (origin, kind, key)
        #: (frame document, api, script) -> [first time, calls, facts], latest snapshot.
        self.api_reports: dict[tuple[str, str, str], list[Any]] = {}
        self.reads = CookieReads()  # which script read which cookie names

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
        try:
            body = request.post_data
        except Exception:  # noqa: BLE001 - a binary body that is not text
            body = None
        if body:
            self.bodies[id(request)] = body[:65536]

    def on_websocket(self, url: str, socket: Any = None) -> None:
        """A WebSocket the page opened (Playwright reports these per page, not as requests);
        the text frames it sends are its body."""
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
        if socket is not None:

            def sent(payload: Any) -> None:
                if isinstance(payload, str) and len(self.bodies.get(key, "")) < 65536:
                    self.bodies[key] = (self.bodies.get(key, "") + "\n" + payload)[:65536]

            socket.on("framesent", sent)

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
        """A ``Set-Cookie`` header of the response from ``url``.

        Dropped, like a script's write, when that host could not set it: a site's own server
        cannot make a cookie "on google-analytics.com" either.
        """
        parts = urlsplit(url)
        host = parts.hostname or ""
        cookie = parse_set_cookie(header_text(header), host, parts.path or "/")
        if cookie is not None and settable_from(cookie.domain, host):
            cookie.sources.add("wire")
            cookie.set_by, cookie.time_ms = url, self.now_ms()
            self._see(cookie)

    def on_js_cookie(self, text: str, stack: str, document_url: str) -> None:
        """A ``document.cookie`` / ``cookieStore`` write in the document at ``document_url``.

        Dropped when that document could not set it (another site's domain, a public
        suffix): the browser refuses such a write, and it is no evidence of anything.
        """
        parts = urlsplit(document_url)
        host = parts.hostname or ""
        cookie = parse_set_cookie(text, host, parts.path or "/")
        if cookie is None or not settable_from(cookie.domain, host):
            return
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
        if kind not in ("local", "session"):
            return
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

    def on_cookie_read(self, document: str, script: str, names: str) -> None:
        """A script in the frame at ``document`` read cookie ``names`` (new ones only)."""
        self.reads.add(document, script, names, self.now_ms())

    def on_api_use(
        self, document: str, api: str, script: str, calls: dict[str, int], facts: dict[str, Any]
    ) -> None:
        """A script's cumulative fingerprinting-prone calls in the frame at ``document``."""
        key = (document, api, script or document)
        first = self.api_reports.get(key, [self.now_ms()])[0]
        self.api_reports[key] = [first, calls, facts]

    def _api_uses(self) -> tuple[ApiUse, ...]:
        merged: dict[tuple[str, str], list[Any]] = {}
        for (_doc, api, script), (first, calls, facts) in self.api_reports.items():
            known = merged.get((api, script))
            if known is None:
                merged[(api, script)] = [first, dict(calls), facts]
                continue
            known[0] = min(known[0], first)
            for name, n in calls.items():
                known[1][name] = known[1].get(name, 0) + n
            known[2] = merge_facts(known[2], facts)
        uses = []
        for (api, script), (first, calls, facts) in sorted(merged.items()):
            host = urlsplit(script).hostname or ""
            party = self.first_party.party(host)
            uses.append(ApiUse(api, script, host, party, first, calls, facts))  # type: ignore[arg-type]
        return tuple(uses)

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
        requests = tuple(
            Request(
                **self.requests[k],
                carries=self.identifiers.carried(self.requests[k]["url"], self.bodies.get(k)),
                body_keys=body_keys(self.bodies.get(k))
                if self.requests[k]["resource_type"] != "websocket"
                else None,
            )
            for k in self.order
        )
        storage = tuple(
            dataclasses.replace(
                s,
                identifier=looks_like_identifier(value)
                if (value := self.storage_values.get((s.origin, s.kind, s.key))) is not None
                else None,
            )
            for s in self.storage
        )
        cookies = []
        for raw in [*self.seen_cookies.values(), *self.jar_new]:
            if raw.deleted and "jar" not in raw.sources:
                continue
            blocked = None
            # Not in the jar under its name, domain and path (when in it with another value,
            # another page of the context wrote it since: it was stored).
            if "jar" not in raw.sources and self.jar_keys and raw.key not in self.jar_keys:
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
                    host_only=raw.host_only,
                    identifier=looks_like_identifier(raw.value),
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
            storage=storage,
            errors=tuple(self.errors),
            links_found=self.links_found,
            api_uses=self._api_uses(),
            cookie_reads=self.reads.finish(self.first_party.party),
        )
