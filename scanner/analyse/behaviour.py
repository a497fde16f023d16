"""Unknown third parties judged by what they do: the trackers no signature knows.

Pure functions of a matched ``ScanResult``. A third party's registrable domain that no
signature matched anywhere in the scan is a tracker in a phase when, in that phase, it:

- ``carries-identifier`` (high): receives, in a request's URL query or body (or a WebSocket's
  URL or sent frames), a cookie or storage value of the page or of its own that looks like an
  identifier, plain, URL-encoded or base64 (``Request.carries``);
- ``identifier-cookie`` (high): sets a persistent identifier cookie: a third-party cookie on
  its domain, or a first-party cookie its script wrote, whose value looks like an identifier
  and which lives more than ``MIN_COOKIE_DAYS``;
- ``identifier-storage`` (medium): stores an identifier in localStorage/sessionStorage: in its
  own frame's origin, or in the page's, written by its script;
- ``beacon`` (low): sends a beacon or ping (``navigator.sendBeacon``, ``<a ping>``).

The severity is that of the strongest signal (a cookie seen only through a page script counts
one level lower, as in ``judge``). What looks like an identifier is decided where the values
are (``scanner.collect.identifiers``: 8+ characters, enough entropy, not a date, a clock
reading, a boolean or a word). A CDN or font host that stores nothing, receives no
identifier and sends no beacon is never flagged. The service is named by the registrable
domain (id and name), category ``unknown``. The rules and thresholds are in docs/behaviour.md.

Example::

    for ref, severity, evidence, message in unknown_trackers(result, "no-interaction"):
        ...
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from urllib.parse import urlsplit

from scanner.analyse.evidence import Choice
from scanner.collect.parties import site_of
from scanner.model import Cookie, Phase, Request, ScanResult, StorageItem, Visit

#: A cookie must live longer than this (days) to be a persistent identifier (~1 day).
MIN_COOKIE_DAYS = 1.0
#: How strong each signal is: 3 high, 2 medium, 1 low.
STRENGTH = {"carries-identifier": 3, "identifier-cookie": 3, "identifier-storage": 2, "beacon": 1}
SEVERITY = {3: "high", 2: "medium", 1: "low"}
SCHEMES = ("http://", "https://", "ws://", "wss://")
_WORDS = {
    "carries-identifier": "received an identifier stored in the browser",
    "identifier-cookie": "set a persistent identifier cookie",
    "identifier-storage": "stored an identifier",
    "beacon": "sent a beacon",
}


def unknown_ref(site: str) -> dict[str, Any]:
    """The ``service`` of an unknown party: its registrable domain, category ``unknown``."""
    return {"id": site, "name": site, "category": "unknown"}


def known_sites(result: ScanResult) -> set[str]:
    """Registrable domains a signature matched a request to (their services are known)."""
    return {
        site_of(urlsplit(m.value).hostname or "") for m in result.matches if m.kind == "request"
    }


def _third(result: ScanResult, url_or_host: str | None) -> str | None:
    """The registrable domain of a URL or host when it is a third party's, else ``None``."""
    if not url_or_host:
        return None
    host = urlsplit(url_or_host).hostname if "//" in url_or_host else url_or_host
    site = site_of(host or "")
    return site if site and site not in result.first_party else None


def request_signal(r: Request) -> str | None:
    if r.carries:
        return "carries-identifier"
    if r.resource_type == "ping" or r.initiator_type == "beacon":
        return "beacon"
    return None


def cookie_owner(result: ScanResult, c: Cookie) -> str | None:
    """Whose identifier cookie ``c`` is: its domain's (third party) or its writer script's."""
    if not c.identifier or c.blocked_reason:
        return None
    days = max(c.lifetime_days or 0.0, c.requested_lifetime_days or 0.0)
    if days <= MIN_COOKIE_DAYS:
        return None
    if c.party == "third":
        return _third(result, c.domain.lstrip("."))
    return _third(result, c.set_by) if "js" in c.sources else None


def storage_owner(result: ScanResult, s: StorageItem) -> str | None:
    """Whose identifier key ``s`` is: its frame's origin (third party) or its writer's."""
    if not s.identifier:
        return None
    return _third(result, s.origin) if s.party == "third" else _third(result, s.set_by)


def signals(result: ScanResult, visit: Visit, phase: Phase) -> list[tuple[str, dict[str, Any]]]:
    """``(site, evidence item)`` for every behaviour signal on ``visit`` (no filtering yet)."""
    matched = {
        (m.kind, m.value) for m in result.matches if m.phase == phase and m.page == visit.url
    }
    base = {"page": visit.url, "phase": phase}
    out: list[tuple[str, dict[str, Any]]] = []
    for r in visit.requests:
        if r.party != "third" or not r.url.startswith(SCHEMES) or ("request", r.url) in matched:
            continue
        signal = request_signal(r)
        site = _third(result, r.host)
        if signal and site:
            item = {"kind": "request", **base, **r.evidence(), "signal": signal}
            if r.carries:
                item["carries"] = [
                    {"source": c.source, "name": c.name, "owner": c.owner, "where": c.where,
                     "encoding": c.encoding}
                    for c in r.carries
                ]  # fmt: skip
            out.append((site, item))
    for c in visit.cookies:
        site = cookie_owner(result, c)
        if site and ("cookie", c.name) not in matched:
            item = {
                "kind": "cookie", **base, "name": c.name, "domain": c.domain, "party": c.party,
                "time_ms": c.time_ms, "lifetime_days": c.lifetime_days, "set_by": c.set_by,
                "sources": list(c.sources), "signal": "identifier-cookie",
            }  # fmt: skip
            if c.sources == ("js",):
                item["verified"] = False
            out.append((site, item))
    for s in visit.storage:
        site = storage_owner(result, s)
        if site and ("storage", s.key) not in matched:
            item = {
                "kind": "storage", **base, "key": s.key, "origin": s.origin, "storage": s.kind,
                "party": s.party, "time_ms": s.time_ms, "set_by": s.set_by,
                "signal": "identifier-storage",
            }  # fmt: skip
            out.append((site, item))
    return out


def strength(item: dict[str, Any]) -> int:
    """How strong one evidence item is (an unverified cookie counts one level lower)."""
    value = STRENGTH[item["signal"]]
    return value - 1 if item.get("verified") is False else value


def unknown_trackers(
    result: ScanResult, phase: Phase
) -> list[tuple[dict[str, Any], str, list[dict[str, Any]], str]]:
    """``(service ref, severity, evidence, message)`` per unknown tracker seen in ``phase``.

    In ``reject-all``, only what happened after the refusal counts (as in ``judge``), and
    nothing when the refusal was not made.
    """
    phase_result = result.phase(phase)
    if phase_result is None:
        return []
    choice = Choice.of(phase_result.consent)
    if phase != "no-interaction" and choice is None:
        return []
    known = known_sites(result)
    by_site: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for visit in phase_result.visits:
        for site, item in signals(result, visit, phase):
            if site in known:
                continue
            if choice is not None:
                if item["kind"] == "storage" and item.get("time_ms") is None:
                    continue  # kept from before the choice, not written after it
                if not choice.after(visit, item.get("time_ms")):
                    continue
            item["pattern"] = f"behaviour:{item['signal']}"
            by_site[site].append(item)
    out = []
    when = "before any consent" if phase == "no-interaction" else "after “reject all”"
    for site, evidence in sorted(by_site.items()):
        level = max(max(strength(e) for e in evidence), 1)
        did = [w for s, w in _WORDS.items() if any(e["signal"] == s for e in evidence)]
        message = f"{site}, a third party no signature knows, {', '.join(did)} {when}"
        out.append((unknown_ref(site), SEVERITY[level], evidence, message))
    return out
