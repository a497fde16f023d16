"""What the judge reads: which services need consent (``scanner.rules``), and each match back
to what was seen.

``Seen`` ties a ``Match`` to the request, cookie or storage key it came from, with its time
and whether it happened after the visitor's choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scanner.model import ConsentAction, Match, ScanResult, Visit
from scanner.rules import need_of

__all__ = ["Choice", "Index", "need_of", "service_ref"]


def service_ref(result: ScanResult, service_id: str) -> dict[str, Any]:
    """``{id, name, category}`` of a matched service."""
    facts = result.services.get(service_id) or {}
    return {
        "id": service_id,
        "name": facts.get("name", service_id),
        "category": facts.get("category"),
    }


@dataclass(frozen=True)
class Choice:
    """The click of a consent phase: where, when (ms since that page's navigation, and ISO)."""

    page: str | None
    time_ms: float | None
    time: str | None

    @classmethod
    def of(cls, action: ConsentAction | None) -> Choice | None:
        if action is None or action.outcome != "done":
            return None
        time_ms = action.details.get("time_ms")
        return cls(action.page, float(time_ms) if time_ms is not None else None, action.time)

    def after(self, visit: Visit, time_ms: float | None) -> bool | None:
        """Whether an observation at ``time_ms`` on ``visit`` came after this choice.

        ``None`` when it cannot be told: an untimed observation on the page of the click
        (storage keys, cookies only seen in the jar).
        """
        if visit.url == self.page:
            if time_ms is None or self.time_ms is None:
                return None
            return time_ms > self.time_ms
        if self.time and visit.started_at < self.time:
            return False  # this page was opened before the click (pages run in parallel)
        return True


class Index:
    """Finds the observation behind each match: ``evidence(match)`` -> dict."""

    def __init__(self, result: ScanResult) -> None:
        self.result = result
        self.visits: dict[tuple[str, str], Visit] = {}
        for phase in result.phases:
            for visit in phase.visits:
                self.visits[(phase.phase, visit.url)] = visit

    def visit(self, match: Match) -> Visit | None:
        return self.visits.get((match.phase, match.page))

    def evidence(self, match: Match) -> dict[str, Any]:
        """The observation behind ``match`` as a JSON-ready dict with the matching pattern."""
        base: dict[str, Any] = {"kind": match.kind, "page": match.page, "phase": match.phase}
        visit = self.visit(match)
        found: dict[str, Any] = {}
        if visit is not None:
            if match.kind == "request":
                r = next((r for r in visit.requests if r.url == match.value), None)
                if r is not None:
                    found = r.evidence()
            elif match.kind == "cookie":
                c = next((c for c in visit.cookies if c.name == match.value), None)
                if c is not None:
                    found = {
                        "name": c.name,
                        "domain": c.domain,
                        "party": c.party,
                        "time_ms": c.time_ms,
                        "lifetime_days": c.lifetime_days,
                        "set_by": c.set_by,
                        "sources": list(c.sources),
                    }
            else:
                s = next((s for s in visit.storage if s.key == match.value), None)
                if s is not None:
                    found = {
                        "key": s.key,
                        "origin": s.origin,
                        "storage": s.kind,
                        "party": s.party,
                        "time_ms": s.time_ms,
                        "set_by": s.set_by,
                    }
        if not found:
            found = {"url" if match.kind == "request" else "name": match.value, "time_ms": None}
            if match.kind == "storage":
                found = {"key": match.value, "time_ms": None}
        return {**base, **found, "service_id": match.service_id, "pattern": match.pattern}
