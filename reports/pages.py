"""The page screenshots of an evidence pack, read back safely for the HTML report.

A result that lies in an evidence pack (``DIR/result.json`` with ``DIR/manifest.json`` beside
it) may have ``DIR/screenshots/pages.json``: the screenshots of the pages a finding names
(``scanner.evidence.pages``). The pack is untrusted input, like ``reports.shots``: only the
files ``pages.json`` lists are read, only of the shape ``screenshots/pages/<phase>/<n>.png``
inside the pack folder, never through a symbolic link (``O_NOFOLLOW`` on every part), only
PNG files of at most ``MAX_PAGE_BYTES``, and at most ``MAX_PAGES`` / ``MAX_TOTAL_BYTES`` in
all. Anything else gives one warning line and no image, never an exception. Whether the
manifest verifies is not checked here: that is ``cookiescan verify DIR``.

Example::

    pack = read_pack_pages("pack/result.json", warn=print)   # None: not in a pack
    render_html(result, pack=pack)   # thumbnails under each finding, "Pages with a finding"
"""

from __future__ import annotations

import base64
import json
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.model import PHASES

__all__ = [
    "MAX_PAGES",
    "MAX_PAGE_BYTES",
    "MAX_TOTAL_BYTES",
    "PackPages",
    "PageShot",
    "read_pack_pages",
]

#: One page screenshot larger than this is not read (a full viewport is well under 2 MB).
MAX_PAGE_BYTES = 5 * 1024 * 1024
#: At most this many screenshots, and this many bytes in all, go into one report.
MAX_PAGES = 50
MAX_TOTAL_BYTES = 20 * 1024 * 1024
#: ``pages.json`` itself is small; a larger one is not read.
MAX_INDEX_BYTES = 5 * 1024 * 1024

INDEX = "screenshots/pages.json"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_FILE = re.compile(r"screenshots/pages/([a-z-]{1,40})/(0|[1-9][0-9]{0,5})\.png")
_NOFOLLOW = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


@dataclass(frozen=True)
class PageShot:
    """One page screenshot: its phase, the URL it shows, the PNG as a data URI, and the
    findings (their index in ``result.findings``) that name the page."""

    phase: str
    url: str
    uri: str
    findings: tuple[int, ...]
    anchor: str


@dataclass
class PackPages:
    """What the report shows of a pack's page screenshots."""

    folder: Path
    shots: list[PageShot] = field(default_factory=list)
    #: Pages a finding names that have no screenshot: ``{"phase", "url", "why"}``.
    not_shot: list[dict[str, str]] = field(default_factory=list)
    #: Why some listed screenshots are not shown (a hostile entry, over the cap).
    notes: list[str] = field(default_factory=list)

    def for_finding(self, index: int) -> list[PageShot]:
        """The screenshots of the pages the finding at ``index`` names."""
        return [s for s in self.shots if index in s.findings]


def read_pack_pages(
    json_path: str | Path, warn: Callable[[str], None] | None = None
) -> PackPages | None:
    """The page screenshots of the evidence pack ``json_path`` lies in; None when its folder
    is not a pack (no ``manifest.json`` beside it). Never raises for a bad pack: each entry
    that cannot be shown gives one ``warn`` line and a note in the result."""
    folder = Path(json_path).parent
    say = warn or (lambda _msg: None)
    try:
        if not stat.S_ISREG(os.lstat(folder / "manifest.json").st_mode):
            return None
    except OSError:
        return None
    pack = PackPages(folder=folder)

    def problem(text: str) -> None:
        pack.notes.append(text)
        say(f"warning: {folder}: {text}")

    raw, why = _read(folder, INDEX, MAX_INDEX_BYTES)
    if raw is None:
        if why != "no such file":
            problem(f"{INDEX} not read: {why}")
        return pack
    try:
        index = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        problem(f"{INDEX} is not valid JSON: no page screenshot shown")
        return pack
    if not isinstance(index, dict) or not isinstance(index.get("kept", []), list):
        problem(f"{INDEX} is not a page screenshot index: no page screenshot shown")
        return pack
    _read_kept(pack, index.get("kept", []), problem)
    for entry in _entries(index.get("not_shot")):
        pack.not_shot.append(
            {k: str(entry.get(k, "")) for k in ("phase", "url", "why")} | {"phase": _phase(entry)}
        )
    return pack


def _read_kept(pack: PackPages, kept: list[Any], problem: Callable[[str], None]) -> None:
    total, seen, skipped = 0, set(), 0
    for entry in _entries(kept):
        file, url = entry.get("file"), entry.get("url")
        match = _FILE.fullmatch(file) if isinstance(file, str) else None
        if match is None or match.group(1) not in PHASES or not isinstance(url, str):
            problem(f"{INDEX}: {str(file)[:120]!r} is not a page screenshot of the pack")
            continue
        file = match.group(0)
        if file in seen:
            continue
        if len(pack.shots) >= MAX_PAGES:
            skipped += 1
            continue
        raw, why = _read(pack.folder, file, MAX_PAGE_BYTES)
        if raw is not None and not raw.startswith(_PNG_MAGIC):
            raw, why = None, "not a PNG file"
        if raw is None:
            problem(f"{file} not shown: {why}")
            continue
        if total + len(raw) > MAX_TOTAL_BYTES:
            skipped += 1
            continue
        total += len(raw)
        seen.add(file)
        refs = entry.get("findings")
        found = tuple(
            r["index"]
            for r in (refs if isinstance(refs, list) else [])
            if isinstance(r, dict) and isinstance(r.get("index"), int)
        )
        uri = "data:image/png;base64," + base64.b64encode(raw).decode("ascii")
        anchor = f"page-shot-{match.group(1)}-{match.group(2)}"
        pack.shots.append(PageShot(match.group(1), url, uri, found, anchor))
    if skipped:
        problem(
            f"{skipped} more page screenshot(s) not shown: a report embeds at most {MAX_PAGES}"
            f" ({MAX_TOTAL_BYTES // (1024 * 1024)} MB); see the pack folder"
        )


def _entries(value: Any) -> list[dict[str, Any]]:
    return [e for e in value if isinstance(e, dict)] if isinstance(value, list) else []


def _phase(entry: dict[str, Any]) -> str:
    phase = entry.get("phase")
    return phase if isinstance(phase, str) and phase in PHASES else ""


def _read(folder: Path, relative: str, limit: int) -> tuple[bytes | None, str]:
    """The bytes of ``folder/relative`` (a checked, ``/``-separated path with no ``..``),
    opened part by part with ``O_NOFOLLOW`` so that no symbolic link is followed; or None and
    why not."""
    fds: list[int] = []
    try:
        # The pack folder itself is the one the user named (it may be reached through a link).
        fds.append(os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)))
        parts = relative.split("/")
        for part in parts[:-1]:
            fds.append(os.open(part, _NOFOLLOW | getattr(os, "O_DIRECTORY", 0), dir_fd=fds[-1]))
        fd = os.open(parts[-1], _NOFOLLOW, dir_fd=fds[-1])
    except FileNotFoundError:
        return None, "no such file"
    except OSError as exc:  # ELOOP / ENOTDIR: a symbolic link or not a folder
        return None, f"cannot read it ({exc.strerror or exc})"
    finally:
        for opened in fds:
            os.close(opened)
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            return None, "not a regular file"
        raw = file.read(limit + 1)
    if info.st_size > limit or len(raw) > limit:
        return None, f"larger than {limit // (1024 * 1024)} MB"
    return raw, ""
