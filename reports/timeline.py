"""Geometry of the timeline chart: when each service first fired on the landing page.

One chart per phase, drawn from the first page visited in that phase (where the consent click
happens): a row per service (unmatched third-party hosts get a row each), a tick per request,
a dot at the first one, and a dashed line at the consent click. The template draws the SVG from
these numbers; every label is escaped there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from scanner.model import PhaseResult, Request, Visit

from .marks import ConsentMarks, click_time_ms
from .view import UNKNOWN, ResultView, category_order

__all__ = ["COLORS", "Chart", "Row", "build_charts", "click_time_ms"]

WIDTH = 880
LABEL_W = 210
ROW_H = 24
TOP = 30
BOTTOM = 26
RIGHT = 24
MAX_ROWS = 30

COLORS = {
    "necessary": "#64748b",
    "functional": "#0284c7",
    "analytics": "#d97706",
    "marketing": "#e11d48",
    "social": "#7c3aed",
    "embedded-media": "#0d9488",
    "tag-manager": "#4f46e5",
    "cdn": "#94a3b8",
    "security": "#16a34a",
    "consent": "#059669",
    UNKNOWN: "#57534e",
}


@dataclass
class Row:
    label: str
    category: str
    color: str
    first_ms: float
    last_ms: float
    count: int
    y: float = 0.0
    x_first: float = 0.0
    x_last: float = 0.0
    ticks: list[float] = field(default_factory=list)
    before_click: bool = True
    needs_consent: str = "unknown"
    #: ``violation`` (label in red), ``before`` (muted: fired only before the click) or ``""``
    mark: str = ""
    note: str = ""


@dataclass
class Chart:
    phase: str
    page: str
    rows: list[Row]
    width: int
    height: int
    axis: list[tuple[float, str]]
    click_x: float | None
    click_ms: float | None
    click_label: str
    hidden_rows: int
    other_pages_only: list[str]
    #: services the findings flag in this phase on other pages only
    flagged_elsewhere: list[str] = field(default_factory=list)
    label_w: int = LABEL_W
    top: int = TOP


def build_charts(view: ResultView) -> list[Chart]:
    charts = []
    marks = ConsentMarks(view)
    for phase in view.result.phases:
        if not phase.visits:
            continue
        landing = phase.visits[0]
        chart = _chart(view, marks, phase, landing)
        if chart is not None:
            charts.append(chart)
    return charts


def _chart(view: ResultView, marks: ConsentMarks, phase: PhaseResult, visit: Visit) -> Chart | None:
    groups: dict[tuple[str, str], list[float]] = {}
    seen_here: set[str] = set()
    for s in view.seen:
        if s.visit is not visit or not isinstance(s.item, Request) or not s.service_id:
            continue
        key = (s.service_id, s.item.host if s.service_id == UNKNOWN else "")
        groups.setdefault(key, []).append(s.item.time_ms)
        seen_here.add(s.service_id)
    elsewhere = sorted(
        {
            view.service_name(s.service_id)
            for s in view.seen
            if s.phase == phase.phase
            and s.service_id
            and s.service_id != UNKNOWN
            and s.service_id not in seen_here
        }
    )
    if not groups:
        return None
    click = click_time_ms(phase, visit)
    rows = []
    for (sid, host), times in groups.items():
        category = view.category(sid)
        mark, note = _row_mark(view, marks, phase.phase, sid, visit, host)
        rows.append(
            Row(
                label=host if sid == UNKNOWN else view.service_name(sid),
                category=category,
                color=COLORS.get(category, COLORS[UNKNOWN]),
                first_ms=min(times),
                last_ms=max(times),
                count=len(times),
                ticks=sorted(times),
                before_click=click is None or min(times) < click,
                needs_consent=view.needs_consent(sid),
                mark=mark,
                note=note,
            )
        )
    rows.sort(key=lambda r: (r.first_ms, category_order(r.category), r.label))
    hidden = max(0, len(rows) - MAX_ROWS)
    rows = rows[:MAX_ROWS]
    span = max([r.last_ms for r in rows] + [click or 0.0, 1.0])
    step = _nice_step(span)
    end = step * math.ceil(span * 1.02 / step)
    plot_w = WIDTH - LABEL_W - RIGHT

    def x(ms: float) -> float:
        return round(LABEL_W + plot_w * max(ms, 0.0) / end, 1)

    for i, row in enumerate(rows):
        row.y = TOP + i * ROW_H + ROW_H / 2
        row.x_first, row.x_last = x(row.first_ms), x(row.last_ms)
        row.ticks = [x(t) for t in row.ticks]
    axis = [(x(t), _tick_label(t, step)) for t in _frange(0.0, end, step)]
    phase_action = {"accept-all": "Accept all", "reject-all": "Reject all"}.get(phase.phase, "")
    return Chart(
        phase=phase.phase,
        page=visit.url,
        rows=rows,
        width=WIDTH,
        height=TOP + len(rows) * ROW_H + BOTTOM,
        axis=axis,
        click_x=x(click) if click is not None else None,
        click_ms=click,
        click_label=f"“{phase_action}” clicked" if phase_action else "consent click",
        hidden_rows=hidden,
        other_pages_only=elsewhere,
        flagged_elsewhere=sorted(
            view.service_name(sid)
            for sid in seen_here
            if sid != UNKNOWN
            and not {visit.url, visit.final_url} & marks.flagged_pages(phase.phase, sid)
            and marks.flagged_pages(phase.phase, sid)
            and phase.phase != "no-interaction"
        ),
    )


def _row_mark(
    view: ResultView, marks: ConsentMarks, phase: str, sid: str, visit: Visit, host: str
) -> tuple[str, str]:
    """(mark, note) of a row: in ``no-interaction`` anything needing consent is red; in a
    consent phase only what the findings flag on this page (``reports.marks``)."""
    if phase == "no-interaction":
        if view.needs_consent(sid) == "yes":
            return "violation", "needs consent, fired before any choice"
        return "", ""
    mark = marks.on_page(phase, sid, visit, host if sid == UNKNOWN else "")
    if mark.violation:
        return "violation", mark.note
    return ("before" if mark.before_only else ""), mark.note


def _nice_step(span_ms: float) -> float:
    raw = span_ms / 6
    magnitude = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * magnitude:
            return m * magnitude
    return 10 * magnitude  # pragma: no cover


def _frange(start: float, stop: float, step: float) -> list[float]:
    n = int(round((stop - start) / step))
    return [start + i * step for i in range(n + 1)]


def _tick_label(ms: float, step: float) -> str:
    if step >= 1000 or ms >= 1000:
        seconds = ms / 1000
        return f"{seconds:g} s" if step >= 100 else f"{seconds:.2f} s"
    return f"{ms:g} ms"
