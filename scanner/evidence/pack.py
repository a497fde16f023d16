"""Where each piece of evidence goes inside an evidence folder.

::

    DIR/har/<phase>.har                      the phase's traffic (Playwright's HAR recorder)
    DIR/screenshots/<phase>-start.png        the start page as loaded (the banner visible)
    DIR/screenshots/<phase>-after-click.png  the start page after the banner was operated
    DIR/screenshots/pages/<phase>/<n>.png    a page with a finding, after its dwell (pages.py;
                                             ``n`` counts the phase's shots, never the URL)
    DIR/screenshots/pages.json               the URL each one shows, for which findings, and
                                             the pages with a finding left unshot (the limit)
    DIR/result.json                          the scan's result
    DIR/manifest.json                        hashes, versions, configuration, signature
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.errors import ConfigError

#: Seconds a screenshot may take before it is given up (a busy page must not hold the scan).
SCREENSHOT_TIMEOUT = 10.0


@dataclass(frozen=True)
class EvidencePack:
    """The layout of one evidence folder."""

    root: Path

    @classmethod
    def prepare(cls, directory: str | Path) -> EvidencePack:
        """The folder, created; ``ConfigError`` when it cannot be, or already holds a pack
        (evidence is never overwritten: choose a new folder per scan)."""
        root = Path(directory)
        if (root / "manifest.json").exists():
            raise ConfigError(f"--evidence {root}: already holds a sealed evidence pack")
        try:
            (root / "har").mkdir(parents=True, exist_ok=True)
            (root / "screenshots").mkdir(exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"--evidence {root}: cannot create: {exc.strerror or exc}") from None
        return cls(root)

    def har(self, phase: str) -> Path:
        return self.root / "har" / f"{phase}.har"

    def screenshot(self, phase: str, moment: str) -> Path:
        return self.root / "screenshots" / f"{phase}-{moment}.png"

    @property
    def result(self) -> Path:
        return self.root / "result.json"


async def screenshot(page: Any, path: Path) -> bool:
    """A full-viewport PNG of ``page`` at ``path``; False when the page could not be shot
    within ``SCREENSHOT_TIMEOUT`` seconds (closed, frozen, a full disk): evidence must not cost
    the scan, and the manifest lists only the screenshots that exist."""
    try:
        await asyncio.wait_for(page.screenshot(path=str(path), full_page=False), SCREENSHOT_TIMEOUT)
    except Exception:  # noqa: BLE001
        return False
    return True
