"""The top of the HTML report: the verdict, the banner line and one card per consent phase.

Also how a service card shows each phase. The chips and labels agree with the judge: after a
consent click only what the findings flag is red (``reports.marks``).
"""

from __future__ import annotations

from typing import Any

from .marks import ConsentMarks
from .view import SITE_VERDICTS, UNKNOWN, ResultView, as_list

__all__ = ["banner_line", "phase_card", "seen_in", "status"]


_LEVELS = {
    "violations": "bad",
    "issues": "review",
    "consent-not-tested": "review",
    "access-limited": "review",
    "no-issues-found": "good",
}


def status(view: ResultView, counts: dict[str, int]) -> dict[str, Any]:
    """Headline of the report: the judge's site verdict, or one from the finding counts."""
    parts = [f"{counts[s]} {s}" for s in ("high", "medium", "low") if counts[s]]
    detail = (
        f"{' and '.join(parts) if len(parts) < 3 else ', '.join(parts)}-severity "
        f"finding{'s' * (sum(counts[s] for s in ('high', 'medium', 'low')) != 1)}"
        if parts
        else "No finding of high, medium or low severity"
    )
    site = view.site_verdict()
    verdict = site.get("verdict")
    reasons = [str(r) for r in as_list(site.get("reasons"))]
    if verdict in SITE_VERDICTS:
        return {
            "level": _LEVELS.get(str(verdict), "review"),
            "headline": SITE_VERDICTS[str(verdict)],
            "detail": detail,
            "reasons": reasons,
        }
    if counts["high"]:
        level, headline = "bad", "Violations found"
    elif counts["medium"] or counts["low"]:
        level, headline = "review", "Issues found"
    elif not view.result.phases:
        level, headline = "review", "Nothing was scanned"
    else:
        level, headline = "good", "No issues found on the pages visited"
    return {"level": level, "headline": headline, "detail": detail, "reasons": reasons}


def phase_card(view: ResultView, marks: ConsentMarks, name: str) -> dict[str, Any]:
    phase = view.phase(name)
    if phase is None:
        return {"phase": name, "run": False}
    services = []
    for sid in view.services_in(name):
        if sid == UNKNOWN:
            continue
        need = view.needs_consent(sid)
        # Before any choice, whatever needs consent is a violation. After a click, only
        # what the judge flags (reports.marks): firing before the click is no refusal ignored.
        mark = marks.service(name, sid) if name != "no-interaction" else None
        services.append(
            {
                "name": view.service_name(sid),
                "category": view.category(sid),
                "consent": need,
                "flag": mark.flag if mark else need,
                "note": mark.note if mark else "",
            }
        )
    seen = [s for s in view.seen if s.phase == name]
    unknown_hosts = {s.host for s in seen if s.service_id == UNKNOWN and s.kind == "request"}
    return {
        "phase": name,
        "run": True,
        "pages": len(phase.visits),
        "services": services,
        "needing_consent": sum(s["consent"] == "yes" for s in services),
        "unknown_hosts": sorted(unknown_hosts),
        "third_requests": sum(s.kind == "request" and s.party == "third" for s in seen),
        "cookies_first": len(
            {(s.value, s.domain) for s in seen if s.kind == "cookie" and s.party == "first"}
        ),
        "cookies_third": len(
            {(s.value, s.domain) for s in seen if s.kind == "cookie" and s.party == "third"}
        ),
    }


def banner_line(view: ResultView) -> dict[str, Any]:
    actions = [p.consent for p in view.result.phases if p.consent is not None]
    if not actions:
        return {"state": "untested", "text": "Not tested (only the no-interaction phase ran)"}
    done = [a for a in actions if a.outcome == "done"]
    if any(f.type == "no_consent_banner" for f in view.result.findings) or not done:
        failed = [a for a in actions if a.outcome == "failed"]
        if failed:
            return {"state": "bad", "text": "Banner found, but clicking it failed"}
        return {"state": "bad", "text": "No consent banner found"}
    labels = {"accept-all": "“Accept all”", "reject-all": "“Reject all”"}
    clicked = " and ".join(labels[a.action] for a in done)
    missing = [labels[a.action] for a in actions if a.outcome != "done"]
    text = f"Banner found: {clicked} clicked"
    if missing:
        text += f"; no {' or '.join(missing)} button found"
    return {"state": "good" if not missing else "bad", "text": text}


def seen_in(
    view: ResultView, marks: ConsentMarks, sid: str, phase: str, on: bool
) -> dict[str, str]:
    """How a service card shows one phase: CSS class, text and tooltip."""
    if not on:
        return {"css": "", "text": "not seen", "note": ""}
    if phase == "no-interaction":
        bad = view.needs_consent(sid) == "yes"
        return {"css": "on bad" if bad else "on", "text": "seen", "note": ""}
    mark = marks.service(phase, sid)
    if mark.violation:
        return {"css": "on bad", "text": "seen", "note": mark.note}
    if mark.before_only:
        return {"css": "on before", "text": "before the choice only", "note": mark.note}
    return {"css": "on", "text": "seen", "note": mark.note}
