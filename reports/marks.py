"""Which services a report marks as violations in each consent phase, agreeing with the judge.

In ``accept-all`` and ``reject-all`` a service is often contacted on the start page *before*
the visitor's click, and never again. That is no refusal ignored: the judge raises no
``tracking_after_reject`` for it, and a report that painted it red under "After rejecting all"
would tell a DPO the opposite of the findings. So, per consent phase:

- a service is a **violation** only in ``reject-all``, and only when the judge raised
  ``tracking_after_reject`` for it (red for high severity, amber for medium);
- it is **before the choice only** when every observation of it in that phase can be placed
  before the click (shown muted);
- it is merely **seen** otherwise (neutral).

``no-interaction`` is left to the callers: there, anything needing consent is a violation.

Results without judge output (no findings at all: older saved results) fall back to the
judge's own rule: a service that needs consent (``yes``/``depends``) is a violation in
``reject-all`` when one of its observations came after the click: later than
``consent.details["time_ms"]`` on the page of the click, or on a page opened after
``consent.time``. Untimed storage keys and untimed observations on the click page count as
before it, as in ``scanner.analyse.judge``.

Example::

    marks = ConsentMarks(ResultView(result))
    marks.service("reject-all", "google-analytics-4").flag   # "before": fired before the click
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scanner.model import PhaseResult, Visit

from .view import UNKNOWN, ResultView, Seen

#: The finding that makes a service a violation in each phase (none in accept-all).
VIOLATION_TYPES: dict[str, str] = {
    "no-interaction": "tracking_before_consent",
    "reject-all": "tracking_after_reject",
}
CONSENT_PHASES = ("accept-all", "reject-all")
_ACTION = {"accept-all": "“Accept all”", "reject-all": "“Reject all”"}


@dataclass(frozen=True)
class Mark:
    """How one service is shown in one consent phase (or on one page of it).

    ``flag`` is the CSS class of its chip: ``yes`` (red) or ``depends`` (amber) for a
    violation, ``before`` (muted) when it fired only before the click, ``ok`` otherwise.
    """

    flag: str
    note: str

    @property
    def violation(self) -> bool:
        return self.flag in ("yes", "depends")

    @property
    def before_only(self) -> bool:
        return self.flag == "before"


def click_time_ms(phase: PhaseResult, visit: Visit) -> float | None:
    """When the consent button was clicked, in ms since ``visit`` started navigating.

    ``None`` when the click was not done or not on ``visit``. Falls back to the ISO time of
    the click when ``consent.details`` has no ``time_ms`` (older results).
    """
    consent = phase.consent
    if consent is None or consent.outcome != "done":
        return None
    if consent.page not in (None, visit.url, visit.final_url):
        return None
    value = consent.details.get("time_ms") if isinstance(consent.details, dict) else None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    clicked, started = _when(consent.time), _when(visit.started_at)
    try:
        delta = (clicked - started).total_seconds() * 1000  # type: ignore[operator]
    except TypeError:  # a time missing, or one with a time zone and one without
        return None
    return delta if delta >= 0 else None


def after_click(phase: PhaseResult, seen: Seen) -> bool | None:
    """Whether ``seen`` happened after the consent click of ``phase`` (mirrors the judge).

    ``False`` when no click was done; ``None`` when it cannot be told (an untimed
    observation on the page of the click).
    """
    consent = phase.consent
    if consent is None or consent.outcome != "done":
        return False
    time_ms = seen.item.time_ms
    if seen.kind == "storage" and time_ms is None:
        return False  # a key kept from before the choice, not written after it
    visit = seen.visit
    if consent.page in (visit.url, visit.final_url):
        click = click_time_ms(phase, visit)
        if time_ms is None or click is None:
            return None
        return time_ms > click
    if _earlier(visit.started_at, consent.time):
        return False  # this page was opened before the click (pages run in parallel)
    return True


class ConsentMarks:
    """Marks for every service in the consent phases of one result; see the module doc."""

    def __init__(self, view: ResultView) -> None:
        self.view = view
        #: Judge output present: the judge always writes at least its ``verdict`` finding.
        self.judged = bool(view.result.findings)
        self._by: dict[tuple[str, str], list[Seen]] = {}
        for s in view.seen:
            if s.service_id:
                self._by.setdefault((s.phase, s.service_id), []).append(s)
        # (phase, service id) -> (severity, pages) of the judge's violation finding
        self._flagged: dict[tuple[str, str], tuple[str, set[str]]] = {}
        for f in view.findings():
            sid = view.finding_service_id(f)
            if sid and f.phase and VIOLATION_TYPES.get(f.phase) == f.type:
                severity, pages = self._flagged.get((f.phase, sid), ("info", set()))
                pages |= {p for p in f.pages if isinstance(p, str)}
                pages |= {
                    str(e["page"]) for e in f.evidence if isinstance(e, dict) and e.get("page")
                }
                worst = "high" if "high" in (severity, f.severity) else f.severity
                self._flagged[(f.phase, sid)] = (worst, pages)

    def service(self, phase: str, service_id: str) -> Mark:
        """The mark of ``service_id`` across every page of consent phase ``phase``."""
        return self._mark(phase, service_id, None)

    def on_page(self, phase: str, service_id: str, visit: Visit, host: str = "") -> Mark:
        """The mark of ``service_id`` on one page (one unknown ``host`` when given)."""
        return self._mark(phase, service_id, visit, host)

    def flagged_pages(self, phase: str, service_id: str) -> set[str]:
        """Pages where ``service_id`` was a violation in ``phase`` (judge or fallback)."""
        if self.judged:
            return set(self._flagged.get((phase, service_id), ("", set()))[1])
        if phase != "reject-all" or not self._needs(service_id):
            return set()
        result = self.view.phase(phase)
        seen = self._seen(phase, service_id, None, "")
        return {s.visit.url for s in seen if result and after_click(result, s) is True}

    def _mark(self, phase: str, sid: str, visit: Visit | None, host: str = "") -> Mark:
        result = self.view.phase(phase)
        if result is None or phase not in CONSENT_PHASES:
            return Mark("ok", "")
        seen = self._seen(phase, sid, visit, host)
        after = [after_click(result, s) for s in seen]
        action = _ACTION[phase]
        level = self._violation(phase, sid, visit, seen, after)
        if level:
            return Mark(level, f"fired after {action} was clicked: tracking after refusal")
        if seen and all(a is False for a in after):
            if result.consent is None or result.consent.outcome != "done":
                return Mark("before", f"no choice was made: {action} could not be clicked")
            return Mark("before", f"fired only before {action} was clicked")
        return Mark("ok", "")

    def _violation(
        self,
        phase: str,
        sid: str,
        visit: Visit | None,
        seen: list[Seen],
        after: list[bool | None],
    ) -> str:
        if phase != "reject-all" or sid == UNKNOWN:
            return ""
        if self.judged:
            severity, pages = self._flagged.get((phase, sid), ("", set()))
            if not severity or (visit is not None and not {visit.url, visit.final_url} & pages):
                return ""
            return "yes" if severity == "high" else "depends"
        need = self.view.needs_consent(sid)
        if need in ("yes", "depends") and any(a is True for a in after):
            return need
        return ""

    def _needs(self, sid: str) -> bool:
        return self.view.needs_consent(sid) in ("yes", "depends")

    def _seen(self, phase: str, sid: str, visit: Visit | None, host: str) -> list[Seen]:
        return [
            s
            for s in self._by.get((phase, sid), [])
            if (visit is None or s.visit is visit) and (not host or s.host == host)
        ]


def _earlier(a: str | None, b: str | None) -> bool:
    """Whether ISO time ``a`` is before ``b`` (``False`` when either cannot be read)."""
    first, second = _when(a), _when(b)
    try:
        return first is not None and second is not None and first < second
    except TypeError:  # one has a time zone, the other not
        return False


def _when(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text or "")
    except (TypeError, ValueError):
        return None
