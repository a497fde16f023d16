"""Cookie parsing and merging: ``Set-Cookie`` headers, ``document.cookie`` writes, the jar.

Pure functions, no browser: ``observe`` feeds them what Playwright reports.

Example::

    >>> c = parse_set_cookie("sid=1; Max-Age=86400; Domain=.example.com; Secure", "www.example.com")
    >>> (c.name, c.domain, c.lifetime_days, c.secure)
    ('sid', 'example.com', 1.0, True)
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

from scanner.collect.parties import normalize_domain, site_of


@dataclass
class RawCookie:
    """A cookie as one source saw it, before merging (mutable, internal)."""

    name: str
    domain: str
    path: str = "/"
    value: str = ""
    expires: float | None = None  # epoch seconds; None = session
    secure: bool = False
    http_only: bool = False
    same_site: str | None = None
    partition_key: str | None = None
    host_only: bool = True
    sources: set[str] = field(default_factory=set)
    set_by: str | None = None
    time_ms: float | None = None
    deleted: bool = False
    requested_days: float | None = None  # what the site asked for, when the browser capped it

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.name, self.domain, self.path)

    @property
    def lifetime_days(self) -> float | None:
        if self.expires is None:
            return None
        return round(max(0.0, self.expires - time.time()) / 86400, 2)


def value_digest(value: str) -> str:
    """First 16 hex digits of the SHA-256 of a cookie value (values themselves are not kept)."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _parse_expires(text: str) -> float | None:
    try:
        return parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _default_path(request_path: str) -> str:
    if not request_path.startswith("/") or request_path.count("/") <= 1:
        return "/"
    return request_path[: request_path.rfind("/")]


def parse_set_cookie(header: str, host: str, request_path: str = "/") -> RawCookie | None:
    """Parse one ``Set-Cookie`` value (or a ``document.cookie`` assignment) for ``host``.

    Returns ``None`` for a line without a name=value pair.
    """
    parts = header.split(";")
    name, eq, value = parts[0].partition("=")
    name, value = name.strip(), value.strip()
    if not eq:
        # "Set-Cookie: foo" is a cookie with an empty name and value "foo" (RFC 6265 5.2).
        name, value = "", name
    if not name and not value:
        return None
    cookie = RawCookie(name=name, domain=normalize_domain(host), value=value)
    cookie.path = _default_path(request_path)
    max_age: float | None = None
    now = time.time()
    for attribute in parts[1:]:
        key, _, val = attribute.partition("=")
        key, val = key.strip().lower(), val.strip()
        if key == "max-age":
            try:
                max_age = float(int(val))
            except ValueError:
                continue
        elif key == "expires" and max_age is None:
            cookie.expires = _parse_expires(val)
        elif key == "domain" and val:
            cookie.domain = normalize_domain(val)
            cookie.host_only = False
        elif key == "path" and val.startswith("/"):
            cookie.path = val
        elif key == "secure":
            cookie.secure = True
        elif key == "httponly":
            cookie.http_only = True
        elif key == "samesite":
            cookie.same_site = val.capitalize() if val else None
        elif key == "partitioned":
            cookie.partition_key = "partitioned"
    if max_age is not None:
        cookie.expires = now + max_age
    if cookie.expires is not None and cookie.expires <= now:
        cookie.deleted = True
    return cookie


def settable_from(domain: str, host: str) -> bool:
    """Whether a document on ``host`` may set a cookie for ``domain`` (RFC 6265 5.3).

    Its own host, or a parent domain of it that is not a public suffix; an IP address only
    for itself. Example::

        >>> settable_from("example.com", "www.example.com")
        True
        >>> settable_from("google-analytics.com", "www.example.com")
        False
        >>> settable_from("co.uk", "shop.example.co.uk")
        False
    """
    domain, host = normalize_domain(domain), normalize_domain(host)
    if not domain or not host:
        return False
    if domain == host:
        return True
    if not host.endswith("." + domain) or site_of(host) == host:
        return False  # not a parent domain, or host has none (an IP address, a bare site)
    # A parent domain at or below the registrable domain, never a public suffix.
    return domain == site_of(host) or domain.endswith("." + site_of(host))


def from_jar(entry: dict) -> RawCookie:
    """A ``context.cookies()`` entry as a ``RawCookie`` (source ``jar``)."""
    expires = entry.get("expires", -1)
    partition = entry.get("partitionKey")
    return RawCookie(
        name=entry.get("name", ""),
        domain=normalize_domain(entry.get("domain", "")),
        path=entry.get("path", "/") or "/",
        value=entry.get("value", ""),
        expires=None if expires is None or expires < 0 else float(expires),
        secure=bool(entry.get("secure")),
        http_only=bool(entry.get("httpOnly")),
        same_site=entry.get("sameSite"),
        partition_key=str(partition) if partition else None,
        host_only=not str(entry.get("domain", "")).startswith("."),
        sources={"jar"},
    )


def merge(seen: RawCookie, jar: RawCookie | None) -> RawCookie:
    """Combine this page's sighting with the jar's entry of the same name, domain and path.

    The jar is shared by every page of a context: when another page wrote the same cookie
    since, the jar holds *that* page's value. So the jar is authoritative on attributes only
    when it holds this page's value; otherwise the page keeps what it saw itself (its own
    ``Set-Cookie`` header or ``document.cookie`` write), and a wire sighting is still known
    to have been stored. Example::

        >>> a = parse_set_cookie("id=page-a; Max-Age=60", "www.example.com")
        >>> b = parse_set_cookie("id=page-b; Max-Age=60", "www.example.com")
        >>> a.sources.add("wire")
        >>> merge(a, b).value
        'page-a'
    """
    if jar is None:
        return seen
    if jar.value != seen.value:
        merged = RawCookie(**{**seen.__dict__, "sources": set(seen.sources)})
        if "wire" in seen.sources:
            merged.sources.add("jar")
        return merged
    merged = RawCookie(**{**jar.__dict__, "sources": set(seen.sources) | {"jar"}})
    merged.set_by = seen.set_by
    merged.time_ms = seen.time_ms
    asked = seen.lifetime_days
    if asked is not None and merged.lifetime_days is not None and asked - merged.lifetime_days > 1:
        merged.requested_days = asked  # e.g. Chromium caps every cookie at 400 days
    return merged


def header_text(line: str) -> str:
    """A ``Set-Cookie`` line as the server wrote it: UTF-8 read as Latin-1 is read again.

    HTTP header bytes reach us one byte per character; Chromium stores a UTF-8 cookie name
    under its decoded name, so without this the wire sighting ``cafÃ©`` and the jar's
    ``café`` would be two cookies, one of them a phantom. Example::

        >>> header_text("caf\u00c3\u00a9=1")
        'café=1'
    """
    if line.isascii():
        return line
    try:
        return line.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return line
