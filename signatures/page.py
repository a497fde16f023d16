"""Where an observation was seen: a URL's host (``host_of``) and the page, as one immutable
value (``PageContext``).

Some cookie rules need the page, not only the cookie: a public list names a cookie's domain
only when the cookie is a third-party one (its registrable domain is not the page's), and
Tracker Radar names a cookie only when the domain whose scripts write it was requested on
that page (``signatures.lists``). The caller builds one ``PageContext`` per visit
(``page_context(url, request_urls)``) and passes it to ``match_cookie(..., page=)``; the
database keeps no page of its own, so one database serves any number of results, in any
order. The page's ``site`` and ``hosts`` are worked out on first use: our own signatures never
ask, so a scan without public lists does not pay for them.

Example::

    >>> page = page_context("https://shop.example.com/x", ["https://a.trk.example.net/t.js"])
    >>> page.site, page.hosts
    ('example.com', ('a.trk.example.net',))
    >>> registrable("a.trk.example.net")
    'example.net'
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import tldextract

_SPLIT_URL = re.compile(r"(?:[^:/?#]*://)?([^/?#]*)(.*)", re.S)


def host_of(url: str) -> tuple[str, str]:
    """Split ``url`` into (lowercase host, path-and-query); a bare host is accepted.

    Example::

        >>> host_of("https://user@A.mjt.lu:443/x?y=1")
        ('a.mjt.lu', '/x?y=1')
        >>> host_of("cdn.segment.com")
        ('cdn.segment.com', '')
        >>> host_of("cdn.segment.com/r?u=https://evil.example/")
        ('cdn.segment.com', '/r?u=https://evil.example/')
    """
    # The scheme is optional (a bare host), and only counts before the first / ? or #:
    # "cdn.example/r?u=https://x" is on cdn.example, not on x.
    netloc, tail = _SPLIT_URL.match(url).groups()  # type: ignore[union-attr]  # always matches
    if "@" in netloc:
        netloc = netloc.rpartition("@")[2]
    if netloc.startswith("["):  # IPv6 literal
        return netloc[: netloc.find("]") + 1].lower(), tail
    return netloc.partition(":")[0].rstrip(".").lower(), tail


@dataclass(frozen=True)
class PageContext:
    """One visit of a page: its ``url`` and the URLs it requested, in order.

    ``site`` (the registrable domain of the page) and ``hosts`` (the distinct hosts it
    requested, in the order it asked them) derive from those two, once, on first use.
    """

    url: str
    requests: tuple[str, ...] = ()

    # Derived once, kept in the instance's __dict__ as functools.cached_property does, without
    # its lock (Python 3.11), which cost more than the work it guards.
    @property
    def site(self) -> str:
        known: str | None = self.__dict__.get("_site")
        if known is None:
            known = self.__dict__["_site"] = registrable(host_of(self.url)[0])
        return known

    @property
    def hosts(self) -> tuple[str, ...]:
        known: tuple[str, ...] | None = self.__dict__.get("_hosts")
        if known is None:
            found = dict.fromkeys(host_of(url)[0] for url in self.requests)
            known = self.__dict__["_hosts"] = tuple(found)
        return known


def page_context(url: str, request_urls: Iterable[str] = ()) -> PageContext:
    """The ``PageContext`` of one visit of ``url`` that requested ``request_urls``."""
    return PageContext(url, tuple(request_urls))


# suffix_list_urls=(): offline, the snapshot shipped in the wheel (as scanner does). Built on
# first use only (reading the snapshot takes milliseconds).
_extractor: list[Any] = []


@functools.lru_cache(maxsize=16384)
def registrable(host: str) -> str:
    """``a.trk.example.net`` -> ``example.net`` (tldextract's bundled suffix list, offline);
    a host without a registrable domain (``localhost``, an IP address) is returned as it is."""
    if not _extractor:
        _extractor.append(
            tldextract.TLDExtract(
                suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
            )
        )
    ext = _extractor[0](host)
    return f"{ext.domain}.{ext.suffix}" if ext.domain and ext.suffix else host
