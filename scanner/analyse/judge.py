"""Judge a matched ``ScanResult``: findings with their evidence, and honest verdicts.

Pure functions of a result whose ``matches`` and ``services`` are filled
(``scanner.analyse.match``).
Finding types (stable, documented in the JSON schema) and when they are raised:

- ``tracking_before_consent`` (high; medium when the service's need for consent "depends"):
  a service that needs consent (``judge_evidence.need_of``) is contacted, or sets a cookie
  or storage key, in the ``no-interaction`` phase. One finding per service.
  Google Consent Mode is read off Google's hits (``scanner.analyse.consent_mode``): hits
  that said storage *granted* before any choice are named as such; a service seen only in
  cookieless hits that said *denied* ("denied pings") is one level less severe.
- ``tracking_after_reject`` (same severities): the same in ``reject-all``, after the click
  on reject. Observations that cannot be placed after the click (storage keys and jar-only
  cookies on the page of the click, storage keys no page wrote after the click, pages
  opened before the click) do not count. Raised only when the reject click was done.
- ``no_consent_banner`` (high): consent phases ran, no banner was found in any of them, and
  services that need consent were seen. Not raised when access was limited.
- ``no_reject_on_first_layer`` (medium): the banner's first layer offers accept but no
  reject (read by the heuristic), or autoconsent needed more than one click to reject.
- ``consent_stored_before_choice`` (high): before any click, the page's TCF API (evidence
  ``kind: tcf``) or the TCF EU v2 section of its GPP API (``kind: gpp``,
  ``scanner.analyse.gpp``) already reported consent to purposes or vendors.
- ``consent_signal_after_reject`` (high): after the click on "reject all", the TCF API or
  the GPP API's TCF EU v2 section still told the page's vendors that consent was given
  (``scanner.analyse.consent_signal``; evidence ``kind: tcf`` / ``gpp``). Never in
  ``accept-all``; never for the GPP's US (opt-out) sections.
- ``cookie_lifetime_over_13_months`` (medium for services that need consent, else low): a
  cookie whose lifetime (as asked by the site, before Chromium's 400-day cap) exceeds 13
  months, the CNIL's ceiling. One finding per cookie name and domain.
- ``unknown_third_party`` (info): a third-party host that no signature matched, for review.
- ``tracking_*`` also for an unknown third party that behaves like a tracker (an identifier
  cookie or storage key, a request carrying a stored identifier, a beacon), named by its
  registrable domain, category ``unknown``, severity by the strength of the signal
  (``scanner.analyse.behaviour``; evidence ``pattern`` ``behaviour:<signal>``).
- ``fingerprinting`` (high for canvas, font, WebGL and audio fingerprinting, medium for a
  navigator/screen sweep; info after "accept all"): per phase and service, by published
  criteria (``scanner.analyse.fingerprint``; evidence ``kind: api``).
- A cookie's evidence item names the third-party scripts that read it through
  ``document.cookie`` on that page (``read_by``), e.g. a first-party ``_ga`` read by a widget.
- ``verdict`` (info, exactly one): the verdict for the site and for each service, in its
  evidence; see ``verdicts``.

How strong a cookie is as evidence: the browser's cookie jar (``jar``) and a ``Set-Cookie``
header (``wire``) are the browser's own record; a ``document.cookie`` write reported by the
init script (``js``) is what a script in the page did, caught inside the page. A cookie whose
only source is ``js`` (set and removed before the jar was read, or refused by the browser) is
kept, with ``"verified": false`` in its evidence item, but never makes a finding more severe
by itself: when every observation behind a ``tracking_*`` finding is such a cookie, the
severity drops one level (high -> medium, medium -> low) and the message says so. One
request, jar or wire observation of the same service is enough for the full severity.

Example::

    result = dataclasses.replace(result, findings=judge(result))
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from scanner.analyse import consent_mode
from scanner.analyse.behaviour import unknown_trackers
from scanner.analyse.consent_signal import signal_after_reject
from scanner.analyse.evidence import Choice, Index, need_of, service_ref
from scanner.analyse.fingerprint import fingerprinting
from scanner.analyse.gpp import gpp_consent
from scanner.analyse.verdict import access_limited, verdict_finding
from scanner.model import PHASES, Finding, Match, Phase, ScanResult, Visit

#: The CNIL's ceiling for cookie lifetimes: 13 months, in days.
MAX_LIFETIME_DAYS = 13 * 365.25 / 12
#: Evidence items kept per finding (the rest are counted in the message).
MAX_EVIDENCE = 25

_SEVERITY = {"required": "high", "depends": "medium"}
#: One level down, for findings that rest only on unverified (script-reported) cookies.
_WEAKER = {"high": "medium", "medium": "low", "low": "low", "info": "info"}


def verified(item: dict[str, Any]) -> bool:
    """False for a cookie evidence item seen only through a page script (``sources == js``)."""
    return not (item.get("kind") == "cookie" and item.get("sources") == ["js"])


def judge(result: ScanResult) -> tuple[Finding, ...]:
    """Every finding for ``result``, the ``verdict`` finding last."""
    index = Index(result)
    findings: list[Finding] = []
    findings += tracking(result, index, "no-interaction", "tracking_before_consent")
    findings += tracking(result, index, "reject-all", "tracking_after_reject")
    for phase in PHASES:
        for ref, severity, evidence, message in fingerprinting(result, phase):
            findings.append(_finding("fingerprinting", severity, phase, ref, evidence, message))
    findings += banner_findings(result)
    findings += stored_consent(result)
    if (signal := signal_after_reject(result)) is not None:
        evidence, message = signal
        kind = "consent_signal_after_reject"
        findings.append(_finding(kind, "high", "reject-all", None, evidence, message))
    findings += cookie_lifetimes(result)
    findings += unknown_third_parties(result)
    findings.append(verdict_finding(result, findings))
    return tuple(findings)


def _finding(
    kind: str,
    severity: str,
    phase: Phase | None,
    service: dict[str, Any] | None,
    evidence: list[dict[str, Any]],
    message: str,
) -> Finding:
    evidence.sort(key=lambda e: (e.get("page") or "", e.get("time_ms") or 0.0))
    pages = tuple(sorted({e["page"] for e in evidence if e.get("page")}))
    if len(evidence) > MAX_EVIDENCE:
        message += f" ({len(evidence)} observations, first {MAX_EVIDENCE} kept)"
    return Finding(
        kind,
        severity,  # type: ignore[arg-type]
        phase,
        service,
        pages,
        tuple(evidence[:MAX_EVIDENCE]),
        message,
    )


def tracking(result: ScanResult, index: Index, phase: Phase, kind: str) -> list[Finding]:
    """``tracking_before_consent`` / ``tracking_after_reject``: one finding per service."""
    phase_result = result.phase(phase)
    if phase_result is None:
        return []
    choice = Choice.of(phase_result.consent)
    if phase != "no-interaction" and choice is None:
        return []  # the refusal was never made: nothing here happened "after" it
    by_service: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for match in result.matches:
        if match.phase != phase:
            continue
        need = need_of(result.services.get(match.service_id))
        if need == "exempt":
            continue
        item = index.evidence(match)
        if not verified(item):
            item["verified"] = False
        if match.kind == "cookie":
            _add_readers(item, index.visit(match))
        if choice is not None:
            if match.kind == "storage" and item.get("time_ms") is None:
                continue  # a key kept from before the choice, not written after it
            visit = index.visit(match)
            if visit is None or not choice.after(visit, item.get("time_ms")):
                continue
            if visit.url == choice.page and choice.time_ms is not None:
                item["after_choice_ms"] = round(item["time_ms"] - choice.time_ms, 1)
        by_service[match.service_id].append(item)
    findings = []
    for service_id, evidence in sorted(by_service.items()):
        need = need_of(result.services.get(service_id))
        ref = service_ref(result, service_id)
        when = "before any consent" if phase == "no-interaction" else "after “reject all”"
        message = f"{ref['name']} ({ref['category']}) was active {when}"
        if need == "depends":
            message += "; it needs consent unless configured to be exempt"
        severity = _SEVERITY[need]
        mode = consent_mode.annotate(evidence)
        if mode == "granted":
            message += "; its hits told Google that storage consent was granted (Consent Mode)"
        elif mode == "denied" and all(e.get("kind") == "request" for e in evidence):
            severity = _WEAKER[severity]  # cookieless "denied pings": still a request, less
            message += "; only cookieless pings with Consent Mode storage denied"
        if phase == "no-interaction" and result.config.get("gpc"):
            message += "; the visitor sent Global Privacy Control (an opt-out)"
        if not any(verified(e) for e in evidence):
            severity = _WEAKER[severity]
            message += (
                "; seen only as a cookie a page script wrote, never in the browser's cookie "
                "jar or on the wire"
            )
        findings.append(_finding(kind, severity, phase, ref, evidence, message))
    for ref, severity, evidence, message in unknown_trackers(result, phase):
        findings.append(_finding(kind, severity, phase, ref, evidence, message))
    return findings


def _add_readers(item: dict[str, Any], visit: Visit | None) -> None:
    """A cookie's evidence names the third-party scripts that read it (``read_by``)."""
    if visit is None or not visit.cookie_reads:
        return
    third = {r.script for r in visit.cookie_reads if r.party == "third"}
    readers = visit.readers(item.get("name") or "", item.get("domain") or "")
    if third_party := [s for s in readers if s in third]:
        item["read_by"] = third_party


def banner_findings(result: ScanResult) -> list[Finding]:
    """``no_consent_banner`` and ``no_reject_on_first_layer``."""
    actions = [p.consent for p in result.phases if p.phase != "no-interaction"]
    ran = [a for a in actions if a is not None]
    findings: list[Finding] = []
    if ran and all(a.outcome == "not-found" for a in ran) and not access_limited(result):
        needing = sorted(
            {
                m.service_id
                for m in result.matches
                if need_of(result.services.get(m.service_id)) != "exempt"
            }
        )
        if needing:
            evidence = [
                {
                    "kind": "banner",
                    "phase": a.action,
                    "page": a.page,
                    "outcome": a.outcome,
                    "engines": a.details.get("engines"),
                    "reason": a.details.get("reason"),
                }
                for a in ran
            ]
            names = ", ".join(service_ref(result, s)["name"] for s in needing)
            message = f"No consent banner was found, yet services that need consent ran: {names}"
            findings.append(_finding("no_consent_banner", "high", None, None, evidence, message))
    for action in sorted(ran, key=lambda a: a.action != "reject-all"):
        layer = (action.details.get("banner") or {}).get("buttons")
        clicks = (action.details.get("autoconsent_result") or {}).get("clicks")
        item: dict[str, Any] = {"kind": "banner", "phase": action.action, "page": action.page}
        if layer and layer.get("accept") and not layer.get("reject"):
            item["first_layer"] = layer
            item["selector"] = (action.details.get("banner") or {}).get("selector")
            message = "The banner's first layer has “{}” but no reject button".format(
                layer["accept"][0]
            )
        elif (
            not layer
            and action.action == "reject-all"
            and action.outcome == "done"
            and isinstance(clicks, int)
            and clicks > 1
        ):
            item["clicks_to_reject"] = clicks
            item["cmp"] = action.details.get("cmp")
            message = f"Rejecting took {clicks} clicks on the banner ({action.details.get('cmp')})"
        else:
            continue
        findings.append(
            _finding("no_reject_on_first_layer", "medium", action.action, None, [item], message)
        )
        break
    return findings


def stored_consent(result: ScanResult) -> list[Finding]:
    """``consent_stored_before_choice``: the TCF or GPP API granted consent before any click."""
    evidence: list[dict[str, Any]] = []
    for phase in result.phases:
        gpp = phase.consent.details.get("gpp_before") if phase.consent else None
        if (granted := gpp_consent(gpp)) is not None:
            assert phase.consent is not None and isinstance(gpp, dict)
            item = {"kind": "gpp", "phase": phase.phase, "page": phase.consent.page}
            item |= {"cmp_id": gpp.get("cmp_id"), "gpp_string": gpp.get("gpp_string")}
            evidence.append(item | granted | {"time_ms": None})
        tcf = (phase.consent.details.get("tcf_before") if phase.consent else None) or {}
        if tcf.get("purpose_consents") or tcf.get("vendor_consent_count"):
            evidence.append(
                {
                    "kind": "tcf",
                    "phase": phase.phase,
                    "page": phase.consent.page if phase.consent else None,
                    "cmp_id": tcf.get("cmp_id"),
                    "tc_string": tcf.get("tc_string"),
                    "event_status": tcf.get("event_status"),
                    "purpose_consents": tcf.get("purpose_consents"),
                    "vendor_consent_count": tcf.get("vendor_consent_count"),
                    "time_ms": None,
                }
            )
    if not evidence:
        return []
    tcf = [e for e in evidence if e["kind"] == "tcf"]
    first_item = (tcf or evidence)[0]
    api = "TCF API" if tcf else "GPP API (its TCF EU v2 section)"
    message = (
        f"Before any click, the {api} reported consent to purposes "
        f"{first_item['purpose_consents']} and {first_item['vendor_consent_count']} vendor(s)"
    )
    first: Phase = evidence[0]["phase"]
    return [_finding("consent_stored_before_choice", "high", first, None, evidence, message)]


def _cookie_services(result: ScanResult) -> dict[tuple[str, str, str], Match]:
    return {(m.phase, m.page, m.value): m for m in result.matches if m.kind == "cookie"}


def cookie_lifetimes(result: ScanResult) -> list[Finding]:
    """``cookie_lifetime_over_13_months``: one finding per cookie name and domain."""
    services = _cookie_services(result)
    seen: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    owner: dict[tuple[str, str], str] = {}
    for phase in result.phases:
        for visit in phase.visits:
            for cookie in visit.cookies:
                days = max(cookie.lifetime_days or 0.0, cookie.requested_lifetime_days or 0.0)
                if days <= MAX_LIFETIME_DAYS:
                    continue
                key = (cookie.name, cookie.domain.lstrip("."))
                match = services.get((phase.phase, visit.url, cookie.name))
                item = {
                    "kind": "cookie",
                    "name": cookie.name,
                    "domain": cookie.domain,
                    "party": cookie.party,
                    "page": visit.url,
                    "phase": phase.phase,
                    "time_ms": cookie.time_ms,
                    "lifetime_days": round(days, 1),
                    "stored_lifetime_days": cookie.lifetime_days,
                    "set_by": cookie.set_by,
                }
                if cookie.sources == ("js",):
                    item["verified"] = False
                if match is not None:
                    item["pattern"] = match.pattern
                    owner.setdefault(key, match.service_id)
                seen[key].append(item)
    findings = []
    for key, evidence in sorted(seen.items()):
        service_id = owner.get(key)
        need = need_of(result.services.get(service_id)) if service_id else "exempt"
        ref = service_ref(result, service_id) if service_id else None
        phase = min((e["phase"] for e in evidence), key=PHASES.index)
        days = max(e["lifetime_days"] for e in evidence)
        message = f"Cookie {key[0]} ({key[1]}) lives {days:.0f} days, over 13 months"
        severity = "medium" if need != "exempt" else "low"
        findings.append(
            _finding("cookie_lifetime_over_13_months", severity, phase, ref, evidence, message)
        )
    return findings


def unknown_third_parties(result: ScanResult) -> list[Finding]:
    """``unknown_third_party``: third-party hosts with requests no signature matched."""
    matched = {(m.phase, m.page, m.value) for m in result.matches if m.kind == "request"}
    hosts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for phase in result.phases:
        for visit in phase.visits:
            for r in visit.requests:
                if r.party != "third" or not r.url.startswith(("http://", "https://")):
                    continue
                if (phase.phase, visit.url, r.url) in matched:
                    continue
                hosts[r.host].append(
                    {
                        "kind": "request",
                        "url": r.url,
                        "host": r.host,
                        "party": r.party,
                        "page": visit.url,
                        "phase": phase.phase,
                        "time_ms": r.time_ms,
                        "resource_type": r.resource_type,
                    }
                )
    findings = []
    for host, evidence in sorted(hosts.items()):
        phase = min((e["phase"] for e in evidence), key=PHASES.index)
        message = f"{host} matches no known service: review it"
        findings.append(_finding("unknown_third_party", "info", phase, None, evidence, message))
    return findings
