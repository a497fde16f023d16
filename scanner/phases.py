"""Run the crawl once per consent phase, each in a fresh browser context.

``no-interaction`` crawls: breadth-first from the start URL (plus the sitemap), following
same-site links within the limits. The consent phases (``accept-all``, ``reject-all``) open the
start page, operate the banner (``scanner.consent``), then revisit the pages the first phase
found, with that choice kept. One browser serves every phase; pages of a phase run
``concurrency`` at a time; each finished page is written to the journal at once.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from . import __version__
from .browser import LaunchedBrowser, launch
from .config import ScanConfig
from .crawl import Frontier, check_start_url, extract_sitemap_urls, sitemaps_from_robots
from .journal import Journal
from .models import ConsentAction, Phase, PhaseResult, ScanResult, Visit
from .observe import ContextObserver, PageRecorder
from .parties import FirstParty
from .visit import OnLoaded, now_iso, visit_page

Progress = Callable[[str], None]


def default_concurrency() -> int:
    """Pages in flight per phase: two per core, at least 2, at most 8."""
    return max(2, min(8, 2 * (os.cpu_count() or 1)))


def run_scan(
    config: ScanConfig,
    *,
    journal: str | Path | None = None,
    progress: Progress | None = None,
) -> ScanResult:
    """Scan ``config.url`` in every phase of ``config.phases`` and return the result.

    ``journal`` names a JSON Lines file that receives every page as soon as it is done.
    Raises ``ConfigError`` for bad input and ``BrowserNotFound``/``BrowserError`` when
    Chromium cannot run; page failures are recorded on their visits instead.
    """
    start = check_start_url(config.url)
    config = replace(config, url=start)
    Frontier(FirstParty("x"), 1, 1, include=config.include, exclude=config.exclude)  # validate
    return asyncio.run(_scan(config, journal, progress or (lambda _msg: None)))


async def _scan(config: ScanConfig, journal_path: Any, progress: Progress) -> ScanResult:
    first_party = FirstParty(urlsplit(config.url).hostname or "", config.first_party)
    # The browser-wide user agent too: service workers do not get the per-context override.
    args = (f"--user-agent={config.user_agent}", *config.browser_args)
    browser = await launch(config.browser, args=args, proxy=config.proxy)
    journal = Journal(journal_path) if journal_path else None
    result = ScanResult(
        start_url=config.url,
        first_party=tuple(sorted(first_party.sites | first_party.domains)),
        tool_version=__version__,
        browser_version=browser.version,
        user_agent=config.user_agent,
        config=config.to_dict(),
        started_at=now_iso(),
        finished_at=None,
        complete=False,
    )
    if journal:
        journal.header(result)
    phases: list[PhaseResult] = []
    try:
        pages: list[tuple[str, int]] | None = None
        for phase in config.phases:
            runner = PhaseRunner(browser, config, first_party, phase, journal, progress)
            outcome = await runner.run(pages)
            phases.append(outcome)
            if pages is None:
                pages = [(v.url, v.depth) for v in outcome.visits]
                if config.consent_max_pages:
                    pages = pages[: config.consent_max_pages]
            if journal:
                journal.phase(outcome)
    finally:
        await browser.close()
        finished = now_iso()
        if journal:
            journal.end(finished)
            journal.close()
    result = replace(result, phases=tuple(phases), finished_at=finished, complete=True)
    return analyse(result)


def analyse(result: ScanResult) -> ScanResult:
    """Match observations to services, then judge. A failure here never loses the visits."""
    from .match import match_result

    try:
        result = match_result(result)
    except Exception as exc:  # noqa: BLE001 - e.g. an invalid user signature pack
        return replace(result, warnings=(*result.warnings, f"matching skipped: {exc}"))
    from .judge import judge

    try:
        return replace(result, findings=judge(result))
    except Exception as exc:  # noqa: BLE001 - a judge bug must not lose the observations
        return replace(result, warnings=(*result.warnings, f"judging skipped: {exc}"))


class PhaseRunner:
    """One phase: a fresh context, a frontier (or a fixed page list), N workers."""

    def __init__(
        self,
        browser: LaunchedBrowser,
        config: ScanConfig,
        first_party: FirstParty,
        phase: Phase,
        journal: Journal | None,
        progress: Progress,
    ) -> None:
        self.browser, self.config, self.first_party = browser, config, first_party
        self.phase, self.journal, self.progress = phase, journal, progress
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
        return await self.browser.new_context(
            user_agent=self.config.user_agent,
            ignore_https_errors=self.config.ignore_https_errors,
            accept_downloads=False,
            viewport={"width": 1366, "height": 768},
        )

    async def run(self, pages: list[tuple[str, int]] | None) -> PhaseResult:
        context = await self.new_context()
        observer = ContextObserver()
        await observer.attach(context)
        queue: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
        try:
            follow = pages is None
            self.frontier.add(self.config.url, 0)
            if self.phase != "no-interaction":
                # The start page alone first: the banner is operated there, so that every
                # other page of a consent phase loads after the choice.
                self._drain(queue)
                self.holding = True  # links found there wait for the other workers
                await self._work(context, observer, queue, follow, workers=1)
                self.holding = False
            if pages is None:
                if self.config.use_sitemap:
                    await self._add_sitemap_pages()
            else:
                self.frontier.queue.extend(p for p in pages if p[0] != self.config.url)
            self._drain(queue)
            workers = self.config.concurrency or default_concurrency()
            await self._work(context, observer, queue, follow, workers)
        finally:
            await context.close()
        visits = tuple(v for _, v in sorted(self.visits, key=lambda item: item[0]))
        return PhaseResult(self.phase, visits, self.consent)

    async def _work(
        self,
        context: Any,
        observer: ContextObserver,
        queue: asyncio.Queue[tuple[str, int]],
        follow: bool,
        workers: int,
    ) -> None:
        """Run ``workers`` page workers until the queue is empty and every page is done."""
        tasks = [
            asyncio.create_task(self._worker(context, observer, queue, follow))
            for _ in range(workers)
        ]
        await queue.join()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _drain(self, queue: asyncio.Queue[tuple[str, int]]) -> None:
        while (item := self.frontier.pop()) is not None:
            self.order.setdefault(item[0], len(self.order))
            queue.put_nowait(item)

    async def _worker(
        self, context: Any, observer: ContextObserver, queue: asyncio.Queue[Any], follow: bool
    ) -> None:
        while True:
            url, depth = await queue.get()
            try:
                if self.deadline and time.monotonic() > self.deadline:
                    continue  # over the time budget: leave the rest unvisited
                hook = self._consent_hook() if url == self.config.url else None
                visit, links = await visit_page(
                    context, observer, self.config, self.first_party, self.phase, url, depth, hook
                )
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
        if self.phase == "no-interaction":
            return None
        action = self.phase

        config = self.config

        async def operate(page: Any, recorder: PageRecorder) -> None:
            from .consent import operate_banner

            self.consent = await operate_banner(
                page,
                action,
                recorder,
                engines=config.consent_engines,
                timeout=config.consent_timeout,
                settle=config.dwell,  # let the site react to the choice before the page's dwell
                screenshots=config.consent_screenshots,
            )

        return operate

    def _report(self, visit: Visit) -> None:
        errors = f", {len(visit.errors)} error(s): {visit.errors[0].kind}" if visit.errors else ""
        self.progress(
            f"[{self.phase}] {len(self.visits)} of {len(self.order)} found: {visit.url} — "
            f"{len(visit.requests)} requests, {len(visit.cookies)} cookies{errors}"
        )

    async def _add_sitemap_pages(self) -> None:
        """Queue pages listed in robots.txt ``Sitemap:`` lines and /sitemap.xml (depth 1).

        Fetched through the browser (so proxy and host rules apply) in a context of its own,
        so nothing it sets leaks into the phase's observations.
        """
        discovery = await self.new_context()
        page = await discovery.new_page()
        try:
            robots = await _fetch_text(page, urljoin(self.config.url, "/robots.txt"))
            sitemaps = sitemaps_from_robots(robots) or [urljoin(self.config.url, "/sitemap.xml")]
            for _ in range(10):  # nested sitemap indexes, bounded
                if not sitemaps or self.frontier.accepted >= self.config.max_pages:
                    break
                pages, nested = extract_sitemap_urls(await _fetch_text(page, sitemaps.pop(0)))
                self.frontier.add_all(pages, 1)
                sitemaps.extend(nested)
        finally:
            await discovery.close()


async def _fetch_text(page: Any, url: str) -> str:
    try:
        response = await page.goto(url, wait_until="domcontentloaded", timeout=15000)
        if response is None or response.status >= 400:
            return ""
        return (await response.text())[:5_000_000]
    except Exception:  # noqa: BLE001 - no sitemap is normal
        return ""
