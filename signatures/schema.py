"""Validation of signature files: the one place that decides what a valid service is.

Every error is a ``SignatureError`` that names the file and the field, for example::

    services/x.toml: 'cookies[1].match' must be one of exact, prefix, regex (got 'glob')
    services/x.toml: unknown key 'cookie' (did you mean 'cookies'?)

Unknown keys are errors at every level, so a typo never silently drops a fact.

URL rules (``[[urls]]``) name a ``host`` suffix and at least one of ``path`` (prefix of the
path and query), ``regex`` (searched in the whole URL) and ``resource`` (Playwright's resource
type). ``host = "*"`` makes a rule hold on any host, for self-hosted and first-party-proxied
trackers; such a rule needs a specific ``path`` or ``regex`` (``regex`` is then searched in
the path and query only), checked by ``signatures.wildcard.check_rule``::

    services/x.toml: 'urls[0].path' is too broad for host '*': '/js/' has 4 literal characters, ...
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import Any

from . import wildcard
from .model import CATEGORIES, SignatureError

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# A host suffix: lowercase labels, at least one dot (a bare TLD would claim half the web).
HOST_RE = re.compile(r"^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))+$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")

MATCH_MODES = ("exact", "prefix", "regex")
PARTIES = ("first", "third", "either")
STORAGE_KINDS = ("local", "session", "either")
RISKS = ("low", "medium", "high")
BASES = ("consent", "contract", "legitimate-interest", "legal-obligation")
# Playwright's request.resource_type values.
RESOURCE_TYPES = (
    "document", "stylesheet", "image", "media", "font", "script", "texttrack", "xhr",
    "fetch", "eventsource", "websocket", "manifest", "ping", "other",
)  # fmt: skip

Check = Callable[[Any, str], None]


def _fail(where: str, fieldname: str, problem: str) -> SignatureError:
    return SignatureError(f"{where}: '{fieldname}' {problem}")


def _string(nonempty: bool = True) -> Check:
    def check(value: Any, path: str) -> None:
        if not isinstance(value, str):
            raise ValueError(f"must be a string (got {type(value).__name__})")
        if nonempty and not value.strip():
            raise ValueError("must not be empty")

    return check


def _pattern(regex: re.Pattern[str], example: str) -> Check:
    def check(value: Any, path: str) -> None:
        _string()(value, path)
        if not regex.match(value):
            raise ValueError(f"must look like {example!r} (got {value!r})")

    return check


def _enum(*choices: Any) -> Check:
    def check(value: Any, path: str) -> None:
        # Compare by type too: in Python True == 1, and "true" must not pass for True.
        if not any(type(value) is type(c) and value == c for c in choices):
            shown = ", ".join(str(c).lower() if isinstance(c, bool) else str(c) for c in choices)
            raise ValueError(f"must be one of {shown} (got {value!r})")

    return check


def _bool(value: Any, path: str) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false (got {value!r})")


def _days(value: Any, path: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"must be a number of days >= 0 (got {value!r})")


def _url(value: Any, path: str) -> None:
    _string()(value, path)
    if not value.startswith(("https://", "http://")):
        raise ValueError(f"must be an http(s) URL (got {value!r})")


def _regex(value: Any, path: str) -> None:
    _string()(value, path)
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"is not a valid regular expression ({exc})") from None


def _host(value: Any, path: str) -> None:
    _string()(value, path)
    if value != value.lower():
        raise ValueError(f"must be lowercase (got {value!r})")
    if not HOST_RE.match(value):
        raise ValueError(f"must be a host name like 'mjt.lu', no scheme or path (got {value!r})")


def _cookie_domain(value: Any, path: str) -> None:
    _string(nonempty=False)(value, path)
    if value:  # "" means unknown; a leading dot is tolerated (cookie convention)
        _host(value.removeprefix("."), path)


def _path(value: Any, path: str) -> None:
    _string()(value, path)
    if not value.startswith("/"):
        raise ValueError(f"must start with '/' (got {value!r})")


def _list(item: Check) -> Check:
    def check(value: Any, path: str) -> None:
        if not isinstance(value, list):
            raise ValueError(f"must be a list (got {type(value).__name__})")
        for i, element in enumerate(value):
            try:
                item(element, f"{path}[{i}]")
            except (_Nested, _Unknown):
                raise
            except ValueError as exc:
                raise _Nested(f"{path}[{i}]", str(exc)) from None

    return check


class _Nested(ValueError):
    """A problem found deeper than the field being checked (carries its own field path)."""

    def __init__(self, path: str, problem: str):
        super().__init__(problem)
        self.path = path


Spec = dict[str, tuple[bool, Any]]  # key -> (required, Check | Spec | [Spec])


def _table(spec: Spec, extra: Callable[[dict[str, Any], str], None] | None = None) -> Check:
    def check(value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise ValueError(f"must be a table (got {type(value).__name__})")
        _check_table(value, spec, path)
        if extra:
            extra(value, path)

    return check


def _tables(spec: Spec, extra: Callable[[dict[str, Any], str], None] | None = None) -> Check:
    return _list(_table(spec, extra))


def _check_table(value: dict[str, Any], spec: Spec, path: str) -> None:
    prefix = f"{path}." if path else ""
    for key in value:
        if key not in spec:
            near = difflib.get_close_matches(key, list(spec), n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            raise _Unknown(f"{prefix}{key}", hint)
    for key, (required, check) in spec.items():
        if key not in value:
            if required:
                raise _Nested(f"{prefix}{key}", "is required")
            continue
        try:
            check(value[key], f"{prefix}{key}")
        except (_Nested, _Unknown):
            raise
        except ValueError as exc:
            raise _Nested(f"{prefix}{key}", str(exc)) from None


class _Unknown(ValueError):
    def __init__(self, path: str, hint: str):
        super().__init__(hint)
        self.path = path
        self.hint = hint


def _cookie_extra(cookie: dict[str, Any], path: str) -> None:
    if cookie.get("match") == "regex":
        try:
            re.compile(cookie["name"])
        except re.error as exc:
            raise _Nested(f"{path}.name", f"is not a valid regular expression ({exc})") from None
    if cookie.get("persistent") is False and "duration_days" in cookie:
        raise _Nested(f"{path}.duration_days", "is given for a session cookie")


def _storage_extra(item: dict[str, Any], path: str) -> None:
    if item.get("match") == "regex":
        try:
            re.compile(item["key"])
        except re.error as exc:
            raise _Nested(f"{path}.key", f"is not a valid regular expression ({exc})") from None


def _url_host(value: Any, path: str) -> None:
    if value != wildcard.WILDCARD:  # "*": any host, see signatures/wildcard.py
        _host(value, path)


def _url_extra(rule: dict[str, Any], path: str) -> None:
    if rule["host"] == wildcard.WILDCARD:
        problem = wildcard.check_rule(rule)
        if problem is not None:
            # Name the field that carries the rule's literal text: the path, else the regex.
            if "path" in rule and wildcard.literal_of(rule) == rule["path"]:
                path += ".path"
            elif "regex" in rule:
                path += ".regex"
            raise _Nested(path, problem)
        return
    if not ({"path", "regex", "resource"} & rule.keys()):
        raise _Nested(path, "needs 'path', 'regex' or 'resource' (a bare host belongs in 'hosts')")


_STR = _string()
_STRS = _list(_STR)

VENDOR: Spec = {
    "name": (True, _STR),
    "parent": (False, _STR),
    "country": (False, _pattern(COUNTRY_RE, "FR (ISO 3166-1 alpha-2)")),
}
URL_RULE: Spec = {
    # A host suffix, or "*" for any host (then 'path' or 'regex' must be specific).
    "host": (True, _url_host),
    "path": (False, _path),
    "regex": (False, _regex),
    "resource": (False, _enum(*RESOURCE_TYPES)),
}
COOKIE: Spec = {
    "name": (True, _STR),
    "match": (False, _enum(*MATCH_MODES)),
    "domain": (False, _cookie_domain),
    # Only match when the cookie's domain agrees with 'domain' (short or generic names).
    "domain_required": (False, _bool),
    "party": (False, _enum(*PARTIES)),
    "persistent": (False, _bool),
    "duration_days": (False, _days),
    "purpose": (False, _STR),
}
STORAGE: Spec = {
    "key": (True, _STR),
    "match": (False, _enum(*MATCH_MODES)),
    "kind": (False, _enum(*STORAGE_KINDS)),
    "purpose": (False, _STR),
}
LEGAL_BASIS: Spec = {
    "use": (True, _STR),
    "basis": (True, _enum(*BASES)),
    "conditions": (False, _STR),
}
TRANSFER: Spec = {
    "destination": (True, _STR),
    "safeguards": (False, _STRS),
}
COMPLIANCE: Spec = {
    "consent_required": (False, _enum(True, False, "depends")),
    "risk": (False, _enum(*RISKS)),
    "regulations": (False, _STRS),
    "tracking_methods": (False, _STRS),
    "server_locations": (False, _STRS),
    "data_transfers_outside_eu": (False, _bool),
    "cookieless_available": (False, _bool),
    "dpia": (False, _STR),
    "sample_consent_text": (False, _STR),
    "alternatives": (False, _STRS),
    "notes": (False, _STR),
    "legal_bases": (False, _tables(LEGAL_BASIS)),
    "transfers": (False, _tables(TRANSFER)),
}
SOURCE: Spec = {
    "about": (False, _STR),
    "title": (False, _STR),
    "url": (False, _url),
}


def _source_extra(source: dict[str, Any], path: str) -> None:
    if not ({"title", "url"} & source.keys()):
        raise _Nested(path, "needs a 'title' or a 'url'")


SERVICE: Spec = {
    "id": (True, _pattern(ID_RE, "mailjet ([a-z0-9-])")),
    "name": (True, _STR),
    "category": (True, _enum(*CATEGORIES)),
    "description": (True, _STR),
    "website": (False, _url),
    "privacy_policy": (False, _url),
    "vendor": (True, _table(VENDOR)),
    "hosts": (False, _list(_host)),
    "urls": (False, _tables(URL_RULE, _url_extra)),
    "cookies": (False, _tables(COOKIE, _cookie_extra)),
    "storage": (False, _tables(STORAGE, _storage_extra)),
    "compliance": (False, _table(COMPLIANCE)),
    "sources": (False, _tables(SOURCE, _source_extra)),
}
# Imported packs may not know the vendor (the Open Cookie Database sometimes does not).
IMPORTED_SERVICE: Spec = {**SERVICE, "vendor": (False, _table(VENDOR))}

PACK: Spec = {
    "name": (True, _pattern(ID_RE, "open-cookie-database")),
    "title": (False, _STR),
    "licence": (True, _STR),
    "source": (True, _STR),
    "imported_from": (False, _STR),
    "imported_at": (False, _STR),
    "entries": (False, _days),
    "notes": (False, _STR),
}


def validate(value: Any, spec: Spec, where: str, path: str = "") -> None:
    """Check ``value`` (a table) against ``spec``; raise ``SignatureError`` naming the field."""
    try:
        if not isinstance(value, dict):
            raise _Nested(path or "(top)", "must be a table")
        _check_table(value, spec, path)
    except _Unknown as exc:
        hint = exc.hint
        head, _, last = exc.path.rpartition(".")
        if head and not path and last in spec and "[" not in head:
            # TOML puts every key written after "[vendor]" into vendor: a classic slip.
            hint = f" (top-level '{last}' must come before the first [table] header)"
        raise SignatureError(f"{where}: unknown key '{exc.path}'{hint}") from None
    except _Nested as exc:
        raise _fail(where, exc.path, str(exc)) from None


def validate_service(data: Any, where: str, imported: bool = False) -> None:
    """Validate one service table; ``imported`` relaxes what imported packs may not know.

    Example::

        >>> validate_service({"id": "x"}, "services/x.toml")
        Traceback (most recent call last):
        ...
        signatures.model.SignatureError: services/x.toml: 'name' is required
    """
    validate(data, IMPORTED_SERVICE if imported else SERVICE, where)
