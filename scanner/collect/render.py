"""Open an HTML document (an email) in Chromium with images on and scripts off, and record
every URL it loads: what a mail client that shows remote images would fetch.

Used by ``cookiescan email --render``, an opt-in: loading a message's pixels tells the sender
it was opened, so nothing is rendered unless asked, and then through the user's ``--proxy``
when one is given. The document cannot act: JavaScript is disabled, only ``http(s)``
requests may leave (``file:``, ``data:`` fetches and the like are refused and listed), the
page may not navigate away (a ``<meta http-equiv=refresh>`` is recorded and refused), and
each document has a deadline. One browser serves every message of a run, each in a fresh
context (no cookie of one message reaches the next).

Example::

    with HtmlRenderer() as renderer:
        seen = renderer.render("<img src='https://mjt.lu/oo/x'>")
        seen["loaded"][0]["url"]
"""

from __future__ import annotations

import asyncio
from typing import Any

from scanner.collect.browser import LaunchedBrowser, launch
from scanner.errors import first_line

#: Seconds a document may take to load and go quiet.
RENDER_TIMEOUT = 15.0
#: Seconds of quiet network after ``load`` (late CSS images).
SETTLE = 1.0
#: URLs recorded per document at most.
MAX_LOADS = 500
_ALLOWED = ("http://", "https://")


class HtmlRenderer:
    """A browser kept open for a run; ``render(html)`` per document (synchronous)."""

    def __init__(
        self, *, browser: str = "", proxy: str = "", browser_args: tuple[str, ...] = ()
    ) -> None:
        self.options = {"executable": browser, "args": browser_args, "proxy": proxy}
        self.runner: asyncio.Runner | None = None
        self.launched: LaunchedBrowser | None = None

    def __enter__(self) -> HtmlRenderer:
        self.runner = asyncio.Runner()
        try:
            self.launched = self.runner.run(
                launch(
                    self.options["executable"],  # type: ignore[arg-type]
                    args=self.options["args"],  # type: ignore[arg-type]
                    proxy=self.options["proxy"],  # type: ignore[arg-type]
                )
            )
        except BaseException:
            self.runner.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.runner is not None
        try:
            if self.launched is not None:
                self.runner.run(self.launched.close())
        finally:
            self.runner.close()

    def render(self, html: str) -> dict[str, Any]:
        """``{"loaded": [{url, resource_type, status}], "refused": [url], "error": str|None}``."""
        assert self.runner is not None and self.launched is not None, "use in a with block"
        return self.runner.run(render_html(self.launched, html))


async def render_html(browser: LaunchedBrowser, html: str) -> dict[str, Any]:
    """Render ``html`` in a fresh context of ``browser``; see the module docstring."""
    loaded: list[dict[str, Any]] = []
    refused: list[str] = []
    by_request: dict[Any, dict[str, Any]] = {}
    error: str | None = None
    context = await browser.new_context(
        java_script_enabled=False, service_workers="block", accept_downloads=False
    )
    try:
        page = await context.new_page()

        async def route(route: Any) -> None:
            request = route.request
            url = request.url
            # The document is set in place (set_content): a navigation of the top frame can
            # only be the message leaving itself (a meta refresh), which no mail client does.
            away = request.is_navigation_request() and request.frame == page.main_frame
            if not url.startswith(_ALLOWED) or away:
                refused.append(url[:2000])
                await route.abort()
            else:
                if len(loaded) < MAX_LOADS:
                    entry = {"url": url[:2000], "resource_type": request.resource_type,
                             "status": None}  # fmt: skip
                    loaded.append(entry)
                    by_request[request] = entry
                await route.continue_()

        def on_response(response: Any) -> None:
            entry = by_request.get(response.request)
            if entry is not None:
                entry["status"] = response.status

        await page.route("**/*", route)
        page.on("response", on_response)
        try:
            await asyncio.wait_for(_load(page, html), RENDER_TIMEOUT)
        except TimeoutError:
            error = f"the message did not finish loading within {RENDER_TIMEOUT:g} s"
        except Exception as exc:  # noqa: BLE001 - a crash, a closed page: said, not raised
            error = first_line(exc)
    finally:
        try:
            await asyncio.wait_for(context.close(), 10)
        except Exception:  # noqa: BLE001
            pass
    return {"loaded": loaded, "refused": refused, "error": error}


async def _load(page: Any, html: str) -> None:
    await page.set_content(html, wait_until="load", timeout=RENDER_TIMEOUT * 1000)
    try:
        await page.wait_for_load_state("networkidle", timeout=SETTLE * 1000 + 500)
    except Exception:  # noqa: BLE001 - a busy network is fine: what loaded is recorded
        pass
    await asyncio.sleep(SETTLE)
