"""First or third party: which *site* (registrable domain) a host belongs to.

Uses tldextract's bundled Public Suffix List snapshot: nothing is fetched at run time.
Hosts outside the list still get a sensible answer::

    >>> site_of("a.b.mjt.lu")
    'mjt.lu'
    >>> site_of("intranet")          # single label
    'intranet'
    >>> site_of("shop.acme.test")    # not a public suffix: the last two labels
    'acme.test'
    >>> site_of("127.0.0.1")         # IP addresses are their own site
    '127.0.0.1'
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable

import tldextract

from scanner.model import Party

# suffix_list_urls=() keeps tldextract offline: it uses the snapshot shipped in the wheel.
_extract = tldextract.TLDExtract(
    suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
)


@functools.lru_cache(maxsize=65536)
def site_of(host: str) -> str:
    """The registrable domain (eTLD+1) of ``host``, lower-cased, without a trailing dot."""
    host = (host or "").strip().lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not host:
        return ""
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    ext = _extract(host)
    if ext.suffix and ext.domain:
        return f"{ext.domain}.{ext.suffix}"
    labels = host.split(".")
    return ".".join(labels[-2:])


def normalize_domain(domain: str) -> str:
    """Lower-case a domain given by a user or a cookie (``.Example.com`` -> ``example.com``)."""
    return domain.strip().lower().lstrip(".").rstrip(".")


class FirstParty:
    """The set of sites counted as first party for one scan.

    Example::

        fp = FirstParty("https://www.example.com/", extra=["example-cdn.net"])
        fp.party("static.example-cdn.net")   # 'first'
        fp.party("app.mailjet.com")          # 'third'
    """

    def __init__(self, start_url_host: str, extra: Iterable[str] = ()) -> None:
        self.sites = frozenset({site_of(start_url_host)} | {site_of(d) for d in extra if d})
        self.domains = frozenset(normalize_domain(d) for d in extra if d)

    def is_first_party(self, host: str) -> bool:
        host = normalize_domain(host)
        if site_of(host) in self.sites:
            return True
        return any(host == d or host.endswith("." + d) for d in self.domains)

    def party(self, host: str) -> Party:
        return "first" if self.is_first_party(host) else "third"


def is_third_party(host: str, first_party: FirstParty) -> bool:
    """True when ``host`` belongs to none of the first-party sites."""
    return not first_party.is_first_party(host)
