"""What a URL in an email says without being fetched: where a redirect leads, what in it can
tell recipients apart, and its campaign (UTM) tags.

- ``destination(url)``: the URL a tracking redirect leads to, when the URL holds it: in a
  query parameter (plain, percent-encoded, base64, or in base64 JSON), or in a path segment
  (percent-encoded as Amazon SES does, base64url as Mailjet does, base64 JSON as Customer.io
  does).
- ``identifiers(url, recipients)``: the recipient's address (plain, percent-encoded, base64,
  MD5, SHA-1 or SHA-256), parameters named for a person (``e``, ``uid``, ``email``,
  ``mc_eid``, ``_hsenc``...), and long random-looking tokens (query values of 16+ and
  extension-less path segments of 32+ characters mixing letters and digits). A file name
  such as ``3f2a…9c.png`` is not counted: image CDNs name files by their content.
- ``is_redirect(url, dest)``: the destination is on another registrable domain, and the URL is
  not a share button (``/sharer.php?u=``).

Pure functions; tldextract's bundled Public Suffix List is used offline.

Example::

    >>> destination("https://x.mjt.lu/lnk/AAA/1/h/aHR0cHM6Ly9zaG9wLmV4YW1wbGUuY29tLw")
    ('https://shop.example.com/', 'path[4] (base64)')
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, unquote, urlsplit

import tldextract

from scanner.mail.model import Identifier

_extract = tldextract.TLDExtract(
    suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
)
#: Query parameters whose name says they identify a person.
PERSON_PARAMS = frozenset(
    "e eid email mail emailaddress email_address recipient recipient_id rid uid userid user_id "
    "subscriber subscriber_id subscriberid contact contact_id contactid mc_eid _hsenc _hsmi "
    "mkt_tok _kx kx vero_id ml_subscriber ml_subscriber_hash ck_subscriber_id upn "
    "oly_enc_id sc_uid".split()
)
#: Parameters of image CDNs and caches: the same for every recipient.
_BENIGN_PARAMS = frozenset(
    "v ver version w h width height size format fm auto fit q quality dpr crop rect ixlib s "
    "sig signature hash t ts cache cb bust rev".split()
)
_URL_PARAMS = frozenset(
    "url u redirect redirect_url redirecturl redirect_to redir target dest destination to goto "
    "link r out next continue return_to href".split()
)
_TOKEN = re.compile(r"^[A-Za-z0-9_\-+/=.~%]+$")
_JSON_URL_KEYS = ("url", "href", "redirect", "target", "destination", "link")
_SHARE = re.compile(r"/(share|sharer|intent)(\.php)?(/|$)|/sharing/", re.I)
_MAX = 8192


def destination(url: str) -> tuple[str, str] | None:
    """``(destination, how it was read)`` when the URL holds the URL it redirects to."""
    if len(url) > _MAX:
        return None
    parts = urlsplit(url)
    for name, value in parse_qsl(parts.query, keep_blank_values=False):
        found = _url_in(value, depth=0)
        if found:
            return found[0], f"query:{name}" + (f" ({found[1]})" if found[1] else "")
    segments = parts.path.split("/")
    for i, segment in enumerate(segments):
        if "%2f" in segment.lower() and unquote(segment).lower().startswith(("http:", "https:")):
            rest = "/".join(segments[i:])  # SES keeps the destination in one segment
            return _clean(unquote(segment) or unquote(rest)), f"path[{i - 1}] (percent-encoded)"
        if len(segment) >= 12:
            found = _decoded_url(segment, depth=0)
            if found:
                return found[0], f"path[{i - 1}] ({found[1]})"
    return None


def _url_in(value: str, depth: int) -> tuple[str, str] | None:
    """A URL in a parameter value: plain (``""``) or decoded (how)."""
    value = value.strip()
    if re.match(r"^https?://[^/\s]", value, re.I):
        return _clean(value), ""
    return _decoded_url(value, depth)


def _decoded_url(text: str, depth: int) -> tuple[str, str] | None:
    if depth > 2 or not _TOKEN.match(text):
        return None
    raw = _b64(text)
    if raw is None:
        return None
    if re.match(rb"^https?://[^/\s]", raw, re.I):
        how = "base64url" if "-" in text or "_" in text else "base64"
        try:
            return _clean(unquote(raw.decode("utf-8"))), how
        except UnicodeDecodeError:
            return None
    if raw[:1] == b"{":
        try:
            data = json.loads(raw)
        except ValueError:
            return None
        found = _url_in_json(data, depth + 1)
        return (found, "base64 JSON") if found else None
    return None


def _url_in_json(data: Any, depth: int) -> str | None:
    if depth > 4:
        return None
    if isinstance(data, dict):
        for key in _JSON_URL_KEYS:
            value = data.get(key)
            if isinstance(value, str) and re.match(r"^https?://[^/\s]", value, re.I):
                return _clean(value)
        for value in data.values():
            found = _url_in_json(value, depth + 1)
            if found:
                return found
    elif isinstance(data, str) and data[:1] in "{[":
        try:
            return _url_in_json(json.loads(data), depth + 1)
        except ValueError:
            return None
    elif isinstance(data, list):
        for value in data[:20]:
            found = _url_in_json(value, depth + 1)
            if found:
                return found
    return None


def _b64(text: str) -> bytes | None:
    text = unquote(text)
    if len(text) < 8:
        return None
    padded = text + "=" * (-len(text) % 4)
    try:
        if "-" in text or "_" in text:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None


def _clean(url: str) -> str:
    return "".join(url.split())[:_MAX]


def is_redirect(url: str, dest: str) -> bool:
    """True when ``url`` leads to ``dest`` on another site, and is not a share button."""
    if _SHARE.search(urlsplit(url).path):
        return False
    return site_of(urlsplit(url).hostname or "") != site_of(urlsplit(dest).hostname or "")


@functools.lru_cache(maxsize=4096)
def site_of(host: str) -> str:
    """The registrable domain of ``host`` (eTLD+1), or the host itself.

    >>> site_of("x8k2p.mjt.lu"), site_of("r.email.shop.co.uk")
    ('mjt.lu', 'shop.co.uk')
    """
    host = host.lower().rstrip(".")
    parts = _extract(host)
    return f"{parts.domain}.{parts.suffix}" if parts.domain and parts.suffix else host


def identifiers(url: str, recipients: Sequence[str]) -> tuple[Identifier, ...]:
    """What in ``url`` can tell one recipient from another (see the module docstring)."""
    found = list(_recipient_forms(url, recipients))
    parts = urlsplit(url[:_MAX])
    for name, value in parse_qsl(parts.query, keep_blank_values=False):
        lower = name.lower()
        if lower.startswith("utm_") or lower in _URL_PARAMS or _placeholder(value):
            continue
        if lower in PERSON_PARAMS:
            found.append(Identifier(f"query:{name}", "named-parameter", f"parameter {name!r}"))
        elif lower not in _BENIGN_PARAMS and _opaque(value, 16):
            found.append(Identifier(f"query:{name}", "opaque-token", _token(name, value)))
    for i, segment in enumerate(parts.path.split("/")[1:]):
        if "." not in segment and _opaque(segment, 32):
            found.append(Identifier(f"path[{i}]", "opaque-token", _token("", segment)))
    unique: dict[tuple[str, str], Identifier] = {}
    for item in found:
        unique.setdefault((item.where, item.kind), item)
    return tuple(unique.values())


def _recipient_forms(url: str, recipients: Sequence[str]) -> Iterator[Identifier]:
    lower, decoded = url.lower(), unquote(url).lower()
    for address in recipients:
        forms = {
            "": address,
            "percent-encoded": quote(address, safe="").lower(),
            "form-encoded": quote_plus(address).lower(),
            "MD5": hashlib.md5(address.encode()).hexdigest(),
            "SHA-1": hashlib.sha1(address.encode()).hexdigest(),
            "SHA-256": hashlib.sha256(address.encode()).hexdigest(),
        }
        for how, form in forms.items():
            if form in lower or (not how and form in decoded):
                detail = "the recipient's address" + (f", {how}" if how else "")
                yield Identifier("url", "recipient-address", detail)
                break
        else:
            encoded = base64.b64encode(address.encode()).decode().rstrip("=")
            safe = base64.urlsafe_b64encode(address.encode()).decode().rstrip("=")
            if encoded[:-2] in url or safe[:-2] in url:
                yield Identifier("url", "recipient-address", "the recipient's address, base64")


def _token(name: str, value: str) -> str:
    where = f" in parameter {name!r}" if name else " in the path"
    return f"a {len(value)}-character token{where}"


def _placeholder(value: str) -> bool:
    """Merge tags left in by the sender (``*|UNIQID|*``, ``{{id}}``, ``%%email%%``)."""
    return bool(re.search(r"\*\|.*\|\*|\{\{.*\}\}|%%.*%%|\[\[.*\]\]", value))


def _opaque(value: str, minimum: int) -> bool:
    """Long, random-looking: letters and digits mixed, or hex."""
    if len(value) < minimum or len(value) > 2048 or not _TOKEN.match(value):
        return False
    if re.fullmatch(r"[0-9a-fA-F]+", value):
        return True
    letters = sum(c.isalpha() for c in value)
    digits = sum(c.isdigit() for c in value)
    return letters >= 4 and digits >= 2 and not re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", value)


def utm_of(url: str) -> dict[str, str]:
    """The ``utm_*`` parameters of ``url``.

    >>> utm_of("https://shop.example/?utm_source=newsletter&id=3")
    {'utm_source': 'newsletter'}
    """
    query = urlsplit(url[:_MAX]).query
    return {k: v[:200] for k, v in parse_qsl(query) if k.lower().startswith("utm_")}
