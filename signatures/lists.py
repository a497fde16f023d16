"""Public tracker lists the user supplies: store them, load them, and match below our own.

``add_list`` parses a list (``signatures.listformats``) and writes it, compiled to one JSON
file, to ``<user data dir>/lists/<name>.json``, beside the packs; ``installed`` and
``remove_list`` list and delete them. ``signatures.load()`` reads every installed list and
returns a ``ListedDB``: a ``SignatureDB`` whose ``match_request`` asks the lists only when
no signature of ours (own services and packs, host, URL and any-host rules) matched.

Lists are tried in order: the ones that name organisations (disconnect, tracker-radar,
ghostery) first, then the adblock ones; by name within each. A hit becomes a ``Match`` whose
pattern names the list and the domain or filter that matched
(``list:disconnect domain:trk.example.net``, ``list:easyprivacy filter:||trk.example.net^``)
and whose service is built from the list: named by the organisation (adblock lists: the
registrable domain of the request), with the mapped category, a ``public_list`` table
(list, format, title, licence, the list's own category words) and a ``compliance`` table
whose ``consent_required`` comes from the category (``consent_from_category``; the list
says nothing of consent). Its id is the slug of that name, or ``<slug>-<list name>`` when one of
our services already uses the slug.

Cookies, when nothing of ours names them: a third-party cookie whose domain is a list's
domain (``list:disconnect cookie-domain:trk.example.net``), and a cookie that Tracker Radar
says the scripts of a domain write (``list:tracker-radar cookie:_trk domain:trk.example.net``)
when that domain was requested on the same page. Both need the page, which the caller passes
with each cookie: ``match_cookie(name, domain, page=page_context(url, request_urls))``, one
immutable ``PageContext`` per visit (``signatures.page``). The database keeps no state between
calls, so one ``ListedDB`` serves any number of results, in any order.

Example::

    >>> add_list("services.json", "disconnect")                   # doctest: +SKIP
    >>> import signatures
    >>> signatures.load().match_request("https://trk.example.net/t.js").pattern  # doctest: +SKIP
    'list:disconnect domain:trk.example.net'
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import adblock

from .errors import PackWriteError, SignatureError
from .listformats import FORMATS, ParsedList, consent_from_category, parse_list, slug
from .loader import user_data_dir
from .matcher import SignatureDB
from .model import Match, Service
from .page import PageContext, host_of, registrable

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
FILE_VERSION = 1
#: Playwright resource types -> adblock-rust request types.
_REQUEST_TYPES = {"xhr": "xmlhttprequest", "fetch": "xmlhttprequest", "document": "sub_frame"}
_CONFIDENCE = {"domain": 0.9, "filter": 0.8, "cookie-domain": 0.8, "cookie": 0.7}


def lists_dir() -> Path:
    """Where installed lists live: ``$XDG_DATA_HOME/cookiescan/signatures/lists``."""
    return user_data_dir() / "lists"


@dataclass(frozen=True)
class ListInfo:
    """What ``cookiescan signatures lists`` shows of one installed list."""

    name: str
    format: str
    title: str
    entries: int
    licence: str
    source: str
    added: str
    path: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def add_list(
    file: str | os.PathLike[str], fmt: str, name: str | None = None, dest: Path | None = None
) -> ListInfo:
    """Parse ``file`` as ``fmt`` and install it as ``name`` (default: the format's name).

    An installed list of the same name is replaced. Raises ``SignatureError`` for a bad file
    or name, ``PackWriteError`` when the data dir cannot be written.
    """
    name = name or fmt
    if not NAME_RE.match(name):
        raise SignatureError(f"list name {name!r} must look like 'easyprivacy' ([a-z0-9-])")
    parsed = parse_list(file, fmt)
    folder = dest or lists_dir()
    target = folder / f"{name}.json"
    data = _compiled(parsed, name, Path(file))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".json.partial")
        partial.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        partial.replace(target)
    except OSError as exc:
        raise PackWriteError(f"{target}: cannot write ({exc.strerror})") from None
    return _info(data, target)


def _compiled(parsed: ParsedList, name: str, source: Path) -> dict[str, Any]:
    data: dict[str, Any] = {
        "cookiescan_list": FILE_VERSION,
        "name": name,
        "format": parsed.format,
        "title": parsed.title,
        "licence": parsed.licence,
        "source": source.name,
        "added": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "entries": parsed.entries,
        "skipped": parsed.skipped,
    }
    if parsed.format == "easyprivacy":
        data |= {"category": parsed.category, "filters": parsed.filters}
    else:
        data |= {"services": parsed.services, "domains": parsed.domains}
    if parsed.cookies:
        data["cookies"] = parsed.cookies
    return data


def _info(data: dict[str, Any], path: Path) -> ListInfo:
    keys = ("name", "format", "title", "entries", "licence", "source", "added")
    return ListInfo(**{k: data[k] for k in keys}, path=str(path))


def list_files(folder: Path | None = None) -> list[Path]:
    """The installed list files (none when the folder does not exist: one ``stat``)."""
    folder = folder or lists_dir()
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def read_compiled(path: Path) -> dict[str, Any]:
    """One installed list file, checked; ``SignatureError`` (one line) when it is corrupt."""
    hint = f"(reinstall it, or 'cookiescan signatures remove-list {path.stem}')"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise SignatureError(f"{path}: unreadable public list ({reason}) {hint}") from None
    ok = (
        isinstance(data, dict)
        and data.get("cookiescan_list") == FILE_VERSION
        and data.get("format") in FORMATS
        and all(
            isinstance(data.get(k), str) for k in ("name", "title", "licence", "source", "added")
        )
        and isinstance(data.get("entries"), int)
        and (
            isinstance(data.get("filters"), list)
            if data.get("format") == "easyprivacy"
            else isinstance(data.get("domains"), dict) and isinstance(data.get("services"), dict)
        )
        and isinstance(data.get("cookies", {}), dict)
    )
    if not ok:
        raise SignatureError(f"{path}: not a public list written by cookiescan {hint}")
    return data


def installed(folder: Path | None = None) -> list[ListInfo]:
    """Every installed list, by name."""
    return [_info(read_compiled(p), p) for p in list_files(folder)]


def remove_list(name: str, folder: Path | None = None) -> Path:
    """Delete the installed list ``name``; ``SignatureError`` when there is none."""
    path = (folder or lists_dir()) / f"{name}.json"
    if not NAME_RE.match(name) or not path.is_file():
        names = ", ".join(p.stem for p in list_files(folder)) or "none installed"
        raise SignatureError(f"no public list {name!r} ({names})")
    try:
        path.unlink()
    except OSError as exc:
        raise PackWriteError(f"{path}: cannot remove ({exc.strerror})") from None
    return path


class PublicList:
    """One installed list, ready to match hosts (dict probes) or URLs (adblock-rust)."""

    def __init__(self, data: dict[str, Any], path: Path):
        self.name: str = data["name"]
        self.format: str = data["format"]
        self.path = path
        self.facts = {
            "list": self.name,
            "format": self.format,
            "title": data["title"],
            "licence": data["licence"],
        }
        self._domains: dict[str, str] = data.get("domains", {})
        self._services: dict[str, dict[str, Any]] = data.get("services", {})
        self._category: str | None = data.get("category")
        self._cookies = {name: set(owners) for name, owners in data.get("cookies", {}).items()}
        self._engine: Any = None
        if self.format == "easyprivacy":
            self._engine = _engine(data["filters"], path)
        self.info = _info(data, path)

    def lookup(
        self, url: str, host: str, resource_type: str | None, page_url: str | None
    ) -> tuple[str, dict[str, Any], str] | None:
        """``(key, {org, category, known_as}, pattern)`` of a hit, else ``None``."""
        if self._engine is None:
            probe = host
            while True:
                key = self._domains.get(probe)
                if key is not None:
                    return key, self._services[key], f"list:{self.name} domain:{probe}"
                dot = probe.find(".")
                if dot < 0:
                    return None
                probe = probe[dot + 1 :]
        if page_url is not None and url == page_url:
            return None  # the page itself is what is scanned, not a tracker on it
        kind = _REQUEST_TYPES.get(resource_type or "other", resource_type or "other")
        result = self._engine.check_network_urls(url, page_url or url, kind)
        if not result.matched or not result.filter:
            return None
        org = registrable(host)
        facts = {"org": org, "category": self._category, "known_as": [self.facts["title"]]}
        return slug(org), facts, f"list:{self.name} filter:{result.filter}"

    def cookie_lookup(
        self, name: str, third_host: str | None, page: PageContext
    ) -> tuple[str, dict[str, Any], str] | None:
        """A cookie's hit: its third-party domain is ours (``third_host``), or the list says
        the scripts of a domain requested on ``page`` (``page.hosts``) write ``name``."""
        if self._engine is not None:
            return None  # adblock filters name URLs, not cookie domains
        probe = third_host
        while probe:
            key = self._domains.get(probe)
            if key is not None:
                pattern = f"list:{self.name} cookie-domain:{probe}"
                return key, self._services[key], pattern
            probe = probe.partition(".")[2]
        owners = self._cookies.get(name) or set()
        for host in page.hosts if owners else ():  # in the order the page asked them
            probe = host
            while probe:
                key = self._domains.get(probe) if probe in owners else None
                if key is not None:
                    pattern = f"list:{self.name} cookie:{name} domain:{probe}"
                    return key, self._services[key], pattern
                probe = probe.partition(".")[2]
        return None


def _engine(filters: list[str], path: Path) -> Any:
    try:
        rules = adblock.FilterSet(debug=True)  # debug: the engine says which filter matched
        rules.add_filter_list("\n".join(filters))
        return adblock.Engine(rules, optimize=False)
    except Exception as exc:  # noqa: BLE001 - the engine's own errors, made one line
        raise SignatureError(f"{path}: the adblock engine refused it ({exc})") from None


def read_lists(paths: Iterable[Path] | None = None) -> list[PublicList]:
    """Load installed lists (default: the lists dir), the ones naming organisations first."""
    loaded = [PublicList(read_compiled(p), p) for p in (list_files() if paths is None else paths)]
    return sorted(loaded, key=lambda item: (item.format == "easyprivacy", item.name))


class ListedDB(SignatureDB):
    """A ``SignatureDB`` that falls back on public lists for requests nothing of ours knows.

    Example::

        db = ListedDB(services, read_lists())
        shop, trk = "https://www.example.com/", "https://trk.example.net/t.js"
        db.match_request(trk, "script", page_url=shop)
        db.match_cookie("_trk", "www.example.com", page=page_context(shop, [trk]))
    """

    def __init__(self, services: Iterable[Service], lists: list[PublicList]):
        super().__init__(services)
        self.public_lists = lists
        # The services built from list entries, by (list, key): a cache, not page state.
        self._listed: dict[tuple[str, str], Service] = {}

    def match_request(
        self,
        url: str,
        resource_type: str | None = None,
        method: str | None = None,
        body_keys: Iterable[str] | None = None,
        *,
        page_url: str | None = None,
    ) -> Match | None:
        """Ours first (``SignatureDB.match_request``); then each list in turn.

        ``page_url`` (the page that made the request) lets adblock ``$third-party`` filters
        apply; without it every request counts as first party for them.
        """
        found = super().match_request(url, resource_type, method, body_keys)
        if found is not None or not self.public_lists:
            return found
        host = host_of(url)[0]
        for public in self.public_lists:
            hit = public.lookup(url, host, resource_type, page_url)
            if hit is not None:
                key, facts, pattern = hit
                service = self._service_of(public, key, facts)
                kind = "filter" if " filter:" in pattern else "domain"
                return Match(service.id, pattern, service, "request", _CONFIDENCE[kind])
        return None

    def match_cookie(
        self, name: str, domain: str | None = None, *, page: PageContext | None = None
    ) -> Match | None:
        """Ours first (``SignatureDB.match_cookie``); then the lists, for the given ``page``.

        A list names a cookie when its domain is one of the list's and belongs to another
        site than the page's (a third-party cookie), or when the list says that the scripts
        of a host requested on this page write a cookie of that name (Tracker Radar).
        Without ``page`` the lists are not asked: neither rule can be decided.
        """
        found = super().match_cookie(name, domain)
        if found is not None or not self.public_lists or page is None:
            return found
        host = (domain or "").removeprefix(".").lower()
        third = host if host and registrable(host) != page.site else None
        for public in self.public_lists:
            hit = public.cookie_lookup(name, third, page)
            if hit is not None:
                key, facts, pattern = hit
                service = self._service_of(public, key, facts)
                kind = "cookie-domain" if " cookie-domain:" in pattern else "cookie"
                return Match(service.id, pattern, service, "cookie", _CONFIDENCE[kind])
        return None

    def _service_of(self, public: PublicList, key: str, facts: dict[str, Any]) -> Service:
        cached = self._listed.get((public.name, key))
        if cached is not None:
            return cached
        service_id = key if key not in self else f"{key}-{public.name}"
        org, category = facts["org"], facts["category"]
        words = list(facts.get("known_as") or [])
        known_as = ", ".join(words) or category
        data = {
            "id": service_id,
            "name": org,
            "category": category,
            "description": f"Known to {public.facts['title']} as {known_as}.",
            "vendor": {"name": org},
            "public_list": {**public.facts, "known_as": words},
        }
        if (need := consent_from_category(category, words)) is not None:
            data["compliance"] = {
                "consent_required": need,
                "notes": f"Need for consent set from the list's category ({category}), "
                "not reviewed by cookiescan.",
            }
        service = Service(service_id, org, category, str(public.path), public.name, data)
        self._listed[(public.name, key)] = service
        return service
