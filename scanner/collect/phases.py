"""Crawl one consent phase in a fresh browser context, ``concurrency`` pages at a time.

``no-interaction`` crawls breadth-first from the start URL (plus the sitemap), following
same-site links within the limits. The consent phases open the start page alone first, hand it
to the consent operator the pipeline gives (``scanner.consent``), then revisit the pages the
first phase found, with that choice kept. Each finished page is written to the journal at once.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from scanner.collect.browser import LaunchedBrowser
from scanner.collect.crawl import (
    Frontier,
    extract_sitemap_urls,
    fetch_refusal,
    sitemaps_from_robots,
)
from scanner.collect.events import note, page_done
from scanner.collect.journal import Journal
from scanner.collect.observe import ContextObserver, PageRecorder
from scanner.collect.parties import FirstParty
from scanner.collect.profile import open_context
from scanner.collect.visit import OnLoaded, PhaseScope
from scanner.collect.watchdog import (
    SITEMAP_DEADLINE,
    PageGuard,
    close_context,
    consent_timed_out,
    page_deadline,
    timed_out,
)
from scanner.config import ScanConfig
from scanner.evidence.pack import EvidencePack, screenshot
from scanner.model import ConsentAction, Phase, PhaseResult, Visit

Progress = Callable[[str], None]
#: Operates the banner of a consent phase on its start page: (page, phase, recorder) -> action.
ConsentOperator = Callable[[Any, Phase, PageRecorder], Awaitable[ConsentAction]]


def default_concurrency() -> int:
    """Pages in flight per phase: two per core, at least 2, at most 8."""
    return max(2, min(8, 2 * (os.cpu_count() or 1)))


class PhaseRunner:
    """One phase: a fresh context, a frontier (or a fixed page list), N workers.

    The workers run in an ``asyncio.TaskGroup``: when one fails (the journal cannot be
    written, the progress callback raises), the others are cancelled and the error reaches the
    caller; the pages already finished are in the journal. Page failures are no such error:
    ``visit_page`` records them on the visit.
    """

    def __init__(
        self,
        browser: LaunchedBrowser,
        config: ScanConfig,
        first_party: FirstParty,
        phase: Phase,
        journal: Journal | None,
        progress: Progress,
        consent: ConsentOperator | None = None,
    ) -> None:
        self.browser, self.config, self.first_party = browser, config, first_party
        self.phase, self.journal, self.progress = phase, journal, progress
        self.operate_consent = consent
        self.evidence = EvidencePack(Path(config.evidence_dir)) if config.evidence_dir else None
        self.frontier = Frontier(
            first_party,
            max_pages=config.max_pages,
            max_depth=config.max_depth,
            max_per_pattern=config.max_pages_per_pattern,
            include=config.include,
            exclude=config.exclude,
        )
        self.visits: list[tuple[int, Visit]] = []
        self.order: dict[str, int] = {}
        self.consent: ConsentAction | None = None
        self.holding = False
        self.deadline = time.monotonic() + config.time_budget if config.time_budget else None

    async def new_context(self) -> Any:
        """A fresh context as the configured visitor (``profile.py``)."""
        har: dict[str, Any] = {}
        if self.evidence is not None:  # written when the context closes
            har = {
                "record_har_path": str(self.evidence.har(self.phase)),
                "record_har_content": "embed" if self.config.har_content else "omit",
            }
        return await open_context(
            self.browser,
            self.config,
            ignore_https_errors=self.config.ignore_https_errors,
            accept_downloads=False,
            **har,
        )

    async def run(self, pages: list[tuple[str, int]] | None) -> PhaseResult:
        context = await self.new_context()
        # Every visit ends by its deadline, whatever the page's script does (watchdog.py).
        self.guard = PageGuard()
        observer = ContextObserver()
        await observer.attach(context)
        scope = PhaseScope(context, observer, self.config, self.first_party, self.phase)
        queue: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
        try:
            follow = pages is None
            self.frontier.add(self.config.url, 0)
            if self.phase != "no-interaction":
                # The start page alone first: the banner is operated there, so that every
                # other page of a consent phase loads after the choice.
                self._drain(queue)
                self.holding = True  # links found there wait for the other workers
                await self._work(scope, queue, follow, workers=1)
                self.holding = False
            if pages is None:
                if self.config.use_sitemap:
                    try:
                        await asyncio.wait_for(self._add_sitemap_pages(), SITEMAP_DEADLINE)
                    except TimeoutError:
                        self.progress(
                            note(
                                self.phase,
                                f"sitemap skipped: not read within {SITEMAP_DEADLINE:g} s",
                            )
                        )
            else:
                self.frontier.queue.extend(p for p in pages if p[0] != self.config.url)
            self._drain(queue)
            workers = self.config.concurrency or default_concurrency()
            await self._work(scope, queue, follow, workers)
        finally:
            await close_context(context)
            await self.guard.settle()
        visits = tuple(v for _, v in sorted(self.visits, key=lambda item: item[0]))
        return PhaseResult(phase=self.phase, visits=visits, consent=self.consent)

    async def _work(
        self, scope: PhaseScope, queue: asyncio.Queue[tuple[str, int]], follow: bool, workers: int
    ) -> None:
        """Run ``workers`` page workers until the queue is empty and every page is done.

        A worker that raises cancels this body and its siblings (TaskGroup), so a failure
        ends the phase with that error instead of leaving ``queue.join()`` waiting forever.
        """
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(self._worker(scope, queue, follow)) for _ in range(workers)]
            await queue.join()
            for task in tasks:
                task.cancel()

    def _drain(self, queue: asyncio.Queue[tuple[str, int]]) -> None:
        while (item := self.frontier.pop()) is not None:
            self.order.setdefault(item[0], len(self.order))
            queue.put_nowait(item)

    async def _worker(
        self, scope: PhaseScope, queue: asyncio.Queue[tuple[str, int]], follow: bool
    ) -> None:
        while True:
            url, depth = await queue.get()
            try:
                if depth and self.deadline and time.monotonic() > self.deadline:
                    continue  # over the time budget: leave the rest (never the start page)
                hook = self._consent_hook() if url == self.config.url else None
                seconds = page_deadline(self.config, consent=hook is not None)
                visit, links = await self.guard.visit(scope, url, depth, hook, seconds)
                if hook is not None and self.phase != "no-interaction" and timed_out(visit):
                    self.consent = consent_timed_out(self.consent, self.phase, visit)
                self.visits.append((self.order.get(url, len(self.order)), visit))
                if self.journal:
                    self.journal.visit(visit)
                if follow:
                    self.frontier.add_all(links, depth + 1)
                    if not self.holding:
                        self._drain(queue)
                self._report(visit)
            finally:
                queue.task_done()

    def _consent_hook(self) -> OnLoaded | None:
        """What runs on the start page once loaded: the banner is operated (consent phases),
        with a screenshot before and after for the evidence pack."""
        operate, phase, pack = self.operate_consent, self.phase, self.evidence
        if phase == "no-interaction" or operate is None:
            operate = None
            if pack is None:
                return None

        async def on_loaded(page: Any, recorder: PageRecorder) -> None:
            if pack is not None:
                await screenshot(page, pack.screenshot(phase, "start"))
            if operate is not None:
                self.consent = await operate(page, phase, recorder)
                if pack is not None:
                    await screenshot(page, pack.screenshot(phase, "after-click"))

        return on_loaded

    def _report(self, visit: Visit) -> None:
        self.progress(
            page_done(
                self.phase,
                len(self.visits),
                len(self.order),
                visit.url,
                len(visit.requests),
                len(visit.cookies),
                [e.kind for e in visit.errors],
            )
        )

    async def _add_sitemap_pages(self) -> None:
        """Queue pages listed in robots.txt ``Sitemap:`` lines and /sitemap.xml (depth 1).

        Fetched through the browser (so proxy and host rules apply) in a context of its own,
        so nothing it sets leaks into the phase's observations. The site writes robots.txt and
        its sitemaps, so every URL in them is untrusted: only ``http(s)`` sitemaps on the
        scan's first-party hosts are fetched (``crawl.fetch_refusal``), never a local file,
        another site or a private address, and the discovery page itself runs no script and
        follows no redirect or subresource off the site (``_OffSiteGuard``). Refusals are
        counted in ``frontier.skipped`` (``sitemap <reason>``) and reported through
        ``progress``.
        """
        refused = 0

        def refuse(url: str, reason: str) -> None:
            nonlocal refused
            refused += 1
            self.frontier.skipped[f"sitemap {reason}"] += 1
            if refused <= _REPORTED_REFUSALS:
                shown = ascii(url[:200])[1:-1]  # the site wrote it: no control characters
                self.progress(note(self.phase, f"sitemap refused ({reason}): {shown}"))

        discovery = await open_context(
            self.browser,
            self.config,
            ignore_https_errors=self.config.ignore_https_errors,
            accept_downloads=False,
            java_script_enabled=False,
            service_workers="block",
        )
        guard = _OffSiteGuard(self.first_party, refuse)
        try:
            page = await discovery.new_page()
            await guard.attach(discovery, page)
            robots = await _fetch_text(page, urljoin(self.config.url, "/robots.txt"))
            sitemaps = sitemaps_from_robots(robots) or [urljoin(self.config.url, "/sitemap.xml")]
            fetched: set[str] = set()
            while sitemaps and len(fetched) < _MAX_SITEMAPS:  # nested indexes, bounded
                if self.frontier.accepted >= self.config.max_pages:
                    break
                url = sitemaps.pop(0).strip()
                if url in fetched:
                    continue
                reason = fetch_refusal(url, self.first_party)
                if reason:
                    refuse(url, reason)
                    continue
                fetched.add(url)
                pages, nested = extract_sitemap_urls(await _fetch_text(page, url))
                self.frontier.add_all(pages, 1)
                sitemaps.extend(nested)
        finally:
            await guard.settle()
            await discovery.close()
        if refused > _REPORTED_REFUSALS:
            self.progress(note(self.phase, f"sitemap refused: {refused} URL(s) in all"))


#: Sitemaps fetched per scan (robots.txt lines and nested indexes together).
_MAX_SITEMAPS = 10
#: Refused sitemap URLs reported one by one (the rest are counted).
_REPORTED_REFUSALS = 20


async def _fetch_text(page: Any, url: str) -> str:
    try:
        response = await page.goto(url, wait_until="domcontentloaded", timeout=15000)
        if response is None or response.status >= 400:
            return ""
        return (await response.text())[:5_000_000]
    except Exception:  # noqa: BLE001 - no sitemap is normal
        return ""


class _OffSiteGuard:
    """Fails every request of the discovery page that ``fetch_refusal`` refuses.

    A DevTools ``Fetch`` session pauses each request, redirect hops included (Playwright's
    ``route`` follows redirects without asking), so a first-party sitemap that redirects to
    another host, or an XML stylesheet on one, is never fetched.
    """

    def __init__(self, first_party: FirstParty, refuse: Callable[[str, str], None]) -> None:
        self.first_party, self.refuse = first_party, refuse
        self.session: Any = None
        self.pending: set[asyncio.Future[Any]] = set()

    async def attach(self, context: Any, page: Any) -> None:
        self.session = await context.new_cdp_session(page)
        self.session.on("Fetch.requestPaused", self._on_paused)
        await self.session.send("Fetch.enable", {"patterns": [{"urlPattern": "*"}]})

    def _on_paused(self, event: dict[str, Any]) -> None:
        url = event["request"]["url"]
        reason = fetch_refusal(url, self.first_party)
        if reason:
            self.refuse(url, reason)
            params = {"requestId": event["requestId"], "errorReason": "BlockedByClient"}
            call = self.session.send("Fetch.failRequest", params)
        else:
            call = self.session.send("Fetch.continueRequest", {"requestId": event["requestId"]})
        task = asyncio.ensure_future(call)
        self.pending.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Future[Any]) -> None:
        self.pending.discard(task)
        if not task.cancelled():
            task.exception()  # a request the page dropped meanwhile: nothing to do

    async def settle(self) -> None:
        """Wait for the answers still in flight."""
        if self.pending:
            await asyncio.gather(*list(self.pending), return_exceptions=True)
