"""Playwright events -> ``Request``, ``Cookie`` and ``StorageItem`` records, per page.

One ``ContextObserver`` listens at the *context* level (page-level events miss service-worker
requests) and hands each event to the ``PageRecorder`` of the page it belongs to. Cookies are
seen three ways and merged: ``Set-Cookie`` headers on the wire, ``document.cookie`` /
``cookieStore`` writes caught by an init script (``js``), and the browser's jar after the page
(``jar``). A cookie seen on the wire but never stored is kept with a ``blocked_reason``.
Who started each request comes from a DevTools session per page (``initiators.py``), merged
in ``PageRecorder.finish``. The context's cookie and storage values that look like
identifiers are gathered here (``identifiers.Identifiers``), so each page's requests can be
searched for them; the values stay here. A second init script (``fingerprint.js``) reports
fingerprinting-prone calls on a channel of its own (``fingerprint.ApiChannel``). The first
init script also reports which script read which cookie names (``Visit.cookie_reads``).

The ``js`` channel runs inside the page, so the page could try to speak on it (forged
evidence). Each context's bindings have secret names and a token (``page_scripts.Channel``);
calls without the token are dropped and counted (``ContextObserver.forged``). What a genuine
call says is still checked against the browser: the document is the calling frame's (as
Playwright reports it), a cookie is kept only when that document could set it
(``cookies.settable_from``: a script on www.example.com cannot set a cookie for
google-analytics.com, the browser refuses it), a storage write only for that frame's own
origin, and a service worker only of that origin.
"""

from __future__ import annotations

import asyncio
from typing import Any

from scanner.collect.cookies import (
    RawCookie,
    from_jar,
)
from scanner.collect.fingerprint import ApiChannel, api_hook, read_report
from scanner.collect.identifiers import Identifiers
from scanner.collect.page_scripts import STORAGE_JS, Channel, cookie_hook
from scanner.collect.recorder import PageRecorder, document_url, origin_of

__all__ = ["ContextObserver", "PageRecorder"]


class ContextObserver:
    """Routes a context's events to the ``PageRecorder`` of the page they belong to."""

    def __init__(self) -> None:
        self.recorders: dict[Any, PageRecorder] = {}  # page -> recorder
        self.jar: dict[tuple[str, str, str], RawCookie] = {}
        self.workers: dict[str, PageRecorder] = {}  # service worker URL -> registering page
        self._tasks: set[asyncio.Task[Any]] = set()
        self._jar_lock = asyncio.Lock()
        self.channel = Channel.new()
        self.api_channel = ApiChannel.new()
        #: Calls on the channel without its token (a page trying to forge evidence).
        self.forged = 0
        #: Identifier values of every cookie and storage key seen in this context.
        self.identifiers = Identifiers()

    async def attach(self, context: Any) -> None:
        channel = self.channel
        await context.expose_binding(channel.cookie, self._on_binding)
        await context.expose_binding(channel.worker, self._on_worker_binding)
        await context.expose_binding(channel.storage, self._on_storage_binding)
        await context.expose_binding(channel.read, self._on_read_binding)
        await context.add_init_script(cookie_hook(channel))
        await self.attach_fingerprint(context)
        context.on("request", self._on_request)
        context.on("response", self._on_response)
        context.on("requestfailed", self._on_failed)

    async def attach_fingerprint(self, context: Any) -> None:
        """The fingerprinting init script and its channel (``fingerprint.py``)."""
        await context.expose_binding(self.api_channel.name, self._on_api_binding)
        await context.add_init_script(api_hook(self.api_channel))

    def _recorder_for(self, request: Any) -> tuple[PageRecorder | None, str | None]:
        worker = request.service_worker
        if worker is not None:
            # A service worker serves every page of its origin: credit the newest open page
            # of that origin (or the newest page at all).
            owner = self.workers.get(worker.url)
            if owner is not None and owner in self.recorders.values():
                return owner, worker.url
            origin = origin_of(worker.url)
            candidates = [r for r in self.recorders.values() if origin_of(r.final_url) == origin]
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

    def _caller(self, source: dict[str, Any], args: tuple[Any, ...]) -> PageRecorder | None:
        """The recorder of a genuine channel call (token first, then three strings)."""
        if len(args) != 4 or not self.channel.accepts(args[0]):
            self.forged += 1
            return None
        if not all(isinstance(a, str) for a in args[1:]):
            return None
        return self.recorders.get(source.get("page"))

    def _on_binding(self, source: dict[str, Any], *args: Any) -> None:
        recorder = self._caller(source, args)
        if recorder is None:
            return
        _, text, stack, claimed = args
        url = document_url(source.get("frame"), claimed)
        if url:
            recorder.on_js_cookie(text, stack, url)

    def _on_storage_binding(self, source: dict[str, Any], *args: Any) -> None:
        recorder = self._caller(source, args)
        if recorder is None:
            return
        _, kind, key, stack = args
        url = document_url(source.get("frame"))
        if url:
            recorder.on_storage_write(origin_of(url), kind, key, stack)

    def _on_read_binding(self, source: dict[str, Any], *args: Any) -> None:
        """A script read cookie names through ``document.cookie`` (new names only)."""
        recorder = self._caller(source, args)
        if recorder is None:
            return
        _, script, names, claimed = args
        url = document_url(source.get("frame"), claimed)
        if url:
            recorder.on_cookie_read(url, script, names)

    def _on_api_binding(self, source: dict[str, Any], *args: Any) -> None:
        """A fingerprinting report: token, api, script URL (empty: inline), JSON summary."""
        if len(args) != 4 or not self.api_channel.accepts(args[0]):
            self.forged += 1
            return
        if not all(isinstance(a, str) for a in args[1:]):
            return
        recorder = self.recorders.get(source.get("page"))
        _, api, script, payload = args
        report = read_report(api, payload)
        url = document_url(source.get("frame"))
        if recorder is None or report is None or not url:
            return
        if not script.startswith(("http://", "https://")) or len(script) > 2048:
            script = url  # an inline script: the document's
        recorder.on_api_use(url, api, script, *report)

    def _on_worker_binding(self, source: dict[str, Any], *args: Any) -> None:
        recorder = self._caller(source, args)
        if recorder is None:
            return
        worker_url = args[1]
        url = document_url(source.get("frame"))
        # A page can only register a service worker of its own origin.
        if url and origin_of(worker_url) == origin_of(url):
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
            for cookie in [*jar.values(), *recorder.seen_cookies.values()]:
                self.identifiers.add("cookie", cookie.name, cookie.domain, cookie.value)
            recorder.identifiers = self.identifiers
            recorder.on_jar(jar, new)
            self.jar = jar

    async def read_storage(
        self, page: Any, recorder: PageRecorder, include_main: bool = True
    ) -> None:
        """Storage keys of every frame of ``page`` (the main frame too unless told not to),
        and the values of every frame, to find identifiers in requests."""
        for frame in page.frames:
            await self.read_values(frame, recorder)
            recorder.identifiers = self.identifiers
            if not include_main and frame.parent_frame is None:
                continue
            try:
                origin, items = await frame.evaluate(STORAGE_JS)
            except Exception:  # noqa: BLE001 - detached or sandboxed frames
                continue
            if origin and origin != "null":
                recorder.on_storage(origin, items)

    async def read_values(self, frame: Any, recorder: PageRecorder) -> None:
        """The storage values of ``frame``, kept to find identifiers in requests."""
        try:
            origin, values = await frame.evaluate(STORAGE_VALUES_JS)
        except Exception:  # noqa: BLE001 - detached or sandboxed frames
            return
        for item in values if isinstance(values, list) else []:
            kind, key, value = (item + [None] * 3)[:3] if isinstance(item, list) else [None] * 3
            if isinstance(key, str) and isinstance(value, str) and kind in ("local", "session"):
                recorder.storage_values[(origin, kind, key)] = value
                self.identifiers.add("storage", key, origin, value)


#: Storage values of a frame (at most 200 keys, values up to 512 characters): only matched
#: against requests and tested for identifiers, never kept.
STORAGE_VALUES_JS = """
() => {
  const out = [];
  for (const kind of ["local", "session"]) {
    try {
      const s = kind === "local" ? window.localStorage : window.sessionStorage;
      for (let i = 0; i < s.length && i < 200; i++) {
        const k = s.key(i);
        const v = s.getItem(k);
        if (typeof v === "string" && v.length <= 512) out.push([kind, k, v]);
      }
    } catch (e) {}
  }
  return [location.origin, out];
}
"""
