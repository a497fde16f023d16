"""Read a site's robots.txt and sitemaps through the browser, before a phase's crawl.

robots.txt is read by protego (the Scrapy project's parser): its ``Disallow`` rules for
cookiescan (a group naming ``cookiescan``, else ``*``) keep the frontier off those pages,
unless ``ignore_robots``; its ``Sitemap:`` lines (or ``/sitemap.xml``) lead to the sitemaps,
parsed by ultimate-sitemap-parser (``crawl.extract_sitemap_urls``). Everything is fetched by
the browser itself, in a context of its own, so the proxy, the visitor's cookies and the host
rules apply, and nothing it sets leaks into the phase's observations.

The site writes robots.txt and its sitemaps, so every URL in them is untrusted: only
``http(s)`` URLs of the scan's first-party hosts are fetched (``crawl.fetch_refusal``), never
a local file, another site or a private address; the discovery page runs no script of the
site and follows no redirect or subresource off the site (``_OffSiteGuard``); a sitemap is
read in chunks and cut at ``MAX_SITEMAP_BYTES``, a gzipped one unpacked to that size at most.

Decisions:

- The start URL is visited even when robots.txt disallows it: the user named it. The result
  then carries a warning. Pages it leads to are checked as usual.
- Only the start URL's origin's robots.txt is read; other first-party hosts are not checked.
- A robots.txt that cannot be read (missing, an error, a download) sets no rule.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

from protego import Protego

from scanner.collect.crawl import (
    MAX_SITEMAP_BYTES,
    Frontier,
    extract_sitemap_urls,
    fetch_refusal,
)
from scanner.collect.events import Event, note
from scanner.collect.parties import FirstParty
from scanner.collect.profile import open_context
from scanner.config import ScanConfig

#: The product token cookiescan answers to in robots.txt (``User-agent: cookiescan``).
ROBOT_TOKEN = "cookiescan"
#: Bytes of robots.txt read at most (Google reads 500 KiB).
MAX_ROBOTS_BYTES = 500_000
#: Sitemaps fetched per scan (robots.txt lines and nested indexes together).
MAX_SITEMAPS = 10
#: Refused sitemap URLs reported one by one (the rest are counted).
REPORTED_REFUSALS = 20
#: The frontier's ``skipped`` keys for robots.txt.
ROBOTS_DISALLOWED, ROBOTS_START = "robots disallowed", "robots start page"


class Robots:
    """The rules of one origin's robots.txt for cookiescan.

    Example::

        >>> rules = Robots("User-agent: *\\nDisallow: /private", "https://www.example.com/")
        >>> rules.allows("https://www.example.com/private/a"), rules.allows("https://www.example.com/")
        (False, True)
        >>> rules.allows("https://shop.example.com/private/a")  # another origin: not its rules
        True
    """

    def __init__(self, text: str, url: str) -> None:
        self.parser = Protego.parse(text)
        self.origin = _origin(url)

    def allows(self, url: str) -> bool:
        if _origin(url) != self.origin:
            return True
        return bool(self.parser.can_fetch(url, ROBOT_TOKEN))

    @property
    def sitemaps(self) -> list[str]:
        return list(self.parser.sitemaps)


def skip_warnings(phase: str, skipped: Mapping[str, int]) -> list[str]:
    """What the crawl left out for safety or politeness, as the result's warnings: sitemap
    URLs refused (other sites, local files…) and pages robots.txt disallows."""
    warnings = [
        f"{phase}: {count} sitemap URL(s) refused ({reason.removeprefix('sitemap ')})"
        for reason, count in sorted(skipped.items())
        if reason.startswith("sitemap ")
    ]
    if skipped.get(ROBOTS_START):
        warnings.append(
            f"{phase}: robots.txt disallows the start URL for cookiescan; scanned anyway, as asked"
        )
    if count := skipped.get(ROBOTS_DISALLOWED, 0):
        warnings.append(
            f"{phase}: {count} page(s) not visited: disallowed by robots.txt "
            "(--ignore-robots visits them)"
        )
    return warnings


async def discover(
    browser: Any,
    config: ScanConfig,
    first_party: FirstParty,
    frontier: Frontier,
    say: Callable[[Event], None],
    phase: str,
) -> None:
    """Read robots.txt (rules into ``frontier.robots``) and, with ``use_sitemap``, queue the
    pages the sitemaps list (depth 1). Refusals are counted in ``frontier.skipped``
    (``sitemap <reason>``) and said through ``say``."""
    refused = 0

    def refuse(url: str, reason: str) -> None:
        nonlocal refused
        refused += 1
        frontier.skipped[f"sitemap {reason}"] += 1
        if refused <= REPORTED_REFUSALS:
            shown = ascii(url[:200])[1:-1]  # the site wrote it: no control characters
            say(note(phase, f"sitemap refused ({reason}): {shown}"))

    context = await open_context(
        browser,
        config,
        ignore_https_errors=config.ignore_https_errors,
        accept_downloads=False,
        java_script_enabled=False,
        service_workers="block",
    )
    guard = _OffSiteGuard(first_party, refuse)
    try:
        page = await context.new_page()
        await guard.attach(context, page)
        robots = Robots(await _read_robots(page, urljoin(config.url, "/robots.txt")), config.url)
        if not config.ignore_robots:
            frontier.robots = robots.allows
            if not robots.allows(config.url):
                frontier.skipped[ROBOTS_START] = 1
                say(note(phase, "robots.txt disallows the start URL: scanned anyway, as asked"))
        if config.use_sitemap:
            await _read_sitemaps(page, config, first_party, frontier, robots, refuse)
    finally:
        await guard.settle()
        await context.close()
    if refused > REPORTED_REFUSALS:
        say(note(phase, f"sitemap refused: {refused} URL(s) in all"))


async def _read_sitemaps(
    page: Any,
    config: ScanConfig,
    first_party: FirstParty,
    frontier: Frontier,
    robots: Robots,
    refuse: Callable[[str, str], None],
) -> None:
    sitemaps = robots.sitemaps or [urljoin(config.url, "/sitemap.xml")]
    fetched: set[str] = set()
    while sitemaps and len(fetched) < MAX_SITEMAPS:  # nested indexes, bounded
        if frontier.accepted >= config.max_pages:
            break
        url = sitemaps.pop(0).strip()
        if url in fetched:
            continue
        reason = fetch_refusal(url, first_party)
        if reason:
            refuse(url, reason)
            continue
        fetched.add(url)
        pages, nested = extract_sitemap_urls(await _fetch_bytes(page, url))
        frontier.add_all(pages, 1)
        sitemaps.extend(nested)


async def _read_robots(page: Any, url: str) -> str:
    """robots.txt as text, ``""`` when there is none; leaves ``page`` on the site's origin."""
    try:
        response = await page.goto(url, wait_until="domcontentloaded", timeout=15000)
        if response is None or response.status >= 400:
            return ""
        return (await response.body())[:MAX_ROBOTS_BYTES].decode("utf-8-sig", errors="replace")
    except Exception:  # noqa: BLE001 - no robots.txt is normal
        return ""


# Fetches a URL from the page, reading the body in chunks and stopping past the limit, so a
# huge sitemap (or a Content-Encoding gzip bomb, inflated chunk by chunk) is never read whole.
_FETCH_JS = """async ([url, limit]) => {
  const response = await fetch(url, {credentials: "include", cache: "no-store"});
  if (!response.ok || !response.body) return "";
  const reader = response.body.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const {done, value} = await reader.read();
    if (done) break;
    chunks.push(value.subarray(0, Math.max(0, limit - total)));
    total += value.length;
    if (total >= limit) { reader.cancel(); break; }
  }
  let text = "";
  for (const chunk of chunks)
    for (let i = 0; i < chunk.length; i += 32768)
      text += String.fromCharCode.apply(null, chunk.subarray(i, i + 32768));
  return btoa(text);
}"""


async def _fetch_bytes(page: Any, url: str) -> bytes:
    """The body of ``url`` (at most ``MAX_SITEMAP_BYTES``), fetched by the browser from a
    page of the URL's own origin (so that its cookies go with it); ``b""`` on any failure."""
    try:
        if _origin(page.url) != _origin(url):
            await _read_robots(page, urljoin(url, "/robots.txt"))  # a page of that origin
        encoded = await page.evaluate(_FETCH_JS, [url, MAX_SITEMAP_BYTES])
        return base64.b64decode(encoded or "")
    except Exception:  # noqa: BLE001 - a sitemap that cannot be read is no sitemap
        return b""


def _origin(url: str) -> tuple[str, str, int | None]:
    try:
        parts = urlsplit(url)
        return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port
    except ValueError:
        return "", "", None


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
