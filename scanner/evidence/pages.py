"""The page screenshots of an evidence pack: shot within a bound while the scan runs, and kept
only for the pages a finding names.

During a phase, ``PageShots`` takes a full-viewport screenshot of each page after its dwell,
at most ``limit`` per phase (the first pages to finish), as ``screenshots/pages/<phase>/<n>.png``
(``n`` counts the phase's shots: a file name never comes from the page's URL, which the site
chooses), and stages which URL each one shows in ``screenshots/pages/<phase>.staged.json``.
Once the result is judged, ``keep_finding_pages`` deletes the screenshots of pages that no
finding names and the staged lists, and writes ``screenshots/pages.json``, which the manifest
hashes like every file::

    {"limit": 50,
     "kept": [{"phase": "no-interaction", "url": "https://…/", "file": "screenshots/pages/…",
               "findings": [{"index": 0, "type": "tracking_before_consent", "service": "…"}]}],
     "not_shot": [{"phase": …, "url": …, "why": "over the limit of 50 pages per phase",
                   "findings": […]}]}

``index`` is the finding's position in ``result.json``'s ``findings``. ``not_shot`` lists the
pages a finding names that have no screenshot, and why.

Example::

    shots = PageShots(pack, "no-interaction", limit=50)
    await shots.shoot(page, url)            # after the page's dwell
    shots.stage()                           # at the end of the phase
    keep_finding_pages(pack, result, 50)    # before sealing
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from scanner.errors import redact_url
from scanner.evidence.pack import EvidencePack, screenshot
from scanner.model import PHASES

INDEX = "screenshots/pages.json"
_STAGED = ".staged.json"


class PageShots:
    """The page screenshots of one phase, at most ``limit``, and the URL each one shows."""

    def __init__(self, pack: EvidencePack, phase: str, limit: int) -> None:
        self.pack, self.phase, self.limit = pack, phase, limit
        self.folder = pack.root / "screenshots" / "pages" / phase
        #: (n, URL) of every screenshot taken, and the URLs of pages left unshot, with why.
        self.shots: list[tuple[int, str]] = []
        self.unshot: list[tuple[str, str]] = []
        self.taken = 0

    async def shoot(self, page: Any, url: str) -> None:
        """A screenshot of ``page`` (visited as ``url``), unless the phase's limit is reached
        or the page cannot be shot within ``SCREENSHOT_TIMEOUT``; never raises."""
        url = redact_url(url)
        if self.taken >= self.limit:
            self.unshot.append((url, f"over the limit of {self.limit} pages per phase"))
            return
        n = self.taken
        self.taken += 1  # taken before the await: pages finishing at once never pass the limit
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            self.unshot.append((url, "the screenshot could not be written"))
            return
        if await screenshot(page, self.folder / f"{n}.png"):
            self.shots.append((n, url))
        else:
            self.unshot.append((url, "the page could not be shot in time"))

    def stage(self) -> None:
        """Write the phase's list next to its screenshots (read by ``keep_finding_pages``)."""
        staged = {
            "phase": self.phase,
            "shots": [{"n": n, "url": url} for n, url in self.shots],
            "unshot": [{"url": url, "why": why} for url, why in self.unshot],
        }
        path = self.folder.parent / f"{self.phase}{_STAGED}"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(staged, ensure_ascii=True), encoding="utf-8")
        except OSError:  # costs the page screenshots (deleted unlisted), never the scan
            pass


def keep_finding_pages(pack: EvidencePack, result: Any, limit: int) -> Path | None:
    """Keep the screenshots of the pages that ``result``'s findings name, delete the others,
    and write ``screenshots/pages.json``; None when no page was shot (``limit`` is the
    scan's ``evidence_pages``)."""
    folder = pack.root / "screenshots" / "pages"
    if not folder.is_dir():
        return None
    staged = sorted(folder.glob(f"*{_STAGED}"))
    named = _named_pages(result.findings)
    kept: list[dict[str, Any]] = []
    not_shot: list[dict[str, Any]] = []
    shot: set[tuple[str, str]] = set()
    for path in staged:
        phase_list = json.loads(path.read_text(encoding="utf-8"))
        phase = phase_list["phase"]
        if phase not in PHASES:  # the folder name below comes from this list: ours, checked
            continue
        for entry in phase_list["shots"]:
            file = folder / phase / f"{int(entry['n'])}.png"
            found = _findings_of(named, phase, entry["url"])
            if found and file.is_file() and (phase, entry["url"]) not in shot:
                shot.add((phase, entry["url"]))
                rel = file.relative_to(pack.root).as_posix()
                kept.append({"phase": phase, "url": entry["url"], "file": rel, "findings": found})
        for entry in phase_list["unshot"]:
            found = _findings_of(named, phase, entry["url"])
            if found and (phase, entry["url"]) not in shot:
                not_shot.append({"phase": phase, "url": entry["url"], "why": entry["why"],
                                 "findings": found})  # fmt: skip
    _remove_unkept(folder, {pack.root / k["file"] for k in kept})
    index = pack.root / INDEX
    document = {"limit": limit, "kept": kept, "not_shot": not_shot}
    index.write_text(json.dumps(document, indent=2, ensure_ascii=True) + "\n", encoding="utf-8")
    return index


def _named_pages(findings: Iterable[Any]) -> dict[str, list[tuple[str | None, dict[str, Any]]]]:
    """For each page URL a finding names (its ``pages`` and its evidence's ``page``): the
    phases it names the page in (None: any phase) and the finding's reference."""
    named: dict[str, list[tuple[str | None, dict[str, Any]]]] = {}
    for index, finding in enumerate(findings):
        if finding.type == "verdict":  # the scan's summary: it names the start page, shows none
            continue
        ref: dict[str, Any] = {"index": index, "type": finding.type}
        if finding.service:
            ref["service"] = finding.service.get("id")
        pairs: set[tuple[str, str | None]] = set()
        for item in finding.evidence:
            page = item.get("page") if isinstance(item, dict) else None
            if isinstance(page, str) and page:
                phase = item.get("phase")  # an item's own phase is the more precise one
                pairs.add((page, phase if phase in PHASES else finding.phase))
        seen = {url for url, _phase in pairs}
        pairs.update((url, finding.phase) for url in finding.pages if url not in seen)
        for url, phase in sorted(pairs, key=str):
            named.setdefault(url, []).append((phase, ref))
    return named


def _findings_of(named: dict[str, Any], phase: str, url: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for finding_phase, ref in named.get(url, ()):
        if finding_phase in (None, phase) and ref not in found:
            found.append(ref)
    return found


def _remove_unkept(folder: Path, kept: set[Path]) -> None:
    """Delete every file under ``folder`` but the ``kept`` screenshots, then the folders left
    empty."""
    for path, _dirs, files in os.walk(folder, topdown=False, followlinks=False):
        for name in files:
            if Path(path) / name not in kept:
                (Path(path) / name).unlink()
        with contextlib.suppress(OSError):  # not empty: it holds a screenshot kept
            os.rmdir(path)
