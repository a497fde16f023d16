"""Tiny PNG pictures for the report fixtures, drawn without a library, and a screenshot helper.

``tiny_png`` draws a light page with filled rectangles as a ``data:`` URI (the banner before
and after a click); ``screenshot_html`` opens an HTML file in Chromium and saves a PNG of it.
"""

from __future__ import annotations

import base64
import struct
import zlib
from pathlib import Path


def tiny_png(width: int, height: int, boxes: list[tuple[int, int, int, int, tuple]]) -> str:
    """A PNG data URI: a light page with filled rectangles (x, y, w, h, rgb)."""
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            color = (236, 239, 243)
            for bx, by, bw, bh, rgb in boxes:
                if bx <= x < bx + bw and by <= y < by + bh:
                    color = rgb
            row += bytes(color)
        rows.append(bytes(row))

    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    png = b"\x89PNG\r\n\x1a\n" + chunk(
        b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    )
    png += chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b"")
    return "data:image/png;base64," + base64.b64encode(png).decode()


BANNER = [(0, 88, 240, 32, (40, 48, 64)), (150, 96, 38, 16, (46, 160, 90))]
BANNER_REJECT = BANNER + [(104, 96, 38, 16, (200, 205, 212))]
NO_BANNER: list[tuple[int, int, int, int, tuple]] = [(16, 16, 120, 10, (200, 205, 212))]


def screenshot_html(html: str, png: str, width: int = 1200) -> None:
    """Save a full-page screenshot of the HTML file ``html`` to ``png`` (Chromium)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        exe = "/usr/lib/chromium/chromium-headless-shell"
        try:
            from scanner.collect.browser import find_browser  # type: ignore[import-not-found]

            exe = find_browser()
        except ImportError:
            pass
        browser = pw.chromium.launch(executable_path=exe, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(Path(html).resolve().as_uri())
        page.screenshot(path=png, full_page=True)
        browser.close()
