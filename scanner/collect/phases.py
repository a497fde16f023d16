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
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from scanner.collect.browser import LaunchedBrowser
from scanner.collect.crawl import Frontier
from scanner.collect.discovery import discover
from scanner.collect.events import note, page_done
from scanner.collect.journal import Journal, JournalReader
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
from scanner.evidence.pages import PageShots
from scanner.model import ConsentAction, Phase, PhaseResult, Visit

Progress = Callable[[str], None]
#: Operates the banner of a consent phase on its start page: (page, phase, recorder) -> action.
ConsentOperator = Callable[[Any, Phase, PageRecorder], Awaitable[ConsentAction]]


def default_concurrency() -> int:
    """Pages in flight per phase: two per core, at least 2, at most 8."""
    return max(2, min(8, 2 * (os.cpu_count() or 1)))


class Kept(NamedTuple):
    """A finished page of a phase: its place in the crawl order, its URL and depth, and
    where its visit is: the offset of its record in the journal (or the visit itself)."""

    order: int
    url: str
    depth: int
    where: int | Visit


def _by_order(kept: Kept) -> int:
    return kept.order


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
        #: A screenshot of each page after its dwell, for the evidence pack only (bounded).
        self.shots: PageShots | None = None
        if self.evidence is not None and config.evidence_pages:
            self.shots = PageShots(self.evidence, phase, config.evidence_pages)
        self.frontier = Frontier(
            first_party,
            max_pages=config.max_pages,
            max_depth=config.max_depth,
            max_per_pattern=config.max_pages_per_pattern,
            include=config.include,
            exclude=config.exclude,
        )
        #: Every finished page, in the order it finished: the visit itself stays in the
        #: journal (read it back with ``visits``), so memory does not grow with the pages.
        self.kept: list[Kept] = []
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
        shoot = self.shots.shoot if self.shots is not None else None
        scope = PhaseScope(context, observer, self.config, self.first_party, self.phase, shoot)
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
                if self.config.use_sitemap or not self.config.ignore_robots:
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
        if self.shots is not None:
            self.shots.stage()
        # The visits are in the journal: ``visits`` reads them back, in crawl order.
        return PhaseResult(phase=self.phase, visits=(), consent=self.consent)

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
                self._keep(self.order.get(url, len(self.order)), visit)
                if follow:
                    self.frontier.add_all(links, depth + 1)
                    if not self.holding:
                        self._drain(queue)
                self._report(visit)
            finally:
                queue.task_done()

    def _keep(self, order: int, visit: Visit) -> None:
        """Write ``visit`` to the journal and keep only where it is there. Without a journal,
        or when a spool journal cannot be written (``Journal.spool``), the visit is kept."""
        where: int | Visit = visit
        if self.journal is not None:
            offset = self.journal.size
            self.journal.visit(visit)  # a user's journal that cannot be written raises
            if self.journal.size > offset:
                where = offset
        self.kept.append(Kept(order, visit.url, visit.depth, where))

    def pages(self) -> list[tuple[str, int]]:
        """(URL, depth) of every finished page, in crawl order."""
        return [(k.url, k.depth) for k in sorted(self.kept, key=_by_order)]

    def visits(self, reader: JournalReader | None) -> Iterator[Visit]:
        """Every visit of the phase, in crawl order, read back from the journal (``reader``,
        on the journal the runner was given) one at a time."""
        for kept in sorted(self.kept, key=_by_order):
            if isinstance(kept.where, Visit):
                yield kept.where
            elif reader is not None:
                yield reader.visit(kept.where)

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
                len(self.kept),
                len(self.order),
                visit.url,
                len(visit.requests),
                len(visit.cookies),
                [e.kind for e in visit.errors],
            )
        )

    async def _add_sitemap_pages(self) -> None:
        """Read robots.txt and the sitemaps through the browser (``discovery.py``): the
        robots rules go into the frontier, the pages listed are queued at depth 1."""
        await discover(
            self.browser, self.config, self.first_party, self.frontier, self.progress, self.phase
        )
