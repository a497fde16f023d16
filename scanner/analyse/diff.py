"""What changed between two scans of a site: services, cookies, third-party hosts, findings.

Each is compared per consent phase, by a stable key: a service by its id, a cookie by name
and domain, a host by name, a finding by type, phase and service. ``diff_results(old, new)``
returns plain JSON; ``new_findings`` and ``fail_on`` serve the ``--fail-on`` exit codes.

Example::

    changes = diff_results(old, new)
    changes["phases"]["no-interaction"]["cookies"]["appeared"]
    # [{"name": "_fbp", "domain": "example.com", "party": "first", "pages": [...]}]
"""

from __future__ import annotations

from typing import Any

from scanner.model import PHASES, Finding, ScanResult

SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3}
FAIL_ON = ("high", "medium", "new")
KINDS = ("services", "cookies", "third_party_hosts", "findings")


def inventory(result: ScanResult) -> dict[str, dict[str, dict[Any, dict[str, Any]]]]:
    """Per phase and kind: key -> a JSON description of the item (with pages where seen)."""
    out: dict[str, dict[str, dict[Any, dict[str, Any]]]] = {}
    for phase in result.phases:
        items: dict[str, dict[Any, dict[str, Any]]] = {k: {} for k in KINDS}
        for visit in phase.visits:
            for cookie in visit.cookies:
                domain = cookie.domain.lstrip(".")
                entry = items["cookies"].setdefault(
                    (cookie.name, domain),
                    {"name": cookie.name, "domain": domain, "party": cookie.party, "pages": []},
                )
                _add_page(entry, visit.url)
            for request in visit.requests:
                if request.party == "third":
                    entry = items["third_party_hosts"].setdefault(
                        request.host, {"host": request.host, "pages": []}
                    )
                    _add_page(entry, visit.url)
        out[phase.phase] = items
    for match in result.matches:
        items = out.setdefault(match.phase, {k: {} for k in KINDS})
        service = result.services.get(match.service_id, {})
        entry = items["services"].setdefault(
            match.service_id,
            {"id": match.service_id, "name": service.get("name", match.service_id), "pages": []},
        )
        _add_page(entry, match.page)
    for finding in result.findings:
        phase_name = finding.phase or "scan"
        items = out.setdefault(phase_name, {k: {} for k in KINDS})
        items["findings"][finding_key(finding)] = finding_dict(finding)
    return out


def finding_dict(finding: Finding) -> dict[str, Any]:
    """A finding as it shows in a diff and a schedule's webhook: its service by id only."""
    return {
        "type": finding.type,
        "severity": finding.severity,
        "phase": finding.phase,
        "service": (finding.service or {}).get("id"),
        "message": finding.message,
        "pages": list(finding.pages),
    }


def _add_page(entry: dict[str, Any], page: str) -> None:
    if page not in entry["pages"]:
        entry["pages"].append(page)


def finding_key(finding: Finding) -> tuple[str, str | None, str | None, str]:
    """What makes a finding "the same" in two scans: type, phase, service and subject.

    The subject tells apart findings of one type and service: a cookie (``name@domain``),
    an unknown third-party host, or the site's verdict.
    """
    evidence = finding.evidence[0] if finding.evidence else {}
    service = (finding.service or {}).get("id")
    if evidence.get("kind") == "cookie":
        subject = f"{evidence.get('name')}@{str(evidence.get('domain', '')).lstrip('.')}"
    elif evidence.get("kind") == "verdict":
        subject = str(evidence.get("verdict", ""))
    elif service is None:
        subject = str(evidence.get("host", ""))
    else:
        subject = ""
    return (finding.type, finding.phase, service, subject)


def diff_results(old: ScanResult, new: ScanResult) -> dict[str, Any]:
    """What appeared and disappeared from ``old`` to ``new``, per phase and kind.

    A phase run in only one of the scans is reported under ``phases_only_in`` and not
    compared (everything in it would look new or gone).
    """
    before, after = inventory(old), inventory(new)
    order = [*PHASES, "scan"]
    compared = [p for p in order if p in before and p in after]
    phases: dict[str, Any] = {}
    totals = {k: {"appeared": 0, "disappeared": 0} for k in KINDS}
    for phase in compared:
        phases[phase] = {}
        for kind in KINDS:
            old_items, new_items = before[phase][kind], after[phase][kind]
            appeared = [new_items[k] for k in sorted(new_items.keys() - old_items.keys(), key=str)]
            gone = [old_items[k] for k in sorted(old_items.keys() - new_items.keys(), key=str)]
            phases[phase][kind] = {"appeared": appeared, "disappeared": gone}
            totals[kind]["appeared"] += len(appeared)
            totals[kind]["disappeared"] += len(gone)
    return {
        "old": _describe(old),
        "new": _describe(new),
        "changed": any(t["appeared"] or t["disappeared"] for t in totals.values()),
        "totals": totals,
        "phases": phases,
        "phases_only_in": {
            "old": [p for p in order if p in before and p not in after],
            "new": [p for p in order if p in after and p not in before],
        },
    }


#: The configuration fields that say who the visitor was (``--device``, ``--proxy``…).
VISITOR_FIELDS = ("device", "locale", "timezone", "geolocation", "proxy", "user_agent", "gpc",
                  "cookies", "headers", "storage_state")  # fmt: skip


def _describe(result: ScanResult) -> dict[str, Any]:
    config = result.config or {}
    return {
        "start_url": result.start_url,
        "started_at": result.started_at,
        "complete": result.complete,
        "tool_version": result.tool_version,
        "visitor": {k: config[k] for k in VISITOR_FIELDS if config.get(k) not in (None, "", [])},
    }


def new_findings(
    new: ScanResult, old: ScanResult | None, *, min_severity: str = "low"
) -> list[Finding]:
    """Findings of ``new`` that ``old`` did not have (all of them when there is no ``old``),
    at ``min_severity`` or worse (``info`` findings, such as the verdict, count only when
    asked)."""
    seen = {finding_key(f) for f in old.findings} if old is not None else set()
    floor = SEVERITY_RANK[min_severity]
    return [
        f
        for f in new.findings
        if finding_key(f) not in seen and SEVERITY_RANK.get(f.severity, 0) >= floor
    ]


def fail_on(result: ScanResult, levels: tuple[str, ...], old: ScanResult | None) -> list[str]:
    """Why ``--fail-on LEVEL...`` fails this result (an empty list: it passes).

    ``high``/``medium``: a finding of that severity or worse; ``new``: a finding of severity
    ``low`` or worse that the site's previous scan (``old``) did not have.
    """
    reasons: list[str] = []
    for level in levels:
        if level not in FAIL_ON:
            raise ValueError(f"unknown --fail-on {level!r}; choose from {', '.join(FAIL_ON)}")
        if level == "new":
            found = new_findings(result, old)
        else:
            floor = SEVERITY_RANK[level]
            found = [f for f in result.findings if SEVERITY_RANK.get(f.severity, 0) >= floor]
        for finding in found:
            reasons.append(
                f"{result.start_url}: {level}: {finding.severity} {finding.type}"
                + (f" ({finding.phase})" if finding.phase else "")
                + (f": {finding.message}" if finding.message else "")
            )
    return list(dict.fromkeys(reasons))


def format_text(changes: dict[str, Any]) -> str:
    """A short human-readable rendering of ``diff_results`` output."""
    lines = [
        f"{changes['old']['start_url']}: {changes['old']['started_at']} -> "
        f"{changes['new']['started_at']}"
    ]
    old_visitor, new_visitor = changes["old"].get("visitor"), changes["new"].get("visitor")
    if old_visitor != new_visitor:  # two profiles: what differs is what the profile changes
        lines.append(f"visitor: {_visitor(old_visitor)} -> {_visitor(new_visitor)}")
    if not changes["changed"]:
        lines.append("no changes")
    labels = {"services": "service", "cookies": "cookie", "third_party_hosts": "host"}
    for phase, kinds in changes["phases"].items():
        for kind, change in kinds.items():
            for sign, key in (("+", "appeared"), ("-", "disappeared")):
                for item in change[key]:
                    lines.append(f"[{phase}] {sign} {labels.get(kind, 'finding')} {_label(item)}")
    for side in ("old", "new"):
        for phase in changes["phases_only_in"][side]:
            lines.append(f"[{phase}] only in the {side} scan: not compared")
    return "\n".join(lines) + "\n"


def _visitor(visitor: dict[str, Any] | None) -> str:
    shown = {k: v for k, v in (visitor or {}).items() if k != "user_agent"}
    return ", ".join(f"{k}={v}" for k, v in shown.items()) or "desktop (default)"


def _label(item: dict[str, Any]) -> str:
    if "domain" in item:
        return f"{item['name']} ({item['domain']}, {item['party']} party)"
    if "host" in item:
        return item["host"]
    if "type" in item:
        return f"{item['severity']} {item['type']}" + (
            f" ({item['service']})" if item["service"] else ""
        )
    return f"{item['name']} ({item['id']})" if item["name"] != item["id"] else item["id"]
