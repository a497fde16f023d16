"""Which pages to visit: URL normalisation, scope, traps, sitemaps. Pure, no browser.

Every URL a site hands the crawler (a link, a sitemap, a ``Sitemap:`` line of robots.txt) is
untrusted: ``fetch_refusal`` says why one must not be loaded. Only ``http(s)`` URLs of the
scan's first-party hosts pass; never ``file:``, ``data:``, ``chrome:``…, never another site,
a loopback or private address, and never a URL that Python and the browser would read
differently (``https://evil.example\\@www.example.com/`` is ``www.example.com`` to
``urllib`` and ``evil.example`` to Chromium).

Example::

    >>> normalize_url("HTTPS://www.Example.com:443/a/?utm_source=x&b=2&a=1#top")
    'https://www.example.com/a?a=1&b=2'
    >>> fetch_refusal("file:///etc/hostname", FirstParty("www.example.com"))
    'not http(s)'
"""

from __future__ import annotations

import ipaddress
import logging
import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import idna
from protego import Protego
from usp.tree import sitemap_from_str

from scanner.collect.parties import FirstParty
from scanner.errors import ConfigError

# Query parameters that identify a campaign or a session, not a page.
DROPPED_PARAMS = re.compile(
    r"^(utm_[a-z_]+|gclid|gbraid|wbraid|dclid|fbclid|msclkid|twclid|ttclid|yclid|mc_cid|mc_eid|"
    r"_ga|_gl|_hsenc|_hsmi|hsctatracking|mkt_tok|igshid|ref_src|"
    r"jsessionid|phpsessid|sid|sessionid|session_id|aspsessionid\w*|cfid|cftoken)$",
    re.I,
)
SKIPPED_EXTENSIONS = re.compile(
    r"\.(pdf|zip|gz|tgz|rar|7z|exe|dmg|msi|iso|jpg|jpeg|png|gif|webp|svg|ico|mp3|mp4|mov|avi|"
    r"webm|woff2?|ttf|css|js|json|xml|docx?|xlsx?|pptx?|csv)$",
    re.I,
)
#: Bytes of one sitemap or robots.txt read at most (after gunzip), as search engines do.
MAX_SITEMAP_BYTES = 5_000_000
# The parser logs every oddity of a site's sitemap: the site's, not ours to print.
logging.getLogger("usp").setLevel(logging.CRITICAL)
_VARIABLE_SEGMENT = re.compile(r"^(\d+|[0-9a-f]{8,}|[0-9a-f-]{36}|\d{4}-\d{2}(-\d{2})?)$", re.I)


#: Characters the browser's URL parser drops or rewrites where ``urllib`` does not: a backslash
#: is a path separator to the browser, and tabs, newlines and other controls are stripped.
_AMBIGUOUS = re.compile(r"[\\\x00-\x20\x7f]")
#: A host name both parsers read alike: ASCII only (the browser maps Unicode, percent escapes
#: and full-width punctuation before it resolves; links read from pages are already ASCII).
_PLAIN_HOST = re.compile(r"[a-z0-9.\-_:]+")  # ":" for IPv6 literals


def fetch_refusal(url: str, first_party: FirstParty) -> str:
    """Why the browser must not load ``url`` for this scan, or ``""`` when it may.

    ``not http(s)`` (another scheme), ``ambiguous`` (no host, a bad port, user info, or
    characters the browser reads differently from Python) or ``external`` (not a first-party
    host: another site, an IP address or a private name).

    Example::

        >>> fp = FirstParty("www.example.com")
        >>> fetch_refusal("https://shop.example.com/sitemap.xml", fp)
        ''
        >>> fetch_refusal("https://127.0.0.1/sitemap.xml", fp)
        'external'
        >>> fetch_refusal("https://evil.example.net\\\\@www.example.com/", fp)
        'ambiguous'
    """
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return "ambiguous"
    if parts.scheme.lower() not in ("http", "https"):
        return "not http(s)"
    if _AMBIGUOUS.search(text) or "@" in parts.netloc:
        return "ambiguous"
    try:
        parts.port  # noqa: B018 - raises ValueError on a port out of range
    except ValueError:
        return "ambiguous"
    host = parts.hostname or ""
    if not _PLAIN_HOST.fullmatch(host):
        return "ambiguous"
    if not first_party.is_first_party(host):
        return "external"
    return ""


def check_start_url(url: str) -> str:
    """The start URL as the browser will load it; ``ConfigError`` with a one-line reason.

    Adds ``https://`` when no scheme is given, lower-cases scheme and host, writes a Unicode
    host in punycode (IDNA 2008 with UTS 46 mapping, as browsers do) and an IP address in the
    browser's form (so that the first party is the host the browser loads), and refuses what
    the crawl could not visit: an empty URL, another scheme, a host the browser would read
    differently. The crawl then always visits this URL (``Frontier.add`` at depth 0), so a
    scan can never end with no page at all.

    Example::

        >>> check_start_url("münchen.example.com")
        'https://xn--mnchen-3ya.example.com/'
        >>> check_start_url("http://[0:0::1]:8080")
        'http://[::1]:8080/'
    """
    text = (url or "").strip()
    if not text:
        raise ConfigError("no URL given")
    if "://" not in text and not text.lower().startswith(("javascript:", "data:", "file:")):
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:  # "Port out of range 0-65535", "Port could not be cast…"
        why = "invalid port" if "port" in str(exc).lower() else str(exc)
        raise ConfigError(f"invalid URL {text!r}: {why}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ConfigError(
            f"unsupported URL scheme {parts.scheme + ':'!r}; only http:// and https:// sites "
            "can be scanned"
        )
    host = _browser_host(parts.hostname or "", text)
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != (80 if parts.scheme.lower() == "http" else 443):
        netloc += f":{port}"
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    path = parts.path or "/"
    clean = (parts.scheme.lower(), netloc, path, parts.query, "")
    start = urlunsplit(clean)
    # The same check as every link of the crawl (credentials aside: the user typed them).
    reason = fetch_refusal(start, FirstParty(host))
    if reason:
        raise ConfigError(
            f"invalid URL {text!r}: {reason} (spaces, backslashes and control characters "
            "are read differently by the browser)"
        )
    return urlunsplit((clean[0], f"{userinfo}@{netloc}" if userinfo else netloc, *clean[2:]))


def _browser_host(host: str, text: str) -> str:
    """``host`` as the browser writes it: punycode, lower case, IPv6 compressed."""
    if ":" in host:  # an IPv6 literal (urlsplit checked the brackets)
        try:
            address = ipaddress.IPv6Address(host)
        except ValueError:
            raise ConfigError(f"invalid URL {text!r}: {host!r} is not an IPv6 address") from None
        if address.scope_id:
            raise ConfigError(f"invalid URL {text!r}: browsers do not load zone ids ({host!r})")
        return _ipv6_text(address)
    if host and not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise ConfigError(f"invalid URL {text!r}: bad host name ({exc})") from None
    host = host.lower()
    if not host or not re.fullmatch(r"[a-z0-9.\-_]+", host) or ".." in host:
        raise ConfigError(f"invalid URL {text!r}: no valid host name")
    return _ipv4_text(host, text) or host


def _ipv4_text(host: str, text: str) -> str | None:
    """An IPv4 address as the browser writes it (``2130706433``, ``0x7f.1`` and ``0177.0.0.1``
    are all ``127.0.0.1`` to the URL standard), None for a host name."""
    parts = host.removesuffix(".").split(".")
    if not re.fullmatch(r"\d+|0x[0-9a-f]*", parts[-1]):
        return None  # does not end in a number: a name
    numbers = []
    for part in parts:
        if re.fullmatch(r"0x[0-9a-f]*", part):
            numbers.append(int(part[2:] or "0", 16))
        elif re.fullmatch(r"0[0-7]+", part):
            numbers.append(int(part, 8))
        elif re.fullmatch(r"0|[1-9]\d*", part):
            numbers.append(int(part))
        else:
            raise ConfigError(f"invalid URL {text!r}: {host!r} is not an IPv4 address")
    last, leading = numbers[-1], numbers[:-1]
    if len(numbers) > 4 or any(n > 255 for n in leading) or last >= 256 ** (5 - len(numbers)):
        raise ConfigError(f"invalid URL {text!r}: {host!r} is not an IPv4 address")
    value = last + sum(n << (8 * (3 - i)) for i, n in enumerate(leading))
    return str(ipaddress.IPv4Address(value))


def _ipv6_text(address: ipaddress.IPv6Address) -> str:
    """The URL standard's IPv6 serialisation: the first longest run of 2+ zero groups is
    ``::``, hex in lower case, an IPv4-mapped address in hex too (Python 3.13 writes it
    dotted)."""
    groups = [int(g, 16) for g in address.exploded.split(":")]
    best, run = (0, 0), (0, 0)
    for i, value in enumerate([*groups, 1]):
        run = (run[0], run[1] + 1) if value == 0 else (i + 1, 0)
        if run[1] > best[1]:
            best = run
    hexes = [f"{g:x}" for g in groups]
    if best[1] < 2:
        return ":".join(hexes)
    start, length = best
    return ":".join(hexes[:start]) + "::" + ":".join(hexes[start + length :])


def normalize_url(url: str) -> str:
    """Canonical form used to de-duplicate pages (not to navigate: we load what the link says).

    Lower-cases scheme and host, drops the fragment, default ports, tracking and session
    parameters and a trailing slash (except the root), and sorts the query.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, 80 if scheme == "http" else 443) else f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", parts.path or "/")
    path = re.sub(r";jsessionid=[^/?]*", "", path, flags=re.I)
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not DROPPED_PARAMS.match(k)
    ]
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))


def url_pattern(url: str) -> str:
    """The *shape* of a URL: numbers, ids and dates become ``*``, query values are dropped.

    ``/events/2024/01?page=3`` and ``/events/2025/07?page=9`` share the pattern
    ``host/events/*/*?page``; the crawler caps pages per pattern to escape calendars.
    """
    parts = urlsplit(url)
    segments = ["*" if _VARIABLE_SEGMENT.match(s) else s for s in parts.path.split("/")]
    keys = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return f"{parts.hostname}{'/'.join(segments)}" + (f"?{'&'.join(keys)}" if keys else "")


def extract_sitemap_urls(document: str | bytes, limit: int = 5000) -> tuple[list[str], list[str]]:
    """``(page URLs, nested sitemap URLs)`` from a sitemap: XML, a sitemap index, RSS, Atom or
    plain text, gzipped or not (unpacked to ``MAX_SITEMAP_BYTES`` at most).

    Parsed by ultimate-sitemap-parser from the bytes the browser fetched (it fetches nothing
    itself here); its XML reader refuses a DOCTYPE and entity declarations. Only ``http(s)``
    URLs come out, each still to be checked by ``fetch_refusal``.
    """
    data = document.encode() if isinstance(document, str) else document
    if data[:2] == b"\x1f\x8b":  # a .gz sitemap served as is (not Content-Encoding)
        data = _gunzip(data, MAX_SITEMAP_BYTES)
    text = data[:MAX_SITEMAP_BYTES].decode("utf-8-sig", errors="replace")
    if not text.strip():
        return [], []
    sitemap = sitemap_from_str(text)
    pages = [page.url for page in getattr(sitemap, "pages", ())][:limit]
    nested = [sub.url for sub in getattr(sitemap, "sub_sitemaps", ())][:limit]
    return pages, nested


def sitemaps_from_robots(text: str) -> list[str]:
    """The ``Sitemap:`` lines of a robots.txt, read by protego."""
    return list(Protego.parse(text).sitemaps)


def _gunzip(data: bytes, limit: int) -> bytes:
    """At most ``limit`` bytes of a gzip stream: a gzip bomb is cut, never inflated whole."""
    try:
        return zlib.decompressobj(wbits=16 + zlib.MAX_WBITS).decompress(data, limit)
    except zlib.error:
        return b""


@dataclass
class Frontier:
    """Breadth-first queue of same-site pages with limits. Not thread-safe (asyncio only).

    Example::

        f = Frontier(FirstParty("www.example.com"), max_pages=10, max_depth=2)
        f.add("https://www.example.com/", 0)
        f.pop()    # ('https://www.example.com/', 0)
    """

    first_party: FirstParty
    max_pages: int
    max_depth: int
    max_per_pattern: int = 5
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    queue: list[tuple[str, int]] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    patterns: Counter[str] = field(default_factory=Counter)
    accepted: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    refused: set[str] = field(default_factory=set)
    #: Whether robots.txt lets cookiescan visit a URL (set once robots.txt is read).
    robots: Callable[[str], bool] | None = None

    def __post_init__(self) -> None:
        try:
            self._include = [re.compile(p) for p in self.include]
            self._exclude = [re.compile(p) for p in self.exclude]
        except re.error as exc:
            raise ConfigError(f"invalid include/exclude pattern: {exc}") from None

    def in_scope(self, url: str) -> bool:
        return not fetch_refusal(url, self.first_party)

    def add(self, url: str, depth: int) -> bool:
        """Queue ``url`` if it is new, in scope and within every limit.

        Out-of-scope URLs are counted in ``skipped`` by ``fetch_refusal`` reason, once each;
        they are checked as written, before normalisation could hide what the browser would
        load.

        Depth 0 is the start page, checked by ``check_start_url``: it is always queued (the
        include and exclude patterns choose the pages it leads to, and its credentials are the
        user's own), and one the browser could not load raises ``ConfigError``, so that a scan
        never ends "complete" with no page at all.
        """
        if depth == 0:
            return self._add_start(url)
        if depth > self.max_depth or self.accepted >= self.max_pages:
            return False
        refusal = fetch_refusal(url, self.first_party)
        if refusal:
            if url not in self.refused:
                self.refused.add(url)
                self.skipped[refusal] += 1
            return False
        try:
            key = normalize_url(url)
        except ValueError:
            return False
        if key in self.seen:
            return False
        self.seen.add(key)
        reason = self._reject_reason(url, key)
        if reason:
            self.skipped[reason] += 1
            return False
        if self.robots is not None and not self.robots(url):
            self.skipped["robots disallowed"] += 1
            return False
        pattern = url_pattern(key)
        if self.patterns[pattern] >= self.max_per_pattern:
            self.skipped["pattern cap"] += 1
            return False
        self.patterns[pattern] += 1
        self.accepted += 1
        self.queue.append((url.split("#")[0], depth))
        return True

    def _add_start(self, url: str) -> bool:
        parts = urlsplit(url)
        bare = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
        refusal = fetch_refusal(bare, self.first_party)
        if refusal:
            raise ConfigError(f"the start URL cannot be scanned ({refusal}): {url!r}")
        key = normalize_url(bare)
        if key in self.seen:
            return False
        self.seen.add(key)
        self.patterns[url_pattern(key)] += 1
        self.accepted += 1
        self.queue.append((url, 0))
        return True

    def add_all(self, urls: Iterable[str], depth: int) -> int:
        return sum(self.add(u, depth) for u in urls)

    def _reject_reason(self, url: str, key: str) -> str:
        if SKIPPED_EXTENSIONS.search(urlsplit(key).path):
            return "not a page"
        if self._include and not any(p.search(url) for p in self._include):
            return "not included"
        if any(p.search(url) for p in self._exclude):
            return "excluded"
        return ""

    def pop(self) -> tuple[str, int] | None:
        return self.queue.pop(0) if self.queue else None

    def __len__(self) -> int:
        return len(self.queue)
