"""Read the public tracker lists a user supplies, each in its own format, into one shape.

Four formats (none is bundled: their licences are the user's to honour):

- ``easyprivacy``: Adblock Plus filter text (EasyPrivacy, EasyList, or any list in that
  syntax). Only network filters are kept (no ``##`` element hiding); they are matched later
  by the adblock-rust engine (``signatures.lists``). The list names no organisation: a match
  is named by the registrable domain of the request. Category: ``marketing`` when the list's
  ``! Title:`` says EasyList (ads) without "privacy", else ``analytics`` (EasyPrivacy).
- ``disconnect``: Disconnect's ``services.json``,
  ``{"categories": {Category: [{Organisation: {homepage: [domains]}}]}}``.
- ``tracker-radar``: DuckDuckGo Tracker Radar, either a folder of per-domain JSON files
  (``{"domain", "owner": {"name", "displayName"}, "categories": [...]}``) or its compiled
  ``tds.json`` (``{"trackers": {domain: {"owner", "categories"}}}``). A domain file's
  ``resources[].firstPartyCookies`` names the first-party cookies that the domain's scripts
  write (``{name: {ttl, length, prevalence, uniqueness}}``): kept as ``cookies``, name ->
  the domains whose scripts write it. It is the only one of the four formats that names
  cookies (Disconnect and Ghostery patterns name domains, adblock filters name URLs).
- ``ghostery``: Ghostery TrackerDB ``trackerdb.json``,
  ``{"patterns": {key: {"name", "category", "organization", "domains"}},
  "organizations": {key: {"name"}}, "categories": {...}}``.

Each list's categories map onto our vocabulary (``signatures.vocabulary.CATEGORIES``) through
the tables below. When a domain carries several, the most tracking one wins (``PRECEDENCE``).
A domain none of whose categories maps (Disconnect's ``Cryptomining``, Tracker Radar's
``Obscure Ownership``, Ghostery's ``misc``) is left out: calling it ``functional`` would hide
it from the behaviour judge, which still looks at unknown third parties.
``consent_from_category`` gives the ``consent_required`` a list service carries, from its
mapped category (``CONSENT_BY_CATEGORY``): lists say nothing of consent themselves.

Example::

    >>> parsed = parse_list("services.json", "disconnect")          # doctest: +SKIP
    >>> parsed.services["trackco"], parsed.domains["trk.example.net"]  # doctest: +SKIP
    ({'org': 'Trackco', 'category': 'marketing', 'known_as': ['Advertising']}, 'trackco')
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import SignatureError
from .vocabulary import is_host_name

FORMATS = ("easyprivacy", "disconnect", "tracker-radar", "ghostery")

#: What the user is reminded of: the lists are theirs to fetch, under these terms.
LICENCES = {
    "easyprivacy": "EasyList/EasyPrivacy: GPL-3.0-or-later or CC BY-SA 3.0+ (the list's header)",
    "disconnect": "Disconnect tracking protection: see the file's 'license' (CC BY-NC-SA 4.0)",
    "tracker-radar": "DuckDuckGo Tracker Radar: CC BY-NC-SA 4.0 (non-commercial use)",
    "ghostery": "Ghostery TrackerDB: CC BY-NC-SA 4.0 (non-commercial use)",
}

DISCONNECT_CATEGORIES = {
    "Advertising": "marketing",
    "Analytics": "analytics",
    "Social": "social",
    "Content": "embedded-media",
    "FingerprintingInvasive": "marketing",
    "FingerprintingGeneral": "analytics",
    "Email": "marketing",
    "EmailAggressive": "marketing",
    "EmailStrict": "marketing",
    "Disconnect": "marketing",  # the big networks Disconnect blocks by default
    "Anti-fraud": "security",
}
TRACKER_RADAR_CATEGORIES = {
    "Advertising": "marketing",
    "Ad Motivated Tracking": "marketing",
    "Action Pixels": "marketing",
    "Ad Fraud": "marketing",
    "Third-Party Analytics Marketing": "marketing",
    "Analytics": "analytics",
    "Audience Measurement": "analytics",
    "Session Replay": "analytics",
    "Social - Comment": "social",
    "Social - Share": "social",
    "Social Network": "social",
    "Tag Manager": "tag-manager",
    "Embedded Content": "embedded-media",
    "Support Chat Widget": "functional",
    "Online Payment": "functional",
    "Federated Login": "functional",
    "SSO": "functional",
    "Badge": "functional",
    "Non-Tracking": "functional",
    "Consent Management Platform": "consent",
    "Fraud Prevention": "security",
    "CDN": "cdn",
}
GHOSTERY_CATEGORIES = {
    "advertising": "marketing",
    "adult_advertising": "marketing",
    "email": "marketing",
    "site_analytics": "analytics",
    "social_media": "social",
    "audio_video_player": "embedded-media",
    "customer_interaction": "functional",
    "utilities": "functional",
    "consent": "consent",
    "essential": "necessary",
    "hosting": "cdn",
}
#: A list service's need for consent, from its mapped category (docs/lists.md explains why).
#: Categories not named here get no ``consent_required``: ``scanner.rules.need_of`` then
#: treats them as exempt, exactly as it does our own services of those categories.
CONSENT_BY_CATEGORY: dict[str, bool | str] = {
    "marketing": True,  # advertising, ad-motivated tracking, action pixels, email tracking
    "social": True,  # social networks' pixels and plugins: cross-site by design
    "analytics": "depends",  # audience measurement may be exempt when set up for it
}
#: The list's own words that make an analytics tracker plainly need consent: session
#: recording and fingerprinting are not the audience measurement an exemption covers.
STRICT_ANALYTICS = frozenset({"Session Replay", "FingerprintingGeneral"})
#: Most tracking first: the category a domain gets when its list gives it several.
PRECEDENCE = (
    "marketing", "analytics", "social", "tag-manager", "embedded-media", "functional",
    "consent", "security", "cdn", "necessary",
)  # fmt: skip
#: A cookie name as RFC 6265 allows it (a token), at most 200 characters.
_COOKIE_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,200}")
_COSMETIC = re.compile(r"#[@?$%]?#|#@\$#|\$\$")


@dataclass
class ParsedList:
    """One list in our shape: services keyed by slug, domains pointing at them."""

    format: str
    title: str
    licence: str
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    domains: dict[str, str] = field(default_factory=dict)
    filters: list[str] = field(default_factory=list)
    category: str | None = None  # easyprivacy: the category of every match
    cookies: dict[str, list[str]] = field(default_factory=dict)  # tracker-radar: name -> domains
    skipped: int = 0  # entries left out (bad host, no mapped category)

    @property
    def entries(self) -> int:
        """Filters (adblock format) or domains (the others)."""
        return len(self.filters) if self.format == "easyprivacy" else len(self.domains)


def consent_from_category(category: str | None, words: Iterable[str] = ()) -> bool | str | None:
    """``consent_required`` for a list service: ``CONSENT_BY_CATEGORY``, raised to ``True``
    for analytics that the list calls session replay or fingerprinting.

    >>> consent_from_category("marketing"), consent_from_category("analytics")
    (True, 'depends')
    >>> consent_from_category("analytics", ["Session Replay"]), consent_from_category("cdn")
    (True, None)
    """
    need = CONSENT_BY_CATEGORY.get(category or "")
    if need == "depends" and STRICT_ANALYTICS.intersection(words):
        return True
    return need


def slug(text: str) -> str:
    """An id of ours from an organisation's name: ``"Trackco, Inc."`` -> ``"trackco-inc"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-") or "org"


def parse_list(path: str | os.PathLike[str], fmt: str) -> ParsedList:
    """Parse ``path`` (a file, or a Tracker Radar folder) as ``fmt``; see the module doc.

    Raises ``SignatureError("<path>: ...")`` (one line) when the file is not in that format
    or yields no entry.
    """
    path = Path(path)
    if fmt not in FORMATS:
        raise SignatureError(f"unknown list format {fmt!r} (one of {', '.join(FORMATS)})")
    if fmt == "easyprivacy":
        parsed = _adblock(path, _read_text(path))
    elif fmt == "tracker-radar" and path.is_dir():
        parsed = _radar_folder(path)
    else:
        readers = {"disconnect": _disconnect, "tracker-radar": _radar, "ghostery": _ghostery}
        parsed = readers[fmt](path, _read_json(path))
    if not parsed.entries:
        raise SignatureError(f"{path}: no usable entry for the {fmt} format")
    return parsed


def _read_text(path: Path) -> str:
    if path.is_dir():
        raise SignatureError(f"{path}: is a directory, not a file")
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SignatureError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise SignatureError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise SignatureError(f"{path}: cannot read ({exc.strerror})") from None


def _read_json(path: Path) -> Any:
    text = _read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SignatureError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None


def _object(value: Any, path: Path, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SignatureError(f"{path}: {what} must be a JSON object")
    return value


def _host(text: Any) -> str | None:
    if not isinstance(text, str):
        return None
    host = text.strip().lower().removeprefix("*.").strip(".")
    return host if is_host_name(host) else None


def _category(raw: list[str], table: dict[str, str]) -> str | None:
    mapped = {table[c] for c in raw if c in table}
    return next((c for c in PRECEDENCE if c in mapped), None)


def _add(parsed: ParsedList, host: Any, org: str, raw: list[str], table: dict[str, str]) -> None:
    """Record ``host`` for ``org``; a host already recorded keeps its more tracking category."""
    clean, category = _host(host), _category(raw, table)
    if clean is None or category is None or not org.strip():
        parsed.skipped += 1
        return
    key = f"{slug(org)}|{category}"
    entry = parsed.services.setdefault(key, {"org": org.strip(), "category": category})
    entry["known_as"] = sorted({*entry.get("known_as", []), *raw})
    old = parsed.domains.get(clean)
    if old is None or PRECEDENCE.index(category) < PRECEDENCE.index(
        parsed.services[old]["category"]
    ):
        parsed.domains[clean] = key


def _finish(parsed: ParsedList) -> ParsedList:
    """Give each service its id: the org's slug, plus the category when the org has several."""
    used = {parsed.domains[d] for d in parsed.domains}
    per_org: dict[str, int] = {}
    for key in used:
        per_org[key.partition("|")[0]] = per_org.get(key.partition("|")[0], 0) + 1
    ids: dict[str, str] = {}
    for key in sorted(used):
        org_slug, _, category = key.partition("|")
        ids[key] = org_slug if per_org[org_slug] == 1 else f"{org_slug}-{category}"
    parsed.services = {ids[k]: v for k, v in parsed.services.items() if k in ids}
    parsed.domains = {d: ids[k] for d, k in sorted(parsed.domains.items())}
    parsed.cookies = {name: sorted(hosts) for name, hosts in sorted(parsed.cookies.items())}
    return parsed


def _adblock(path: Path, text: str) -> ParsedList:
    title = ""
    filters: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("! Title:"):
            title = line.partition(":")[2].strip()
        if not line or line.startswith(("!", "[")) or _COSMETIC.search(line):
            continue
        filters.append(line)
    if text.lstrip().startswith(("{", "[{")):
        raise SignatureError(f"{path}: JSON, not Adblock Plus filter text (wrong --format?)")
    lower = title.lower()
    category = "marketing" if "easylist" in lower and "privacy" not in lower else "analytics"
    return ParsedList(
        "easyprivacy", title or path.name, LICENCES["easyprivacy"], filters=filters,
        category=category,
    )  # fmt: skip


def _disconnect(path: Path, data: Any) -> ParsedList:
    data = _object(data, path, "the file")
    categories = data.get("categories")
    if not isinstance(categories, dict):
        raise SignatureError(f"{path}: not a Disconnect services.json (no 'categories' object)")
    licence = data.get("license") if isinstance(data.get("license"), str) else ""
    licence = " ".join(licence.split())  # the file's own words, first line's worth
    licence = licence if len(licence) <= 160 else licence[:157] + "..."
    parsed = ParsedList("disconnect", "Disconnect", licence or LICENCES["disconnect"])
    for category, orgs in categories.items():
        for entry in orgs if isinstance(orgs, list) else ():
            for org, sites in entry.items() if isinstance(entry, dict) else ():
                for domains in sites.values() if isinstance(sites, dict) else ():
                    for host in domains if isinstance(domains, list) else ():
                        _add(parsed, host, org, [category], DISCONNECT_CATEGORIES)
    return _finish(parsed)


def _radar_entry(parsed: ParsedList, domain: Any, entry: Any) -> None:
    if not isinstance(entry, dict):
        parsed.skipped += 1
        return
    owner = entry.get("owner")
    owner = owner if isinstance(owner, dict) else {}
    org = owner.get("displayName") or owner.get("name") or _host(domain) or ""
    raw = [c for c in entry.get("categories") or [] if isinstance(c, str)]
    _add(parsed, domain, str(org), raw, TRACKER_RADAR_CATEGORIES)
    host = _host(domain)
    if host is None or host not in parsed.domains:
        return
    for resource in entry.get("resources") or []:
        names = resource.get("firstPartyCookies") if isinstance(resource, dict) else None
        for name in names if isinstance(names, dict) else ():
            if isinstance(name, str) and _COOKIE_NAME.fullmatch(name):
                owners = parsed.cookies.setdefault(name, [])
                if host not in owners:
                    owners.append(host)


def _radar(path: Path, data: Any) -> ParsedList:
    data = _object(data, path, "the file")
    parsed = ParsedList("tracker-radar", "DuckDuckGo Tracker Radar", LICENCES["tracker-radar"])
    if isinstance(data.get("trackers"), dict):  # tds.json
        for domain, entry in data["trackers"].items():
            _radar_entry(parsed, domain, entry)
    elif "domain" in data:  # one per-domain file
        _radar_entry(parsed, data["domain"], data)
    else:
        raise SignatureError(
            f"{path}: not Tracker Radar data (no 'trackers' object and no 'domain')"
        )
    return _finish(parsed)


def _radar_folder(path: Path) -> ParsedList:
    parsed = ParsedList("tracker-radar", "DuckDuckGo Tracker Radar", LICENCES["tracker-radar"])
    files = sorted(path.rglob("*.json"))
    if not files:
        raise SignatureError(f"{path}: no *.json file in the Tracker Radar folder")
    for file in files:
        data = _read_json(file)
        if not isinstance(data, dict) or "domain" not in data:
            raise SignatureError(f"{file}: not a Tracker Radar domain file (no 'domain')")
        _radar_entry(parsed, data["domain"], data)
    return _finish(parsed)


def _ghostery(path: Path, data: Any) -> ParsedList:
    data = _object(data, path, "the file")
    patterns = data.get("patterns")
    if not isinstance(patterns, dict):
        raise SignatureError(f"{path}: not a Ghostery trackerdb.json (no 'patterns' object)")
    orgs = data.get("organizations") if isinstance(data.get("organizations"), dict) else {}
    parsed = ParsedList("ghostery", "Ghostery TrackerDB", LICENCES["ghostery"])
    for pattern in patterns.values():
        if not isinstance(pattern, dict):
            parsed.skipped += 1
            continue
        org_entry = orgs.get(pattern.get("organization") or "")
        org = org_entry.get("name") if isinstance(org_entry, dict) else None
        org = str(org or pattern.get("name") or "")
        raw = [pattern["category"]] if isinstance(pattern.get("category"), str) else []
        for host in pattern.get("domains") or []:
            _add(parsed, host, org, raw, GHOSTERY_CATEGORIES)
    return _finish(parsed)
