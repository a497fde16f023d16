"""Tie every observation of a result to a service of the signature database.

The index is built once per scan (``signatures.load()``); each distinct URL, cookie and storage
key is looked up once per page. The facts of every matched service are copied into the
result, so a saved result renders years later without the database it was scanned with.

Example::

    result = match_result(result)            # fills result.matches and result.services
"""

from __future__ import annotations

import dataclasses
from typing import Any

from scanner.model import Match, MatchKind, ScanResult


def load_signatures() -> Any:
    """The bundled signature database plus the user's packs."""
    import signatures

    return signatures.load()


def match_result(result: ScanResult, db: Any = None) -> ScanResult:
    """Return ``result`` with ``matches`` and ``services`` filled from ``db``."""
    db = db if db is not None else load_signatures()
    matches: list[Match] = []
    services: dict[str, dict[str, Any]] = dict(result.services)

    lookups = {"request": db.match_request, "cookie": db.match_cookie, "storage": db.match_storage}
    for phase in result.phases:
        for visit in phase.visits:
            # (kind, value the match shows, what makes it distinct on a page, lookup arguments)
            observations: list[tuple[MatchKind, str, Any, tuple[Any, ...]]] = [
                *(("request", r.url, r.url, (r.url, r.resource_type)) for r in visit.requests),
                *(
                    ("cookie", c.name, (c.name, c.domain), (c.name, c.domain))
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
    return dataclasses.replace(result, matches=tuple(matches), services=services)
