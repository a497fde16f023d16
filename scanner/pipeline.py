"""The pipeline: collect every phase, then match and judge; one call, ``scan_async``.

``scanner.collect`` crawls each consent phase in a fresh browser context and streams each page
to the journal; ``scanner.consent`` operates the banner on the start page of a consent phase
(handed to the collector as an operator, so collection never imports it); ``scanner.analyse``
ties observations to services and judges them. A failure of the analysis never loses the
observations: it becomes a warning on the result.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scanner import __version__
from scanner.collect.browser import launch
from scanner.collect.crawl import Frontier, check_start_url
from scanner.collect.discovery import skip_warnings
from scanner.collect.events import phase_started
from scanner.collect.journal import Journal
from scanner.collect.observe import PageRecorder
from scanner.collect.parties import FirstParty
from scanner.collect.phases import ConsentOperator, PhaseRunner
from scanner.collect.profile import context_options, devices_of
from scanner.collect.storable import storable_result
from scanner.collect.visit import now_iso
from scanner.config import ScanConfig
from scanner.errors import CookiescanError, ScanError, first_line, redact_url
from scanner.evidence import EvidencePack, seal
from scanner.evidence.keys import load_private
from scanner.evidence.pages import keep_finding_pages
from scanner.model import ConsentAction, Phase, PhaseResult, ScanResult, Visit

Progress = Callable[[str], None]


def run_scan(
    config: ScanConfig,
    *,
    journal: str | Path | None = None,
    progress: Progress | None = None,
) -> ScanResult:
    """``scan_async`` for callers without a running event loop (scripts, the CLI)."""
    return asyncio.run(scan_async(config, journal=journal, progress=progress))


async def scan_async(
    config: ScanConfig,
    *,
    journal: str | Path | None = None,
    progress: Progress | None = None,
) -> ScanResult:
    """Scan ``config.url`` in every phase of ``config.phases`` and return the result.

    ``journal`` names a JSON Lines file that receives every page as soon as it is done.
    Raises ``ConfigError`` for bad input, ``BrowserNotFound``/``BrowserError`` when Chromium
    cannot run, and ``ScanError`` when the scan itself broke (the journal keeps the pages
    finished until then); page failures are recorded on their visits instead.
    """
    start = check_start_url(config.url)
    config = replace(config, url=start)
    Frontier(FirstParty("x"), 1, 1, include=config.include, exclude=config.exclude)  # validate
    if config.evidence_dir:  # checked before the browser starts: a bad folder or key is exit 2
        EvidencePack.prepare(config.evidence_dir)
        if config.evidence_key:
            load_private(config.evidence_key)
    result = analyse(await _collect(config, journal, progress or (lambda _msg: None)))
    return seal_evidence(config, result) if config.evidence_dir else result


def seal_evidence(config: ScanConfig, result: ScanResult) -> ScanResult:
    """Write the result into the evidence folder and seal it (``scanner.evidence``), keeping
    only the page screenshots of pages a finding names. A pack that cannot be written costs
    the pack, never the result: it says so in a warning."""
    pack = EvidencePack(Path(config.evidence_dir))
    try:
        keep_finding_pages(pack, result, config.evidence_pages)
        text = json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"
        pack.result.write_text(text, encoding="utf-8", errors="replace")
        seal(pack.root, result, config.evidence_key or None)
    except (OSError, ValueError, KeyError, CookiescanError) as exc:
        why = f"the evidence pack in {pack.root} was not sealed: {first_line(exc)}"
        return replace(result, warnings=(*result.warnings, why))
    return result


def consent_operator(config: ScanConfig) -> ConsentOperator:
    """The banner operator of the consent phases, with the scan's consent settings."""

    async def operate(page: Any, phase: Phase, recorder: PageRecorder) -> ConsentAction:
        from scanner.consent import operate_banner

        return await operate_banner(
            page,
            phase,
            recorder,
            engines=config.consent_engines,
            timeout=config.consent_timeout,
            settle=config.dwell,  # let the site react to the choice before the page's dwell
            screenshots=config.consent_screenshots,
        )

    return operate


async def _collect(config: ScanConfig, journal_path: Any, progress: Progress) -> ScanResult:
    first_party = FirstParty(urlsplit(config.url).hostname or "", config.first_party)
    # The browser-wide user agent too: service workers do not get the per-context override.
    args = (f"--user-agent={config.user_agent}", *config.browser_args)
    browser = await launch(config.browser, args=args, proxy=config.proxy)
    try:  # the visitor profile is checked before any page: an unknown device is a ConfigError
        visitor = context_options(config, devices_of(browser))
    except BaseException:
        await browser.close()
        raise
    # Every page goes to a journal as it finishes and waits there for the end of the scan
    # (a temporary one when the caller gave none): memory does not grow with the pages.
    journal = Journal(journal_path) if journal_path else Journal.temporary()
    result = ScanResult(
        start_url=redact_url(config.url),  # the real URL and proxy only drive the browser
        first_party=tuple(sorted(first_party.sites | first_party.domains)),
        tool_version=__version__,
        browser_version=browser.version,
        user_agent=visitor["user_agent"],
        config=config.public_dict(),
        started_at=now_iso(),
        finished_at=None,
        complete=False,
    )
    phases: list[tuple[PhaseResult, PhaseRunner]] = []
    warnings: list[str] = []
    collected = False
    operator = consent_operator(config)
    try:
        if journal:
            journal.header(result)
        pages: list[tuple[str, int]] | None = None
        for index, phase in enumerate(config.phases, 1):
            progress(phase_started(phase, index, len(config.phases)))
            runner = PhaseRunner(browser, config, first_party, phase, journal, progress, operator)
            outcome = await runner.run(pages)
            phases.append((outcome, runner))
            warnings += _refusals(phase, runner.frontier.skipped)
            if pages is None:
                pages = _pages(runner, outcome)
                if config.consent_max_pages:
                    pages = pages[: config.consent_max_pages]
            if journal:
                journal.phase(outcome)
        finished = now_iso()
        if journal:
            journal.end(finished)
        collected = True
    except* Exception as group:
        # A worker error (the journal could not be written, the progress callback raised…):
        # the scan stops with that reason; the journal keeps every page finished until then.
        first = _first_error(group)
        kept = journal is not None and not journal.spool
        where = f"; the finished pages are kept in {journal.path}" if journal and kept else ""
        reason = first_line(first, default="")
        why = f"{type(first).__name__}: {reason}" if reason else type(first).__name__
        raise ScanError(f"the scan stopped: {why}{where}") from first
    finally:
        await browser.close()
        if journal:
            journal.close()
            if journal.spool and not collected:
                journal.discard()
    try:  # the visits, read back from the journal one at a time in crawl order
        with journal.reader() if journal else contextlib.nullcontext() as reader:
            read = tuple(_without_credentials(_read_back(o, r, reader)) for o, r in phases)
    except (OSError, ValueError) as exc:  # the journal was removed or changed under the scan
        raise ScanError(f"the scanned pages could not be read back: {first_line(exc)}") from exc
    finally:
        if journal and journal.spool:
            journal.discard()
    # Page strings enter the result here: a lone surrogate (document.title = '\ud800') becomes
    # U+FFFD once, so no writer (JSON, CSV, XLSX, history, stdout) meets one.
    return storable_result(
        replace(
            result,
            phases=read,
            finished_at=finished,
            complete=True,
            warnings=tuple(warnings),
        )
    )


def _pages(runner: PhaseRunner, outcome: PhaseResult) -> list[tuple[str, int]]:
    """(URL, depth) of the pages a phase visited, in crawl order."""
    if not hasattr(runner, "kept"):  # a runner that returns its visits (the tests' fakes)
        return [(v.url, v.depth) for v in outcome.visits]
    return runner.pages()


def _read_back(outcome: PhaseResult, runner: PhaseRunner, reader: Any) -> PhaseResult:
    """The phase with its visits, read back from the journal (``PhaseRunner.visits``)."""
    if not hasattr(runner, "kept"):
        return outcome
    return replace(outcome, visits=tuple(runner.visits(reader)))


def _without_credentials(phase: PhaseResult) -> PhaseResult:
    """The phase with the user name and password of its page URLs redacted (a start URL
    ``http://user:pass@host/`` keeps them in what the browser reports). A visit read back
    from the journal is redacted already: it is kept, not copied."""

    def redacted(visit: Visit) -> Visit:
        url, final_url = redact_url(visit.url), redact_url(visit.final_url)
        if url == visit.url and final_url == visit.final_url:
            return visit
        return replace(visit, url=url, final_url=final_url)

    return replace(phase, visits=tuple(redacted(v) for v in phase.visits))


def _refusals(phase: str, skipped: Mapping[str, int]) -> list[str]:
    """Sitemap entries refused and pages robots.txt disallows, as warnings."""
    return skip_warnings(phase, skipped)


def _first_error(group: BaseExceptionGroup[Exception]) -> Exception:
    error: BaseException = group
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    return error  # type: ignore[return-value]


def analyse(result: ScanResult) -> ScanResult:
    """Match observations to services, then judge. A failure here never loses the visits."""
    from scanner.analyse.match import match_result

    try:
        result = match_result(result)
    except Exception as exc:  # noqa: BLE001 - e.g. an invalid user signature pack
        return replace(result, warnings=(*result.warnings, f"matching skipped: {exc}"))
    from scanner.analyse.judge import judge
    from scanner.analyse.verdict import verdict_of

    try:
        findings = judge(result)
        return replace(result, findings=findings, verdict=verdict_of(result, findings))
    except Exception as exc:  # noqa: BLE001 - a judge bug must not lose the observations
        return replace(result, warnings=(*result.warnings, f"judging skipped: {exc}"))
