"""Print an HTML report to PDF with Chromium (``page.pdf``): A4, backgrounds printed, page
numbers in the footer.

The report is self-contained (inline CSS, ``data:`` images), so the page is offline while it
prints: every request but ``data:`` and ``about:`` is refused, and a hostile string in the
report cannot make the printer fetch anything. The report's own print stylesheet
(``reports/templates/report.css``, ``@media print``) lays the page out: banner screenshots at
full width, tables unclipped.

``reports`` cannot import this room; the CLI hands ``print_pdf`` to ``reports.write(...,
printer=print_pdf)``.

Example::

    pdf = print_pdf(reports.render(result, "html"))
    pdf[:5]   # b"%PDF-"
"""

from __future__ import annotations

import asyncio
from typing import Any

from scanner.collect.browser import LaunchedBrowser, launch
from scanner.errors import BrowserError, first_line

__all__ = ["PRINT_TIMEOUT", "print_pdf", "print_pdf_async"]

#: Seconds to load and print one report, however long.
PRINT_TIMEOUT = 120.0

_FOOTER = (
    '<div style="width:100%;font:8px system-ui,sans-serif;color:#64748b;padding:0 12mm;'
    'display:flex;justify-content:space-between"><span class="title"></span>'
    '<span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>'
)


def print_pdf(html: str, *, browser: str = "") -> bytes:
    """``html`` as PDF bytes. Raises ``BrowserNotFound`` (no Chromium) or ``BrowserError``
    (it failed to start, crashed or took longer than ``PRINT_TIMEOUT``)."""
    return asyncio.run(print_pdf_async(html, browser=browser))


async def print_pdf_async(html: str, *, browser: str = "") -> bytes:
    """``print_pdf`` for a caller already in an event loop."""
    launched = await launch(browser)
    try:
        return await asyncio.wait_for(_print(launched, html), PRINT_TIMEOUT)
    except TimeoutError:
        raise BrowserError(f"printing the PDF took longer than {PRINT_TIMEOUT:g} s") from None
    except Exception as exc:  # noqa: BLE001 - Playwright's errors, said in one line
        if isinstance(exc, BrowserError):
            raise
        raise BrowserError(f"could not print the PDF: {first_line(exc)}") from None
    finally:
        await launched.close()


async def _print(launched: LaunchedBrowser, html: str) -> bytes:
    context = await launched.new_context(service_workers="block", accept_downloads=False)
    try:
        page = await context.new_page()

        async def offline(route: Any) -> None:
            if route.request.url.startswith(("data:", "about:")):
                await route.continue_()
            else:
                await route.abort()

        await page.route("**/*", offline)
        await page.set_content(html, wait_until="load")
        await page.emulate_media(media="print")
        pdf: bytes = await page.pdf(
            format="A4",
            print_background=True,
            prefer_css_page_size=True,
            display_header_footer=True,
            header_template="<span></span>",
            footer_template=_FOOTER,
            margin={"top": "14mm", "bottom": "16mm", "left": "12mm", "right": "12mm"},
        )
        return pdf
    finally:
        await context.close()
