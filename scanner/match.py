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

from .models import Match, MatchKind, Phase, ScanResult


def load_signatures() -> Any:
    """The bundled signature database plus the user's packs."""
    import signatures

    return signatures.load()


def match_result(result: ScanResult, db: Any = None) -> ScanResult:
    """Return ``result`` with ``matches`` and ``services`` filled from ``db``."""
    db = db if db is not None else load_signatures()
    matches: list[Match] = []
    services: dict[str, dict[str, Any]] = dict(result.services)

    def keep(found: Any, phase: Phase, page: str, kind: MatchKind, value: str) -> None:
        if found is None:
            return
        matches.append(
            Match(
                phase,
                page,
                kind,
                value,
                found.signature_id,
                found.pattern,
                float(found.confidence),
            )
        )
        if found.signature_id not in services:
            services[found.signature_id] = found.service.to_dict()

    for phase in result.phases:
        for visit in phase.visits:
            seen: set[tuple[str, ...]] = set()
            for request in visit.requests:
                if ("request", request.url) in seen:
                    continue
                seen.add(("request", request.url))
                keep(
                    db.match_request(request.url, request.resource_type),
                    phase.phase,
                    visit.url,
                    "request",
                    request.url,
                )
            for cookie in visit.cookies:
                if ("cookie", cookie.name, cookie.domain) in seen:
                    continue
                seen.add(("cookie", cookie.name, cookie.domain))
                keep(
                    db.match_cookie(cookie.name, cookie.domain),
                    phase.phase,
                    visit.url,
                    "cookie",
                    cookie.name,
                )
            for item in visit.storage:
                if ("storage", item.key) in seen:
                    continue
                seen.add(("storage", item.key))
                keep(
                    db.match_storage(item.key, item.kind),
                    phase.phase,
                    visit.url,
                    "storage",
                    item.key,
                )
    return dataclasses.replace(result, matches=tuple(matches), services=services)
