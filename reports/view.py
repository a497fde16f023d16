"""What every report format needs from a ``ScanResult``: lookups, labels and summaries.

The tables, the HTML report and the Markdown summary are all built from these helpers, so the
formats cannot disagree about which service a cookie belongs to or what fired before consent.
Only ``scanner.model`` and the shared consent rules (``scanner.rules``) are imported: a saved
result renders without the signature database.

Example::

    view = ResultView(result)
    view.service_of("cookie", "_ga", phase="accept-all", page="https://www.example.com/")
    # -> ("google-analytics", "_ga")   (service id, the pattern that matched)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from scanner.model import (
    PHASES,
    Cookie,
    Finding,
    Match,
    PhaseResult,
    Request,
    ScanResult,
    StorageItem,
    Visit,
    to_dict,
)
from scanner.rules import NEED_WORDS, need_of

from .listed import list_source

UNKNOWN = "unknown"

CATEGORIES: dict[str, str] = {
    "necessary": "Strictly necessary",
    "functional": "Functional",
    "analytics": "Analytics",
    "marketing": "Marketing",
    "social": "Social media",
    "embedded-media": "Embedded media",
    "tag-manager": "Tag managers",
    "cdn": "Content delivery",
    "security": "Security",
    "consent": "Consent management",
    UNKNOWN: "Unclassified",
}

PHASE_LABELS: dict[str, str] = {
    "no-interaction": "Before any choice",
    "accept-all": "After accepting all",
    "reject-all": "After rejecting all",
}

SEVERITIES = ("high", "medium", "low", "info")

FINDING_LABELS: dict[str, str] = {
    "tracking_before_consent": "Tracking before consent",
    "tracking_after_reject": "Tracking after refusal",
    "no_consent_banner": "No consent banner",
    "no_reject_on_first_layer": "No reject button on the first layer",
    "consent_stored_before_choice": "Consent stored before any choice",
    "consent_signal_after_reject": "Consent signalled after refusal",
    "cookie_lifetime_over_13_months": "Cookie lifetime over 13 months",
    "fingerprinting": "Fingerprinting",
    "unknown_third_party": "Unknown third party",
    "verdict": "Verdict",
}

# The judge's single summary finding; reports show it as the verdict, not as a finding.
VERDICT = "verdict"

SITE_VERDICTS: dict[str, str] = {
    "violations": "Violations found",
    "issues": "Issues found",
    "consent-not-tested": "Consent not tested",
    "access-limited": "Access limited: nothing can be concluded",
    "no-issues-found": "No issues found on the pages visited",
}

SERVICE_VERDICTS: dict[str, str] = {
    "exempt": "Does not need consent",
    "tracks-before-consent": "Tracks before consent",
    "tracks-after-reject": "Tracks after refusal",
    "waits-for-consent": "Waits for consent",
    "not-tested": "Not tested",
}

_PNG_DATA_URI = re.compile(r"data:image/png;base64,[A-Za-z0-9+/]+={0,2}")


def finding_label(kind: str) -> str:
    return FINDING_LABELS.get(kind, kind.replace("_", " ").capitalize())


def category_label(category: str | None) -> str:
    return CATEGORIES.get(category or UNKNOWN, category or CATEGORIES[UNKNOWN])


def category_order(category: str | None) -> int:
    keys = list(CATEGORIES)
    return keys.index(category) if category in keys else len(keys) - 1


def safe_href(url: Any) -> str | None:
    """``url`` when it is safe to put in ``href`` (http or https), else ``None``.

    >>> safe_href("javascript:alert(1)") is None
    True
    """
    if not isinstance(url, str):
        return None
    text = url.strip()
    if text != url or any(ord(c) < 0x20 for c in text):
        return None
    scheme = text.split(":", 1)[0].lower() if ":" in text else ""
    return url if scheme in ("http", "https") and text[len(scheme) :].startswith("://") else None


def png_data_uri(value: Any) -> str | None:
    """``value`` if it is a base64 PNG ``data:`` URI (the only images a report embeds)."""
    if isinstance(value, str) and _PNG_DATA_URI.fullmatch(value):
        return value
    return None


def format_ms(ms: float | None) -> str:
    if ms is None:
        return ""
    if ms < 1000:
        return f"{ms:.0f} ms"
    if ms < 60_000:
        return f"{ms / 1000:.2f} s"
    minutes, seconds = divmod(round(ms / 1000), 60)
    return f"{minutes} min {seconds} s"


def format_lifetime(days: float | None) -> str:
    """Human lifetime of a cookie: ``session``, ``30 minutes``, ``1 day``, ``13 months``."""
    if days is None:
        return "session"
    if days < 0:
        return "expired"
    if days < 1 / 24:
        return _plural(round(days * 24 * 60), "minute")
    if days < 1:
        return _plural(round(days * 24), "hour")
    if days < 60:
        return _plural(round(days), "day")
    if days < 730:
        return _plural(round(days / 30.44), "month")
    return _plural(round(days / 365.25), "year")


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def cookie_value_text(cookie: Cookie, include_values: bool) -> str:
    """The value when asked for and present, else ``sha256:<hash> (<n> chars)``."""
    if include_values and cookie.value is not None:
        return cookie.value
    if cookie.value_sha256:
        return f"sha256:{cookie.value_sha256} ({cookie.value_length} chars)"
    return f"({cookie.value_length} chars)"


@dataclass(frozen=True)
class Seen:
    """One observation (request, cookie or storage key) with its service, if any."""

    phase: str
    visit: Visit
    kind: str
    item: Request | Cookie | StorageItem
    service_id: str | None
    pattern: str | None

    @property
    def party(self) -> str:
        return self.item.party

    @property
    def host(self) -> str:
        """The request's host ('' for cookies and storage)."""
        return self.item.host if isinstance(self.item, Request) else ""

    @property
    def domain(self) -> str:
        """The cookie's domain ('' for requests and storage)."""
        return self.item.domain if isinstance(self.item, Cookie) else ""

    @property
    def value(self) -> str:
        item = self.item
        if isinstance(item, Request):
            return item.url
        if isinstance(item, Cookie):
            return item.name
        return item.key


class ResultView:
    """Read-only lookups over one ``ScanResult`` shared by every renderer."""

    def __init__(self, result: ScanResult) -> None:
        self.result = result
        self._exact: dict[tuple[str, str, str, str], Match] = {}
        self._loose: dict[tuple[str, str], Match] = {}
        for m in result.matches:
            self._exact.setdefault((m.phase, m.page, m.kind, m.value), m)
            self._loose.setdefault((m.kind, m.value), m)
        self.seen: list[Seen] = list(self._observations())
        self._party: dict[tuple[str, str], str] = {}
        for s in self.seen:
            self._party.setdefault((s.kind, s.value), s.party)

    # -- services -------------------------------------------------------------------------
    def facts(self, service_id: str | None) -> dict[str, Any]:
        facts = self.result.services.get(service_id or "")
        return facts if isinstance(facts, dict) else {}

    def service_name(self, service_id: str | None) -> str:
        if not service_id:
            return ""
        if service_id == UNKNOWN:
            return "Unknown third party"
        return str(self.facts(service_id).get("name") or service_id)

    def category(self, service_id: str | None) -> str:
        if not service_id or service_id == UNKNOWN:
            return UNKNOWN
        category = self.facts(service_id).get("category")
        return category if isinstance(category, str) and category else UNKNOWN

    def compliance(self, service_id: str | None) -> dict[str, Any]:
        value = self.facts(service_id).get("compliance")
        return value if isinstance(value, dict) else {}

    def list_source(self, service_id: str | None) -> dict[str, str] | None:
        """``list_source`` of a service known only from a public list, else ``None``."""
        return list_source(self.facts(service_id)) if service_id else None

    def vendor(self, service_id: str | None) -> str:
        vendor = self.facts(service_id).get("vendor")
        if isinstance(vendor, dict) and vendor.get("name"):
            return str(vendor["name"])
        return self.service_name(service_id)

    def needs_consent(self, service_id: str | None) -> str:
        """``yes``, ``depends``, ``no`` or ``unknown``: the judge's verdict when present, else
        the shared rule (``scanner.rules.need_of``) on the service's facts."""
        if not service_id or service_id == UNKNOWN:
            return "unknown"
        judged = self.service_verdicts().get(service_id, {}).get("consent")
        need = judged if judged in NEED_WORDS else need_of(self.facts(service_id))
        return NEED_WORDS[need]

    # -- the judge's verdict ----------------------------------------------------------------
    def verdict_finding(self) -> Finding | None:
        return next((f for f in self.result.findings if f.type == VERDICT), None)

    def site_verdict(self) -> dict[str, Any]:
        """``{"verdict": id, "reasons": [...], "consent": …, "findings": …}``, or ``{}``."""
        verdict = self.result.verdict
        if verdict is None:
            return {}
        data = to_dict(verdict)
        data.pop("services", None)
        return data

    def service_verdicts(self) -> dict[str, dict[str, Any]]:
        """Each service's verdict (``{"consent", "verdict", "issues", "phases", …}``) by id."""
        verdict = self.result.verdict
        return {s.service_id: to_dict(s) for s in verdict.services} if verdict else {}

    def cookie_purpose(self, service_id: str | None, pattern: str | None, name: str) -> str:
        for spec in as_list(self.facts(service_id).get("cookies")):
            if isinstance(spec, dict) and spec.get("name") in (pattern, name):
                return str(spec.get("purpose") or "")
        return ""

    # -- observations ---------------------------------------------------------------------
    def service_of(
        self, kind: str, value: str, *, phase: str, page: str, party: str = "third"
    ) -> tuple[str | None, str | None]:
        """(service id, matched pattern); ``unknown`` for an unmatched third party."""
        m = self._exact.get((phase, page, kind, value)) or self._loose.get((kind, value))
        if m is not None:
            return m.service_id, m.pattern
        return (UNKNOWN, None) if party == "third" else (None, None)

    def _observations(self) -> Iterator[Seen]:
        for phase in self.result.phases:
            for visit in phase.visits:
                groups: tuple[tuple[str, tuple[Any, ...]], ...] = (
                    ("request", visit.requests),
                    ("cookie", visit.cookies),
                    ("storage", visit.storage),
                )
                for kind, items in groups:
                    for item in items:
                        value = (
                            item.url
                            if kind == "request"
                            else (item.name if kind == "cookie" else item.key)
                        )
                        sid, pattern = self._lookup(kind, value, phase.phase, visit, item.party)
                        yield Seen(phase.phase, visit, kind, item, sid, pattern)

    def _lookup(
        self, kind: str, value: str, phase: str, visit: Visit, party: str
    ) -> tuple[str | None, str | None]:
        for page in (visit.url, visit.final_url):
            m = self._exact.get((phase, page, kind, value))
            if m is not None:
                return m.service_id, m.pattern
        return self.service_of(kind, value, phase=phase, page=visit.url, party=party)

    # -- summaries ------------------------------------------------------------------------
    def phases_run(self) -> list[str]:
        return [p.phase for p in self.result.phases]

    def phase(self, name: str) -> PhaseResult | None:
        return next((p for p in self.result.phases if p.phase == name), None)

    def services_in(self, phase: str) -> list[str]:
        """Service ids seen in ``phase`` (known first, by category, then ``unknown``)."""
        ids = {s.service_id for s in self.seen if s.phase == phase and s.service_id}
        return sorted(ids, key=lambda i: (i == UNKNOWN, category_order(self.category(i)), i))

    def all_service_ids(self) -> list[str]:
        ids = set(self.result.services) | {
            s.service_id for s in self.seen if s.service_id and s.service_id != UNKNOWN
        }
        return sorted(ids, key=lambda i: (category_order(self.category(i)), i))

    def unknown_hosts(self) -> dict[str, list[Seen]]:
        """Third-party hosts no signature matched -> their requests, by most requests."""
        hosts: dict[str, list[Seen]] = {}
        for s in self.seen:
            if s.service_id == UNKNOWN and isinstance(s.item, Request):
                hosts.setdefault(s.item.host, []).append(s)
        return dict(sorted(hosts.items(), key=lambda kv: (-len(kv[1]), kv[0])))

    def severity_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(SEVERITIES, 0)
        for f in self.findings():
            counts[f.severity] = counts.get(f.severity, 0) + 1
        return counts

    def findings(self) -> list[Finding]:
        """Every finding but the judge's summary ``verdict``."""
        return [f for f in self.result.findings if f.type != VERDICT]

    def sorted_findings(self) -> list[Finding]:
        rank = {s: i for i, s in enumerate(SEVERITIES)}
        return sorted(
            self.findings(),
            key=lambda f: (rank.get(f.severity, 9), PHASES.index(f.phase) if f.phase else 9),
        )

    def finding_service_id(self, finding: Finding) -> str | None:
        service = finding.service or {}
        sid = service.get("id") or service.get("service_id")
        return str(sid) if sid else None

    def finding_party(self, finding: Finding) -> str | None:
        """``third`` if any evidence is a third party, else ``first``; ``None`` if unknown."""
        parties = set()
        for e in finding.evidence:
            if not isinstance(e, dict):
                continue
            party = e.get("party")
            if party is None:
                kind = str(e.get("kind", ""))
                value = e.get("url") or e.get("name") or e.get("key") or ""
                party = self._party.get((kind, str(value)))
            if party:
                parties.add(party)
        return "third" if "third" in parties else ("first" if parties else None)

    def finding_service_name(self, finding: Finding) -> str:
        service = finding.service or {}
        return str(service.get("name") or self.service_name(self.finding_service_id(finding)))
