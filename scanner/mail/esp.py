"""The email rules of the signature database, indexed: which ESP an open pixel, a tracked link
or a header belongs to, with the exact rule that matched.

Built once per scan from the services that have an ``[email]`` table
(``signatures/services/<id>.toml``). URL rules work as the database's ``[[urls]]`` rules do:
rules on a host suffix first (longest suffix first), then any-host rules (``host = "*"``,
``signatures.wildcard``) only when no host rule matched. A rule reads
``email-open:mjt.lu/oo/``, ``email-click:* regex:^/ls/click\\?upn=``,
``email-header:Feedback-Id regex::MJ\\s*$`` or ``email-header-prefix:X-Sarbacane-SDK``.

Example::

    index = EmailIndex(signatures.load())
    index.match_open("https://x.mjt.lu/oo/BAA/ab12cd34/e.gif")
    # RuleMatch(service_id='mailjet', pattern='email-open:mjt.lu/oo/')
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from signatures import Service, SignatureDB
from signatures.matcher import host_of
from signatures.wildcard import WILDCARD, WildcardIndex


@dataclass(frozen=True)
class RuleMatch:
    """A URL or header tied to a service by one rule of its ``[email]`` table."""

    service_id: str
    pattern: str


@dataclass(frozen=True)
class _Url:
    path: str | None
    regex: re.Pattern[str] | None
    match: RuleMatch


@dataclass(frozen=True)
class _Header:
    name: str  # lower-case
    prefix: bool
    regex: re.Pattern[str] | None
    match: RuleMatch


def _pattern(kind: str, rule: dict[str, Any]) -> str:
    text = f"email-{kind}:{rule['host']}{rule.get('path', '')}"
    return text + (f" regex:{rule['regex']}" if "regex" in rule else "")


class _UrlIndex:
    """Host-suffix rules plus any-host rules, as ``SignatureDB.match_request`` does."""

    def __init__(self) -> None:
        self.by_host: dict[str, list[_Url]] = {}
        self.wildcard: WildcardIndex[RuleMatch] = WildcardIndex()

    def add(self, service: Service, kind: str, rule: dict[str, Any], order: int) -> None:
        match = RuleMatch(service.id, _pattern(kind, rule))
        if rule["host"] == WILDCARD:
            self.wildcard.add(rule, match, service.imported, order)
            return
        regex = re.compile(rule["regex"]) if "regex" in rule else None
        self.by_host.setdefault(rule["host"], []).append(_Url(rule.get("path"), regex, match))

    def lookup(self, url: str) -> RuleMatch | None:
        host, tail = host_of(url)
        while True:
            for rule in self.by_host.get(host, ()):
                if rule.path is not None and not tail.startswith(rule.path):
                    continue
                if rule.regex is not None and not rule.regex.search(url):
                    continue
                return rule.match
            dot = host.find(".")
            if dot < 0:
                return self.wildcard.lookup(tail, None)
            host = host[dot + 1 :]


class EmailIndex:
    """The ``[email]`` rules of every service, ready to match; build once per scan."""

    def __init__(self, db: SignatureDB):
        self.db = db
        self.esps: dict[str, Service] = {}
        self._opens, self._clicks = _UrlIndex(), _UrlIndex()
        self._headers: list[_Header] = []
        for order, service in enumerate(db.services):
            table = service.data.get("email")
            if not isinstance(table, dict):
                continue
            self.esps[service.id] = service
            for rule in table.get("opens", []):
                self._opens.add(service, "open", rule, order)
            for rule in table.get("clicks", []):
                self._clicks.add(service, "click", rule, order)
            for rule in table.get("headers", []):
                self._headers.append(_header_rule(service, rule))
        self._opens.wildcard.freeze()
        self._clicks.wildcard.freeze()

    def match_open(self, url: str) -> RuleMatch | None:
        """The ESP open endpoint ``url`` belongs to, if any."""
        return self._opens.lookup(url)

    def match_click(self, url: str) -> RuleMatch | None:
        """The ESP click endpoint ``url`` belongs to, if any."""
        return self._clicks.lookup(url)

    def match_headers(self, headers: Iterable[tuple[str, str]]) -> list[tuple[RuleMatch, str]]:
        """Every header rule a message's headers fit: ``(match, "Name: value")``, one per rule."""
        found: list[tuple[RuleMatch, str]] = []
        seen: set[str] = set()
        for name, value in headers:
            lower = name.lower()
            for rule in self._headers:
                if rule.match.pattern in seen:
                    continue
                if not (lower.startswith(rule.name) if rule.prefix else lower == rule.name):
                    continue
                if rule.regex is not None and not rule.regex.search(value):
                    continue
                seen.add(rule.match.pattern)
                found.append((rule.match, _shorten(f"{name}: {value}")))
        return found

    def match_host(self, url: str, resource_type: str | None = None) -> tuple[str, str] | None:
        """``(service id, pattern)`` of the database's request rules for ``url``, if any."""
        match = self.db.match_request(url, resource_type)
        return (match.signature_id, match.pattern) if match else None

    def facts(self, service_id: str) -> dict[str, Any]:
        """Every fact of a service, as a result copies them."""
        return self.db.service(service_id).to_dict()

    def name_of(self, service_id: str) -> str:
        return self.db.service(service_id).name if service_id in self.db else service_id


def _header_rule(service: Service, rule: dict[str, Any]) -> _Header:
    prefix = rule.get("match") == "prefix"
    pattern = f"email-header{'-prefix' if prefix else ''}:{rule['name']}"
    if "regex" in rule:
        pattern += f" regex:{rule['regex']}"
    regex = re.compile(rule["regex"]) if "regex" in rule else None
    return _Header(rule["name"].lower(), prefix, regex, RuleMatch(service.id, pattern))


def _shorten(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
