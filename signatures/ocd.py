"""Import the Open Cookie Database CSV as a signature pack.

The Open Cookie Database (https://github.com/jkwakman/Open-Cookie-Database, Apache-2.0) lists
cookie names per platform, with category, domain, retention and purpose, but no legal facts.
``import_csv`` turns it into ``open-cookie-database.toml`` in the user data dir; the pack
records its source and licence, and the project's own services take precedence over it.

Conversion rules:

- one service per platform (``ocd-<platform>``), or per platform and category when a
  platform lists cookies of several categories (``ocd-<platform>-<category>``);
- categories: Functional, Marketing, Analytics, Security, Necessary as such, Personalization
  becomes functional;
- ``Wildcard match = 1`` makes a prefix rule; a trailing ``*`` in the name too; a ``*``
  inside a name makes a regex;
- retention strings become ``persistent`` and ``duration_days`` (``"13 months"`` -> 395,
  ``"session"`` -> session, the longest figure when several are given, nothing when unknown);
  rows whose retention is ``Local Storage`` become storage keys;
- ``Domain`` becomes the cookie domain (``(3rd party)`` sets ``party = "third"``; several
  domains give one rule each);
- short or generic names (3 characters or fewer, ``lang``, ``token``, ``sessionid``...) get
  ``domain_required = true``: they only match when the cookie's domain agrees. Without a
  domain they are kept as facts but never matched.

Example::

    >>> from signatures import ocd
    >>> report = ocd.import_csv("open-cookie-database.csv")     # doctest: +SKIP
    >>> report.entries, report.platforms                       # doctest: +SKIP
    (2264, 354)
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from . import _toml
from .errors import PackWriteError, SignatureError
from .loader import user_data_dir
from .validate import validate_pack
from .vocabulary import is_host_name

PACK_NAME = "open-cookie-database"
SOURCE = "https://github.com/jkwakman/Open-Cookie-Database"
LICENCE = "Apache-2.0"
COLUMNS = (
    "ID", "Platform", "Category", "Cookie / Data Key name", "Domain", "Description",
    "Retention period", "Data Controller", "User Privacy & GDPR Rights Portals",
    "Wildcard match",
)  # fmt: skip
CATEGORY_MAP = {
    "functional": "functional",
    "marketing": "marketing",
    "analytics": "analytics",
    "security": "security",
    "necessary": "necessary",
    "personalization": "functional",
}
# Names too common to mean one service without the domain that set them.
GENERIC_NAMES = frozenset(
    """lang language locale token csrftoken csrf_token xsrf-token _csrf sessionid session
    session_id sid jsessionid phpsessid asp.net_sessionid user userid user_id uid id visitor
    consent test testcookie debug country currency timezone theme auth
    auth_token access_token refresh_token state nonce login remember_me cart""".split()
)
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u00ad\ufeff"))
_UNIT_DAYS = {
    "s": 1 / 86400, "sec": 1 / 86400, "secs": 1 / 86400, "second": 1 / 86400,
    "seconds": 1 / 86400, "min": 1 / 1440, "mins": 1 / 1440, "minute": 1 / 1440,
    "minutes": 1 / 1440, "h": 1 / 24, "hr": 1 / 24, "hrs": 1 / 24, "hour": 1 / 24,
    "hours": 1 / 24, "d": 1.0, "day": 1.0, "days": 1.0, "w": 7.0, "week": 7.0, "weeks": 7.0,
    "month": 365 / 12, "months": 365 / 12, "y": 365.0, "yr": 365.0, "year": 365.0,
    "years": 365.0,
}  # fmt: skip
_UNITS = "|".join(sorted(_UNIT_DAYS, key=len, reverse=True))  # "seconds" before "s"
_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(" + _UNITS + r")\b")
_SESSION = ("session", "seesion", "end of session", "immediately removed")
_FOREVER = ("forever", "unlimited", "permanent", "no expiration", "persistent")


class Retention(NamedTuple):
    """A normalised retention: ``persistent`` and ``days`` are ``None`` when unknown."""

    persistent: bool | None
    days: float | None
    storage: bool = False


def parse_retention(text: str) -> Retention:
    """Normalise an Open Cookie Database retention string.

    Example::

        >>> parse_retention("13 months")
        Retention(persistent=True, days=395, storage=False)
        >>> parse_retention("Session"), parse_retention("30 minutes, 3w or 1y").days
        (Retention(persistent=False, days=None, storage=False), 365)
        >>> parse_retention("Varies")
        Retention(persistent=None, days=None, storage=False)
    """
    t = " ".join(text.translate(_INVISIBLE).split()).lower()
    if t == "local storage":
        return Retention(None, None, storage=True)
    found = [float(n) * _UNIT_DAYS[unit] for n, unit in _DURATION_RE.findall(t)]
    if found:  # "Session to 30 days" can last 30 days: the longest figure counts
        days = max(found)
        return Retention(True, int(days + 0.5) if days >= 1 else round(days, 6))
    if t.startswith(_SESSION):
        return Retention(False, None)
    if t.startswith(_FOREVER) or re.search(r"\b(19|20)\d\d\b", t):  # an expiry date
        return Retention(True, None)
    return Retention(None, None)


def parse_domains(text: str) -> tuple[list[str], bool]:
    """Cookie domains named in a ``Domain`` cell, and whether it says ``(3rd party)``.

    Example::

        >>> parse_domains(".bing.com (3rd party) or .microsoft.com (3rd party)")
        (['bing.com', 'microsoft.com'], True)
        >>> parse_domains("ads-[account].adhese.com")
        (['adhese.com'], False)
    """
    t = text.translate(_INVISIBLE).lower()
    third = "3rd party" in t
    t = t.replace("(3rd party)", " ")
    domains: list[str] = []
    for token in re.split(r"\s+or\s+|[,;\s]+", t):
        labels = token.strip().strip(".").split(".")
        keep: list[str] = []
        for label in reversed(labels):  # the longest valid suffix
            if not re.fullmatch(r"[a-z0-9_-]+", label):
                break
            keep.insert(0, label)
        host = ".".join(keep)
        if is_host_name(host) and host not in domains:
            domains.append(host)
    return domains, third


def is_generic(name: str) -> bool:
    """True for names that say nothing alone: 3 characters or fewer, or a common word."""
    return len(name) <= 3 or name.lower() in GENERIC_NAMES


def slugify(text: str) -> str:
    """``"Google Tag Manager"`` -> ``"google-tag-manager"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "unknown-platform"


def _name_rule(raw: str, wildcard: bool) -> tuple[str, str]:
    name = raw.translate(_INVISIBLE).strip()
    if "*" in name.rstrip("*"):
        parts = [re.escape(p) for p in name.split("*")]
        return "^" + ".*".join(parts), "regex"
    if name.endswith("*"):
        return name.rstrip("*"), "prefix"
    return name, "prefix" if wildcard else "exact"


@dataclass
class ImportReport:
    """What an import wrote and counted (``to_dict()`` for JSON)."""

    path: str
    entries: int
    platforms: int
    services: int
    cookies: int
    storage_keys: int
    entries_per_category: dict[str, int] = field(default_factory=dict)
    services_per_category: dict[str, int] = field(default_factory=dict)
    ocd_categories: dict[str, int] = field(default_factory=dict)
    prefix_rules: int = 0
    regex_rules: int = 0
    domain_required: int = 0
    never_matched: int = 0
    unknown_retention: int = 0
    skipped_rows: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_rows(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    """Read the CSV; ``SignatureError`` when it cannot be read or lacks a column."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise SignatureError(
                    f"{path}: not an Open Cookie Database CSV (missing column {missing[0]!r})"
                )
            return [{k: (v or "") for k, v in row.items() if k} for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SignatureError(f"{path}: cannot read ({exc})") from None


def convert(rows: list[dict[str, str]]) -> tuple[list[dict[str, Any]], ImportReport]:
    """Turn CSV rows into service tables (schema of service files) and the counts."""
    report = ImportReport(path="", entries=0, platforms=0, services=0, cookies=0, storage_keys=0)
    groups: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    per_platform: dict[str, set[str]] = defaultdict(set)
    ocd_categories: Counter[str] = Counter()
    for row in rows:
        name = row["Cookie / Data Key name"].translate(_INVISIBLE).strip()
        raw_category = row["Category"].strip()
        category = CATEGORY_MAP.get(raw_category.lower())
        if not name or category is None:
            report.skipped_rows += 1
            continue
        platform = " ".join(row["Platform"].split()) or "Unknown platform"
        groups[(platform, category)].append(row)
        per_platform[platform].add(category)
        ocd_categories[raw_category] += 1
    services: list[dict[str, Any]] = []
    used_ids: set[str] = set()
    per_category: Counter[str] = Counter()
    for (platform, category), group in groups.items():
        base = "ocd-" + slugify(platform)
        if len(per_platform[platform]) > 1:
            base += "-" + category
        sid, n = base, 2
        while sid in used_ids:
            sid, n = f"{base}-{n}", n + 1
        used_ids.add(sid)
        services.append(_service(sid, platform, category, group, report))
        per_category[category] += 1
        report.entries_per_category[category] = report.entries_per_category.get(category, 0) + len(
            group
        )
    report.platforms = len(per_platform)
    report.services = len(services)
    report.entries = sum(len(g) for g in groups.values())
    report.services_per_category = dict(per_category.most_common())
    report.entries_per_category = dict(Counter(report.entries_per_category).most_common())
    report.ocd_categories = dict(ocd_categories.most_common())
    return services, report


def _first(group: list[dict[str, str]], column: str) -> str:
    return next((r[column].strip() for r in group if r[column].strip()), "")


def _service(
    sid: str, platform: str, category: str, group: list[dict[str, str]], report: ImportReport
) -> dict[str, Any]:
    service: dict[str, Any] = {
        "id": sid,
        "name": platform,
        "category": category,
        "description": (
            f"{platform}: {len(group)} cookie or storage name(s) listed in the Open Cookie "
            "Database, imported as they are and not reviewed by the cookiescan project."
        ),
    }
    portal = _first(group, "User Privacy & GDPR Rights Portals").split()
    if portal and portal[0].startswith(("https://", "http://")):
        service["privacy_policy"] = portal[0]
    controller = _first(group, "Data Controller")
    if controller:
        service["vendor"] = {"name": controller}
    cookies: list[dict[str, Any]] = []
    storage: list[dict[str, Any]] = []
    for row in group:
        name, mode = _name_rule(row["Cookie / Data Key name"], row["Wildcard match"] == "1")
        report.prefix_rules += mode == "prefix"
        report.regex_rules += mode == "regex"
        retention = parse_retention(row["Retention period"])
        purpose = " ".join(row["Description"].split())
        if retention.storage:
            report.storage_keys += 1
            item: dict[str, Any] = {"key": name, "match": mode, "kind": "local"}
            if purpose:
                item["purpose"] = purpose
            storage.append(item)
            continue
        report.cookies += 1
        domains, third = parse_domains(row["Domain"])
        base: dict[str, Any] = {"name": name, "match": mode}
        if is_generic(name):
            base["domain_required"] = True
            report.domain_required += 1
            report.never_matched += not domains
        if third:
            base["party"] = "third"
        if retention.persistent is None:
            report.unknown_retention += 1
        else:
            base["persistent"] = retention.persistent
        if retention.days is not None:
            base["duration_days"] = retention.days
        if purpose:
            base["purpose"] = purpose
        for domain in domains or [""]:
            rule = dict(base)
            if domain:
                rule = {"name": name, "match": mode, "domain": domain, **base}
            cookies.append(rule)
    if cookies:
        service["cookies"] = cookies
    if storage:
        service["storage"] = storage
    service["sources"] = [
        {"about": "cookies", "title": f"Open Cookie Database ({LICENCE})", "url": SOURCE}
    ]
    return service


def import_csv(
    path: str | os.PathLike[str], dest: str | os.PathLike[str] | None = None
) -> ImportReport:
    """Convert the Open Cookie Database CSV at ``path`` into a pack; return what it counted.

    The pack is written to ``dest`` (a directory; default: the user data dir) as
    ``open-cookie-database.toml``, replacing an earlier import. Raises ``SignatureError``
    when the file is not an Open Cookie Database CSV.
    """
    services, report = convert(read_rows(path))
    if not services:
        raise SignatureError(f"{path}: no usable rows")
    pack = {
        "name": PACK_NAME,
        "title": "Open Cookie Database",
        "licence": LICENCE,
        "source": SOURCE,
        "imported_from": os.path.basename(os.fspath(path)),
        "imported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "entries": report.entries,
        "notes": (
            "Converted by cookiescan from the Open Cookie Database, licensed under the "
            "Apache License 2.0. The project's own signatures take precedence."
        ),
    }
    document = {"pack": pack, "services": services}
    validate_pack(document, PACK_NAME)  # a bug here must not produce a broken pack
    directory = Path(dest) if dest is not None else user_data_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / f"{PACK_NAME}.toml"
        tmp = target.with_suffix(".toml.tmp")
        tmp.write_text(_toml.dumps(document), encoding="utf-8")
        tmp.replace(target)
    except OSError as exc:
        raise PackWriteError(f"{directory}: cannot write the pack ({exc.strerror})") from None
    report.path = str(target)
    return report
