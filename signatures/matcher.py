"""``SignatureDB``: the services plus the indexes that match observations to them.

Built once per scan (``signatures.load()``); every lookup is a few dict probes:

- **hosts**: one dict keyed by host suffix. ``a.b.mjt.lu`` probes ``a.b.mjt.lu``,
  ``b.mjt.lu``, ``mjt.lu`` (hit), so the cost grows with the labels of the host, not with the
  number of patterns. The same dict entry holds the URL rules of that suffix, which are only
  tried for hosts that reach it; at a given suffix URL rules come before the plain host rule
  (they are the more specific), and longer suffixes come before shorter ones.
- **any host**: URL rules with ``host = "*"`` (``signatures.wildcard``) are tried only when the
  suffix walk found nothing, so a host rule of any service wins over them; a miss costs a few
  path-prefix dict probes and one search of a single compiled regex alternation.
- **request shape**: a URL rule may also ask for a ``method`` and ``body_keys`` (top-level keys
  of a JSON body: a tracker's event endpoint behind a first-party proxy). Any-host rules of
  that kind are few; they are tried in a plain loop, before the other any-host rules, and only
  for requests that have that method or those keys.
- **cookies** and **storage keys**: exact name (dict), then the longest prefix (one dict per
  prefix length, longest first), then regexes. A rule whose domain disagrees with the
  cookie's is only used when no better one exists.

Own services win over imported ones at every step.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import SignatureError
from .model import Match, Service
from .page import PageContext, host_of
from .urlrules import ShapedRules, UrlRule, shaped, url_pattern, url_rule
from .wildcard import CONFIDENCE as WILDCARD_CONFIDENCE
from .wildcard import WILDCARD, WildcardIndex


@dataclass(frozen=True)
class _NameRule:
    """A cookie or storage rule; ``domain`` is a cookie domain suffix without its dot."""

    domain: str
    domain_required: bool
    kind: str | None  # storage: local | session | either
    rank: int
    order: int
    match: Match


class _Suffix:
    __slots__ = ("host", "urls")

    def __init__(self) -> None:
        self.host: Match | None = None
        self.urls: list[UrlRule[Match]] = []


_BASE = {"exact": 0.9, "prefix": 0.8, "regex": 0.7}


def _domain_agrees(cookie_domain: str, rule_domain: str) -> bool:
    if cookie_domain == rule_domain:
        return True
    # Either side may be the parent: a cookie set on .google.com by www.google.com, or a rule
    # for a parent domain and a cookie on a subdomain. Cookie domains are never a bare TLD.
    return ("." in cookie_domain and rule_domain.endswith("." + cookie_domain)) or (
        cookie_domain.endswith("." + rule_domain)
    )


class _NameIndex:
    """Exact / longest prefix / regex lookup of cookie names or storage keys.

    Prefixes are bucketed by their first ``_HEAD`` characters, so a lookup probes one small
    bucket instead of every prefix length.
    """

    def __init__(self) -> None:
        self.exact: dict[str, list[_NameRule]] = {}
        self.prefix: dict[str, list[_NameRule]] = {}
        self.regex: list[tuple[re.Pattern[str], _NameRule]] = []
        self.by_head: dict[str, list[tuple[str, list[_NameRule]]]] = {}
        self.short: list[tuple[str, list[_NameRule]]] = []

    def add(self, mode: str, name: str, rule: _NameRule) -> None:
        if mode == "exact":
            self.exact.setdefault(name, []).append(rule)
        elif mode == "prefix":
            self.prefix.setdefault(name, []).append(rule)
        else:
            self.regex.append((re.compile(name), rule))

    def freeze(self) -> None:
        self.regex.sort(key=lambda item: (item[1].rank, item[1].order))
        by_length = sorted(self.prefix.items(), key=lambda item: -len(item[0]))
        self.by_head, self.short = {}, []
        for prefix, rules in by_length:
            if len(prefix) >= _HEAD:
                self.by_head.setdefault(prefix[:_HEAD], []).append((prefix, rules))
            else:
                self.short.append((prefix, rules))

    def lookup(self, name: str, domain: str | None, kind: str | None = None) -> Match | None:
        fallback: Match | None = None
        rules = self.exact.get(name)
        if rules:
            found, fallback = _pick(rules, domain, kind)
            if found:
                return found
        for bucket in (self.by_head.get(name[:_HEAD], ()), self.short):
            for prefix, rules in bucket:  # longest first
                if name.startswith(prefix):
                    found, worse = _pick(rules, domain, kind)
                    if found:
                        return found
                    fallback = fallback or worse
        if self.regex:
            hits = [rule for pattern, rule in self.regex if pattern.search(name)]
            if hits:
                found, worse = _pick(hits, domain, kind)
                if found:
                    return found
                fallback = fallback or worse
        return fallback


_HEAD = 3


def _pick(
    rules: list[_NameRule], domain: str | None, kind: str | None
) -> tuple[Match | None, Match | None]:
    """Best rule of one tier: ``(match, None)`` when one fits, else ``(None, fallback)``.

    Order: rules whose domain does not disagree, then own before imported, then domain
    agreement, then load order. A disagreeing rule is only a fallback.
    """
    best: tuple[tuple[bool, int, int, int], _NameRule, int] | None = None
    for rule in rules:
        if kind and rule.kind not in (None, "either", kind):
            continue
        if not rule.domain or domain is None:
            status = 1  # nothing to compare
        elif _domain_agrees(domain, rule.domain):
            status = 0
        else:
            status = 2
        if rule.domain_required and status != 0:
            continue
        key = (status == 2, rule.rank, status, rule.order)
        if best is None or key < best[0]:
            best = (key, rule, status)
    if best is None:
        return None, None
    _, rule, status = best
    base = rule.match.confidence
    if status == 0:
        return _with(rule.match, min(1.0, round(base + 0.1, 2))), None
    if status == 1:
        return rule.match, None
    return None, _with(rule.match, round(base - 0.3, 2))


def _with(match: Match, confidence: float) -> Match:
    if match.confidence == confidence:
        return match
    return Match(match.signature_id, match.pattern, match.service, match.kind, confidence)


class SignatureDB:
    """All services and their match indexes; build once, query many times.

    Example::

        >>> import signatures
        >>> db = signatures.load()
        >>> db.match_request("https://r.mjt.lu/lnk/abc").pattern
        'host:mjt.lu'
        >>> db.match_cookie("mj.preferences").signature_id
        'mailjet'
    """

    def __init__(self, services: Iterable[Service]):
        self._services: dict[str, Service] = {}
        self._suffixes: dict[str, _Suffix] = {}
        self._host_owner: dict[str, Service] = {}
        self._cookies = _NameIndex()
        self._storage = _NameIndex()
        self._wildcard: WildcardIndex[Match] = WildcardIndex()
        self._shaped: ShapedRules[Match] = ShapedRules()  # any host, with a request shape
        for order, service in enumerate(services):
            if service.id in self._services:
                raise SignatureError(f"{service.origin}: duplicate id {service.id!r}")
            self._services[service.id] = service
            self._index(service, order)
        self._cookies.freeze()
        self._storage.freeze()
        self._wildcard.freeze()

    def _index(self, service: Service, order: int) -> None:
        rank = 1 if service.imported else 0
        for host in service.hosts:
            owner = self._host_owner.get(host)
            if owner is not None:
                if not owner.imported and not service.imported:
                    raise SignatureError(
                        f"{service.origin}: 'hosts' {host!r} is already claimed by "
                        f"{owner.origin} (a host belongs to one service alone)"
                    )
                if not owner.imported or service.imported:
                    continue  # an own claim beats an imported one; else the first stays
            self._host_owner[host] = service
            entry = self._suffixes.setdefault(host, _Suffix())
            entry.host = Match(service.id, f"host:{host}", service, "request", 1.0)
        for rule in service.data.get("urls", []):
            if rule["host"] == WILDCARD:
                match = Match(
                    service.id, url_pattern(rule), service, "request", WILDCARD_CONFIDENCE
                )
                if shaped(rule):
                    self._shaped.add(rule, match, service.imported, order)
                else:
                    self._wildcard.add(rule, match, service.imported, order)
                continue
            match = Match(service.id, url_pattern(rule), service, "request", 1.0)
            loaded = url_rule(rule, match)
            urls = self._suffixes.setdefault(rule["host"], _Suffix()).urls
            urls.append(loaded)
            urls.sort(key=lambda r: r.match.service.imported)
        for cookie in service.data.get("cookies", []):
            self._add_name(self._cookies, "cookie", cookie["name"], cookie, service, rank, order)
        for item in service.data.get("storage", []):
            self._add_name(self._storage, "storage", item["key"], item, service, rank, order)

    @staticmethod
    def _add_name(index, label, name, rule, service, rank, order):  # type: ignore[no-untyped-def]
        mode = rule.get("match", "exact")
        domain = rule.get("domain", "").removeprefix(".")
        if rule.get("domain_required") and not domain:
            return  # kept as a fact for 'show', never matched on the name alone
        pattern = label if mode == "exact" else f"{label}-{mode}"
        pattern += f":{name}" + (f" domain:{domain}" if domain else "")
        match = Match(service.id, pattern, service, label, _BASE[mode])  # type: ignore[arg-type]
        kind = rule.get("kind")
        named = _NameRule(domain, bool(rule.get("domain_required")), kind, rank, order, match)
        index.add(mode, name, named)

    @property
    def services(self) -> list[Service]:
        """Every service, own ones first, in load order."""
        return list(self._services.values())

    def service(self, service_id: str) -> Service:
        """The service with this id; ``KeyError`` when there is none."""
        return self._services[service_id]

    def __len__(self) -> int:
        return len(self._services)

    def __contains__(self, service_id: object) -> bool:
        return service_id in self._services

    def match_host(self, host: str) -> Match | None:
        """Match a host name against host rules only (longest suffix wins).

        Example: ``db.match_host("a.b.mjt.lu").pattern == "host:mjt.lu"``.
        """
        suffixes = self._suffixes
        host = host.rstrip(".").lower()
        while True:
            entry = suffixes.get(host)
            if entry is not None and entry.host is not None:
                return entry.host
            dot = host.find(".")
            if dot < 0:
                return None
            host = host[dot + 1 :]

    def match_request(
        self,
        url: str,
        resource_type: str | None = None,
        method: str | None = None,
        body_keys: Iterable[str] | None = None,
        *,
        page_url: str | None = None,
    ) -> Match | None:
        """Match a request URL: URL rules of each host suffix, then the host rule, and only
        when no host suffix matched, the any-host (``host = "*"``) rules.

        ``page_url`` (the page that made the request) is accepted so that every database is
        called alike; only public lists use it (``signatures.lists.ListedDB``).

        ``resource_type`` is Playwright's (``script``, ``image``...); rules that name a
        resource only match requests of that type. ``method`` and ``body_keys`` (the
        top-level keys of a JSON body) are the request's shape: a rule that asks for a method
        or body keys only matches requests that have them.

        Example::

            db.match_request("https://www.google.com/recaptcha/api.js", "script").pattern
            # 'url:google.com/recaptcha/' (when such a rule exists)
            db.match_request("https://stats.example.com/matomo.php?idsite=1").pattern
            # 'url:* regex:^[^?#]*/(matomo|piwik)\\.(js|php)(\\?|#|$)'
            db.match_request("https://shop.example/stats/api/event", "fetch", "POST",
                             ["n", "u", "d"]).signature_id                  # 'plausible'
        """
        host, tail = host_of(url)
        suffixes = self._suffixes
        while True:
            entry = suffixes.get(host)
            if entry is not None:
                for rule in entry.urls:
                    if rule.path is not None and not tail.startswith(rule.path):
                        continue
                    if rule.resource is not None and rule.resource != resource_type:
                        continue
                    if rule.regex is not None and not rule.regex.search(url):
                        continue
                    if not rule.shape_fits(method, body_keys):
                        continue
                    return rule.match
                if entry.host is not None:
                    return entry.host
            dot = host.find(".")
            if dot < 0:
                found = self._shaped.lookup(tail, resource_type, method, body_keys)
                return found or self._wildcard.lookup(tail, resource_type)
            host = host[dot + 1 :]

    def match_cookie(
        self, name: str, domain: str | None = None, *, page: PageContext | None = None
    ) -> Match | None:
        """Match a cookie by name (exact, longest prefix, regex) and, if given, its domain.

        ``page`` (the visit the cookie was seen on, ``signatures.page``) is accepted so that
        every database is called alike; our own rules do not need it, public lists do.

        Example::

            >>> db = SignatureDB([Service.from_dict({"id": "ga", "name": "GA",
            ...     "category": "analytics", "description": "Analytics.",
            ...     "vendor": {"name": "Google"},
            ...     "cookies": [{"name": "_ga_", "match": "prefix"}]})])
            >>> db.match_cookie("_ga_ABC123", ".example.com")
            Match(signature_id='ga', pattern='cookie-prefix:_ga_', service=..., kind='cookie', confidence=0.8)
        """  # noqa: E501
        if domain is not None:
            domain = domain.removeprefix(".").lower() or None
        return self._cookies.lookup(name, domain)

    def match_storage(self, key: str, kind: str | None = None) -> Match | None:
        """Match a localStorage / sessionStorage key (exact, longest prefix, regex).

        ``kind`` (``local`` or ``session``) skips rules written for the other store.
        Example: ``db.match_storage("ajs_anonymous_id").signature_id == "segment"``.
        """
        return self._storage.lookup(key, None, kind)
