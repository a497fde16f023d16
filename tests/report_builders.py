"""Builders of the model's small parts for the report fixtures: a request, a cookie, a visit.

Party is decided as the scanner would for www.example.com: a host or cookie domain under
example.com is first party, anything else third party.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlsplit

from scanner.model import Cookie, Request, StorageItem, Visit

SITE = "https://www.example.com/"


def req(url: str, t: float, rtype: str = "script", status: int | None = 200, **kw: Any) -> Request:
    host = urlsplit(url).hostname or ""
    party = "first" if host == "example.com" or host.endswith(".example.com") else "third"
    return Request(
        url=url,
        method=kw.pop("method", "GET"),
        resource_type=rtype,
        host=host,
        party=party,
        time_ms=t,
        status=status,
        **kw,
    )


def cookie(name: str, domain: str, days: float | None, t: float, **kw: Any) -> Cookie:
    party = "first" if domain.lstrip(".").endswith("example.com") else "third"
    return Cookie(
        name=name,
        domain=domain,
        path="/",
        party=party,
        lifetime_days=days,
        value_sha256=hashlib.sha256(name.encode()).hexdigest()[:16],
        value_length=len(name) + 20,
        time_ms=t,
        **kw,
    )


def visit(
    phase: str,
    url: str,
    requests: list[Request],
    cookies: list[Cookie] = (),
    storage: list[StorageItem] = (),
    **kw: Any,
) -> Visit:
    return Visit(
        url=url,
        final_url=kw.pop("final_url", url),
        depth=kw.pop("depth", 0),
        phase=phase,
        started_at=kw.pop("started_at", "2025-03-04T10:15:00+00:00"),
        duration_ms=kw.pop("duration_ms", 6200.0),
        status=kw.pop("status", 200),
        requests=tuple(requests),
        cookies=tuple(cookies),
        storage=tuple(storage),
        **kw,
    )
