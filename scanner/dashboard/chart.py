"""The trend chart of a site: findings and third parties per scan, drawn as SVG on the server.

No chart library and no script: an ``<svg>`` with two lines, a point per scan (linked to its
report, with a tooltip) and labelled axes. Time runs left to right in proportion; when a time
cannot be read (a hostile or broken result), the scans are spaced evenly instead. Every text is
escaped here, as the template would.

Example::

    svg = trend_svg([{"id": 1, "started_at": "2025-03-04T10:14:58+00:00",
                      "findings": 4, "third_parties": 5}, ...])
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any

from markupsafe import Markup, escape

WIDTH, HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 20, 34, 42
SERIES = (  # key, label, colour
    ("findings", "Findings", "#b42318"),
    ("third_parties", "Third-party hosts", "#1d5fbf"),
)


def trend_svg(points: list[dict[str, Any]]) -> Markup:
    """The chart of ``points`` (oldest first: id, started_at, findings, third_parties)."""
    if not points:
        return Markup("")
    xs = _x_positions([str(p.get("started_at", "")) for p in points])
    top = _nice_ceiling(max(max(int(p[k]) for p in points) for k, _, _ in SERIES))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y(value: float) -> float:
        return TOP + plot_h - value / top * plot_h

    parts = [
        f'<svg class="trend" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="trend-title">',
        '<title id="trend-title">Findings and third-party hosts per scan</title>',
    ]
    for tick in _ticks(top):
        ty = y(tick)
        parts.append(
            f'<line x1="{LEFT}" y1="{ty:.1f}" x2="{WIDTH - RIGHT}" y2="{ty:.1f}" '
            f'stroke="#e3e6ea" stroke-width="1"/>'
            f'<text x="{LEFT - 8}" y="{ty + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#5b6470">{tick}</text>'
        )
    parts.append(
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" '
        f'stroke="#8a929c" stroke-width="1"/>'
    )
    for index in _label_indexes(len(points)):
        px = LEFT + xs[index] * plot_w
        anchor = "start" if index == 0 and len(points) > 1 else "middle"
        if index == len(points) - 1 and len(points) > 1:
            anchor = "end"
        parts.append(
            f'<text x="{px:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="{anchor}" '
            f'font-size="11" fill="#5b6470">{escape(_day(points[index]["started_at"]))}</text>'
        )
    for n, (key, label, colour) in enumerate(SERIES):
        coords = [(LEFT + x * plot_w, y(int(p[key]))) for x, p in zip(xs, points, strict=True)]
        line = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in coords)
        parts.append(
            f'<polyline class="series series-{key}" points="{line}" fill="none" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
        for (cx, cy), point in zip(coords, points, strict=True):
            tip = f"{point['started_at']}: {point[key]} {label.lower()} (scan {point['id']})"
            parts.append(
                f'<a href="/scans/{int(point["id"])}/report"><circle class="point point-{key}" '
                f'cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="{colour}"><title>{escape(tip)}'
                "</title></circle></a>"
            )
        lx = LEFT + n * 170
        parts.append(
            f'<rect x="{lx}" y="8" width="12" height="12" fill="{colour}"/>'
            f'<text x="{lx + 18}" y="18" font-size="12" fill="#1f2933">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _x_positions(times: list[str]) -> list[float]:
    """Each scan's place from 0 to 1: by time when every time reads, else evenly."""
    if len(times) == 1:
        return [0.5]
    try:
        stamps = [_dt.datetime.fromisoformat(t).timestamp() for t in times]
    except (ValueError, TypeError, OverflowError):
        stamps = []
    if stamps and max(stamps) > min(stamps):
        low, span = min(stamps), max(stamps) - min(stamps)
        return [(s - low) / span for s in stamps]
    return [i / (len(times) - 1) for i in range(len(times))]


def _nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 times a power of ten that is at least ``value`` (and 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def _ticks(top: int) -> list[int]:
    step = max(1, top // 5) if top > 5 else 1
    return list(range(0, top + 1, step))


def _label_indexes(count: int) -> list[int]:
    if count <= 3:
        return list(range(count))
    return sorted({0, count // 2, count - 1})


def _day(started_at: Any) -> str:
    text = str(started_at)
    return text[:10] if len(text) >= 10 else text
