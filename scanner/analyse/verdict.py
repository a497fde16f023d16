"""Honest verdicts: for the site and for each service, never "compliant".

Site verdicts (stable ids, in order of precedence):

- ``access-limited``: the start page, or every page, was blocked (HTTP 401/403/429/503, a
  navigation error, or a bot wall / captcha page): absence of findings proves nothing;
- ``violations``: at least one high-severity finding;
- ``consent-not-tested``: the reject-all phase did not run, or no banner could be operated
  in it, so what happens after a refusal is unknown;
- ``issues``: medium or low findings only;
- ``no-issues-found``: both choices were made and nothing was found. This is what the scan
  saw on the pages it visited, not a certificate of compliance.

Service verdicts: ``exempt`` (does not need consent), ``tracks-before-consent``,
``tracks-after-reject``, ``waits-for-consent`` (seen only after accept, both choices made),
``not-tested`` (needs consent, never seen before a choice, but the refusal was not tested).
An unfinished scan (``complete = false``) adds the reason ``incomplete``. A service no
signature knows but that a finding names (an unknown tracker judged by its behaviour, a
fingerprinting script's domain) gets a verdict too, with ``consent: required``. A
``fingerprinting`` finding counts as tracking in its phase (before consent, after reject).
Findings that name no service (``consent_stored_before_choice``,
``consent_signal_after_reject``, ``no_consent_banner``) count in the site verdict by their
severity alone: a high one makes it ``violations``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from scanner.analyse.evidence import service_ref
from scanner.model import (
    Finding,
    Phase,
    ScanResult,
    ServiceVerdict,
    ServiceVerdictId,
    SiteVerdictId,
    Verdict,
    Visit,
)
from scanner.rules import need_of

_BLOCKED_STATUS = frozenset({401, 403, 429, 503})
_BLOCKED_ERRORS = frozenset({"navigation", "tls", "unreachable", "timeout", "proxy", "crash"})
_BOT_WALL = re.compile(
    r"just a moment|attention required|access denied|are you a (?:robot|human)|"
    r"verify you are human|captcha|pardon our interruption|request unsuccessful|"
    r"bot protection|security check",
    re.I,
)

SITE_MESSAGES = {
    "access-limited": "Access limited: the site blocked the scanner, so nothing can be concluded",
    "violations": "Violations found",
    "consent-not-tested": "Consent not tested: no banner could be operated to refuse consent",
    "issues": "Issues found",
    "no-issues-found": "No issues found on the pages visited (not a proof of compliance)",
}


def blocked(visit: Visit) -> str | None:
    """Why ``visit`` looks blocked (status, error or bot wall), or ``None``."""
    if visit.status in _BLOCKED_STATUS:
        return f"HTTP {visit.status}"
    for error in visit.errors:
        if error.kind in _BLOCKED_ERRORS:
            return f"{error.kind}: {error.message[:120]}"
    if visit.title and _BOT_WALL.search(visit.title):
        return f"bot wall: {visit.title[:80]}"
    return None


def access_limited(result: ScanResult) -> list[str]:
    """Reasons the site limited the scan (empty when it did not)."""
    visits = [v for p in result.phases for v in p.visits]
    if not visits:
        return ["no page was visited"] if result.phases else []
    first = result.phases[0]
    start = next((v for v in first.visits if v.url == result.start_url), None)
    if start is not None and (why := blocked(start)):
        return [f"start page blocked ({first.phase}): {why}"]
    reasons = [blocked(v) for v in visits]
    if all(reasons):
        return [f"every page blocked, e.g. {reasons[0]}"]
    return []


def verdict_of(result: ScanResult, findings: Sequence[Finding]) -> Verdict:
    """The typed ``Verdict`` of ``result`` given its findings (other than the verdict one)."""
    findings = [f for f in findings if f.type != "verdict"]
    reject = result.phase("reject-all")
    accept = result.phase("accept-all")
    consent: dict[str, str] = {
        p.phase: (p.consent.outcome if p.consent else "not-run")
        for p in (accept, reject)
        if p is not None
    }
    reject_done = bool(reject and reject.consent and reject.consent.outcome == "done")
    accept_done = bool(accept and accept.consent and accept.consent.outcome == "done")
    limited = access_limited(result)
    severities = {f.severity for f in findings}
    reasons: list[str] = []
    site: SiteVerdictId
    if limited:
        site = "access-limited"
        reasons += limited
    elif "high" in severities:
        site = "violations"
    elif not reject_done:
        site = "consent-not-tested"
        reasons.append(
            "the reject-all phase did not run"
            if reject is None
            else f"reject-all: {consent.get('reject-all')}"
        )
    elif severities & {"medium", "low"}:
        site = "issues"
    else:
        site = "no-issues-found"
    if not result.complete:
        reasons.append("incomplete")
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.type] = counts.get(f.type, 0) + 1
    flagged: dict[str, set[str]] = {}
    tracked: dict[str, set[str]] = {}  # service -> phases it tracked in
    unknown: dict[str, dict[str, Any]] = {}  # services named by a finding, not a signature
    phases_of: dict[str, set[Phase]] = {}
    for m in result.matches:
        phases_of.setdefault(m.service_id, set()).add(m.phase)
    for f in findings:
        kinds = ("tracking_before_consent", "tracking_after_reject", "fingerprinting")
        if not f.service or f.type not in kinds or not isinstance(f.service.get("id"), str):
            continue
        sid = f.service["id"]
        flagged.setdefault(sid, set()).add(f.type)
        if f.type != "fingerprinting" or f.severity != "info":
            tracked.setdefault(sid, set()).add(str(f.phase))
        if sid not in result.services:
            unknown[sid] = f.service
            if f.phase is not None:
                phases_of.setdefault(sid, set()).add(f.phase)
    services = []
    for service_id in sorted(phases_of):
        need = "required" if service_id in unknown else need_of(result.services.get(service_id))
        issues = sorted(flagged.get(service_id, ()))
        verdict: ServiceVerdictId
        if need == "exempt":
            verdict = "exempt"
        elif "reject-all" in tracked.get(service_id, ()):
            verdict = "tracks-after-reject"
        elif "no-interaction" in tracked.get(service_id, ()):
            verdict = "tracks-before-consent"
        elif reject_done and accept_done:
            verdict = "waits-for-consent"
        else:
            verdict = "not-tested"
        ref = unknown.get(service_id) or service_ref(result, service_id)
        services.append(
            ServiceVerdict(
                service_id=service_id,
                name=ref["name"],
                category=ref["category"],
                consent=need,
                verdict=verdict,
                issues=tuple(issues),
                phases=tuple(sorted(phases_of[service_id])),
            )
        )
    message = SITE_MESSAGES[site] + (f" ({'; '.join(reasons)})" if reasons else "")
    return Verdict(
        verdict=site,
        message=message,
        reasons=tuple(reasons),
        consent=consent,
        findings=counts,
        services=tuple(services),
    )


def verdict_finding(result: ScanResult, findings: Sequence[Finding]) -> Finding:
    """The single ``verdict`` finding (the typed verdict, as evidence items for older readers):
    site verdict first, then one item per service."""
    v = verdict_of(result, findings)
    site = {"verdict": v.verdict, "reasons": list(v.reasons), "consent": v.consent}
    evidence: list[dict[str, Any]] = [
        {"kind": "verdict", "scope": "site", **site, "findings": v.findings}
    ]
    for s in v.services:
        evidence.append(
            {
                "kind": "verdict",
                "scope": "service",
                "service_id": s.service_id,
                "name": s.name,
                "category": s.category,
                "consent": s.consent,
                "verdict": s.verdict,
                "issues": list(s.issues),
                "phases": list(s.phases),
            }
        )
    return Finding("verdict", "info", None, None, (result.start_url,), tuple(evidence), v.message)
