"""Tie every observation of a result to a service of the signature database.

The index is built once per scan (``signatures.load()``); each distinct URL, cookie and storage
key is looked up once per page. The facts of every matched service are copied into the
result, so a saved result renders years later without the database it was scanned with.

A service known only from a public tracker list the user installed (``signatures.lists``)
carries a ``public_list`` table in its facts (list, format, title, licence, the list's own
category words); ``match_result`` adds ``matched``, the distinct list rules that matched
(``list:easyprivacy filter:||trk.example.net^``, at most ``MAX_LIST_RULES``), so a report can
say "known to EasyPrivacy as ..." and show the rule.

Every database is called alike, with the page of each observation: a request with the URL of
its visit (``page_url``, for adblock ``$third-party`` filters), a cookie with the visit's
``PageContext`` (its site and the hosts it requested, ``signatures.page_context``), built
once per visit that has cookies. Our own signatures ignore both; a public list needs the
page to tell a third-party cookie and to name a cookie by the script that writes it. The
database keeps no page between calls, so the order of the lookups does not matter.

Example::

    result = match_result(result)            # fills result.matches and result.services
"""

from __future__ import annotations

import dataclasses
from typing import Any

from scanner.model import Match, MatchKind, ScanResult

MAX_LIST_RULES = 10


def load_signatures() -> Any:
    """The bundled signature database plus the user's packs."""
    import signatures

    return signatures.load()


def match_result(result: ScanResult, db: Any = None) -> ScanResult:
    """Return ``result`` with ``matches`` and ``services`` filled from ``db``."""
    from signatures import page_context

    db = db if db is not None else load_signatures()
    matches: list[Match] = []
    services: dict[str, dict[str, Any]] = dict(result.services)

    def request(url: str, rtype: str, method: str, keys: Any, page_url: str) -> Any:
        return db.match_request(url, rtype, method=method, body_keys=keys, page_url=page_url)

    def cookie(name: str, domain: str, page: Any) -> Any:
        return db.match_cookie(name, domain, page=page)

    lookups = {"request": request, "cookie": cookie, "storage": db.match_storage}
    fresh: set[str] = set()
    for phase in result.phases:
        for visit in phase.visits:
            url = visit.url
            page = page_context(url, [r.url for r in visit.requests]) if visit.cookies else None
            # (kind, value the match shows, what makes it distinct on a page, lookup arguments)
            observations: list[tuple[MatchKind, str, Any, tuple[Any, ...]]] = [
                *(
                    (
                        "request",
                        r.url,
                        (r.url, r.body_keys),
                        (r.url, r.resource_type, r.method, r.body_keys, url),
                    )
                    for r in visit.requests
                ),
                *(
                    ("cookie", c.name, (c.name, c.domain), (c.name, c.domain, page))
                    for c in visit.cookies
                ),
                *(("storage", i.key, i.key, (i.key, i.kind)) for i in visit.storage),
            ]
            seen: set[tuple[str, Any]] = set()
            for kind, value, identity, args in observations:
                if (kind, identity) in seen:
                    continue
                seen.add((kind, identity))
                found = lookups[kind](*args)
                if found is None:
                    continue
                matches.append(
                    Match(
                        phase.phase,
                        visit.url,
                        kind,
                        value,
                        found.signature_id,
                        found.pattern,
                        float(found.confidence),
                    )
                )
                if found.signature_id not in services:
                    services[found.signature_id] = found.service.to_dict()
                    fresh.add(found.signature_id)
                if found.signature_id in fresh:  # never edit the facts of the given result
                    _note_list_rule(services[found.signature_id], found.pattern)
    return dataclasses.replace(result, matches=tuple(matches), services=services)


def _note_list_rule(facts: dict[str, Any], pattern: str) -> None:
    """Keep the list rules that matched a list-known service (``public_list.matched``)."""
    table = facts.get("public_list")
    if not isinstance(table, dict) or not pattern.startswith("list:"):
        return
    matched = table.setdefault("matched", [])
    if pattern not in matched and len(matched) < MAX_LIST_RULES:
        matched.append(pattern)
