"""The HTML report: one self-contained page a DPO can read, print or send.

Everything is inline (CSS, a few lines of JavaScript, SVG charts, PNG screenshots as ``data:``
URIs); nothing is fetched. Every string from the scanned site is hostile: Jinja2 autoescapes all
of it, links get an ``href`` only for http(s) URLs (``safe_href``), images only from base64 PNG
``data:`` URIs, and a Content-Security-Policy allows no script but our own (by hash) as a second
line of defence.

Example::

    html = render_html(result)
    html = render_html(new, changes=diff_results(old, new))  # with "Changes since..."
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2

from scanner.model import Cookie, Request, ScanResult

from .changes import build_changes
from .guide import GUIDE, visitor_text
from .marks import ConsentMarks
from .pages import PackPages
from .summary import banner_line, phase_card, seen_in, status
from .timeline import COLORS, build_charts
from .transfers import transfer_summary
from .view import (
    CATEGORIES,
    PHASE_LABELS,
    SERVICE_VERDICTS,
    SEVERITIES,
    UNKNOWN,
    ResultView,
    as_list,
    category_label,
    category_order,
    cookie_value_text,
    finding_label,
    format_lifetime,
    format_ms,
    png_data_uri,
    safe_href,
)
from .where import PHASE_LETTERS, page_service_matrix, storage_groups, unknown_party_findings

TEMPLATES = Path(__file__).parent / "templates"
MAX_EVIDENCE = 25
_KNOWN_EVIDENCE = ("kind", "url", "name", "key", "page", "phase", "time_ms", "pattern")
# Evidence keys that only repeat what the finding already says.
_QUIET_EVIDENCE = ("service_id", "party", "host")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every template, whatever its name
        # Lenient: service facts are optional keys ({% if s.c.risk %} on a missing key).
        undefined=jinja2.Undefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        safe_href=safe_href,
        ms=format_ms,
        lifetime=format_lifetime,
        category=category_label,
        phase=lambda p: PHASE_LABELS.get(p or "", p or "—"),
        finding=finding_label,
        yesno=lambda v: {True: "yes", False: "no"}.get(v, "" if v is None else str(v)),
        join_list=lambda v: ", ".join(str(x) for x in as_list(v)),
    )
    return env


def render_html(
    result: ScanResult,
    *,
    include_cookie_values: bool = False,
    changes: Any = None,
    pack: PackPages | None = None,
) -> str:
    """The report as one HTML document (a ``str``); ``changes``: see ``reports.changes``;
    ``pack``: the page screenshots of the evidence pack the result lies in
    (``reports.pages.read_pack_pages``), shown under each finding."""
    env = _environment()
    script = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    context = build_context(result, include_cookie_values=include_cookie_values, pack=pack)
    return env.get_template("report.html").render(
        **context,
        changes=build_changes(changes, result),
        css=(TEMPLATES / "report.css").read_text(encoding="utf-8"),
        script=script,
        script_hash=f"sha256-{digest}",
    )


def build_context(
    result: ScanResult, *, include_cookie_values: bool = False, pack: PackPages | None = None
) -> dict[str, Any]:
    """Everything the template shows, computed here so the template stays simple."""
    view = ResultView(result)
    position = {id(f): i for i, f in enumerate(result.findings)}
    counts = view.severity_counts()
    marks = ConsentMarks(view)
    categories = _services_by_category(view, marks)
    charts = build_charts(view)
    chart_categories = {row.category for c in charts for row in c.rows}
    findings, unknown_findings = unknown_party_findings(view.sorted_findings())
    return {
        "r": result,
        "view": view,
        "counts": counts,
        "severities": SEVERITIES,
        "status": status(view, counts),
        "phase_cards": [phase_card(view, marks, name) for name in PHASE_LABELS],
        "banner": banner_line(view),
        "findings": [
            _finding(view, f) | {"shots": pack.for_finding(position.get(id(f), -1)) if pack else []}
            for f in findings
        ],
        "pack": pack,
        "unknown_findings": unknown_findings,
        "unknown_guide": GUIDE["unknown_third_party"],
        "finding_count": len(findings) + (1 if unknown_findings else 0),
        "transfers": transfer_summary(view),
        "matrix": page_service_matrix(view, marks),
        "phase_letters": PHASE_LETTERS,
        "storage": storage_groups(view),
        "visitor": visitor_text(result.config),
        "categories": categories,
        "service_count": sum(len(g["services"]) for g in categories),
        "page_count": sum(len(p.visits) for p in result.phases),
        "declaration": _declaration(view),
        "charts": charts,
        "chart_categories": sorted(chart_categories, key=category_order),
        "colors": COLORS,
        "category_labels": CATEGORIES,
        "consents": _consents(view),
        "unknown": _unknown(view),
        "pages": _pages(result),
        "cookies": _cookie_rows(view, include_cookie_values),
        "include_cookie_values": include_cookie_values,
        "provenance": _provenance(result),
    }


def _finding(view: ResultView, f: Any) -> dict[str, Any]:
    rows = []
    for e in f.evidence[:MAX_EVIDENCE]:
        e = e if isinstance(e, dict) else {"value": e}
        what = e.get("url") or e.get("name") or e.get("key") or e.get("host") or e.get("value")
        rows.append(
            {
                "page": e.get("page"),
                "phase": e.get("phase"),
                "time": format_ms(e["time_ms"]) if _is_number(e.get("time_ms")) else "",
                "kind": e.get("kind") or "",
                "what": "" if what is None else str(what),
                "pattern": e.get("pattern"),
                "extra": {
                    k: _short(v)
                    for k, v in e.items()
                    if k not in _KNOWN_EVIDENCE and k not in _QUIET_EVIDENCE and v not in (None, [])
                },
            }
        )
    sid = view.finding_service_id(f)
    return {
        "f": f,
        "label": finding_label(f.type),
        "service": view.finding_service_name(f),
        "category": view.category(sid) if sid else None,
        "evidence": rows,
        "more": max(0, len(f.evidence) - MAX_EVIDENCE),
        "guide": GUIDE.get(f.type) if f.severity != "info" else None,
    }


def _services_by_category(view: ResultView, marks: ConsentMarks) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for sid in view.all_service_ids():
        seen = [s for s in view.seen if s.service_id == sid]
        facts = view.facts(sid)
        vendor = facts.get("vendor") if isinstance(facts.get("vendor"), dict) else {}
        compliance = view.compliance(sid)
        groups.setdefault(view.category(sid), []).append(
            {
                "id": sid,
                "name": view.service_name(sid),
                "facts": facts,
                "vendor": vendor,
                "c": compliance,
                "legal_bases": [
                    b for b in as_list(compliance.get("legal_bases")) if isinstance(b, dict)
                ],
                "transfers": [
                    t for t in as_list(compliance.get("transfers")) if isinstance(t, dict)
                ],
                "consent": view.needs_consent(sid),
                "verdict": view.service_verdicts().get(sid, {}).get("verdict"),
                "verdict_label": SERVICE_VERDICTS.get(
                    str(view.service_verdicts().get(sid, {}).get("verdict")), ""
                ),
                "phases": {
                    p: seen_in(view, marks, sid, p, any(s.phase == p for s in seen))
                    for p in view.phases_run()
                },
                "hosts": sorted({s.host for s in seen if isinstance(s.item, Request)}),
                "cookies": sorted({s.value for s in seen if s.kind == "cookie"}),
                "pages": len({s.visit.url for s in seen}),
            }
        )
    return [{"category": c, "services": groups[c]} for c in sorted(groups, key=category_order)]


def _declaration(view: ResultView) -> list[dict[str, Any]]:
    """Unique cookies (name, domain) grouped by category, for a cookie policy."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for s in view.seen:
        if not isinstance(s.item, Cookie):
            continue
        c = s.item
        key = (c.name, c.domain.lstrip("."))
        sid = s.service_id if s.service_id != UNKNOWN else None
        row = rows.setdefault(
            key,
            {
                "name": c.name,
                "domain": c.domain.lstrip("."),
                "provider": view.vendor(sid) if sid else c.domain.lstrip("."),
                "purpose": view.cookie_purpose(sid, s.pattern, c.name),
                "category": view.category(sid),
                "party": c.party,
                "days": c.lifetime_days,
                "asked": c.requested_lifetime_days,
                "before_choice": False,
            },
        )
        if c.lifetime_days is not None and (row["days"] is None or c.lifetime_days > row["days"]):
            row["days"] = c.lifetime_days
        if c.requested_lifetime_days is not None and (
            row["asked"] is None or c.requested_lifetime_days > row["asked"]
        ):
            row["asked"] = c.requested_lifetime_days
        row["before_choice"] |= s.phase == "no-interaction"
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(rows.values(), key=lambda r: (r["name"].lower(), r["domain"])):
        groups.setdefault(row["category"], []).append(row)
    return [{"category": c, "cookies": groups[c]} for c in sorted(groups, key=category_order)]


def _consents(view: ResultView) -> list[dict[str, Any]]:
    out = []
    for p in view.result.phases:
        a = p.consent
        if a is None:
            continue
        details = a.details if isinstance(a.details, dict) else {}
        shots = [
            (label, png_data_uri(details.get(key)))
            for key, label in (("screenshot_before", "Before"), ("screenshot_after", "After"))
        ]
        out.append({"phase": p.phase, "a": a, "shots": [(lab, uri) for lab, uri in shots if uri]})
    return out


def _unknown(view: ResultView) -> list[dict[str, Any]]:
    cookies = [s for s in view.seen if isinstance(s.item, Cookie) and s.party == "third"]
    out = []
    for host, seen in view.unknown_hosts().items():
        names = sorted({s.value for s in cookies if _domain_covers(s.domain, host)})
        out.append(
            {
                "host": host,
                "requests": len(seen),
                "phases": sorted({s.phase for s in seen}, key=list(PHASE_LABELS).index),
                "pages": len({s.visit.url for s in seen}),
                "example": seen[0].value,
                "types": sorted(
                    {s.item.resource_type for s in seen if isinstance(s.item, Request)}
                ),
                "cookies": names,
            }
        )
    return out


def _pages(result: ScanResult) -> list[dict[str, Any]]:
    return [
        {"phase": p.phase, "visits": p.visits, "errors": sum(len(v.errors) for v in p.visits)}
        for p in result.phases
    ]


def _cookie_rows(view: ResultView, include_values: bool) -> list[dict[str, Any]]:
    rows = []
    for s in view.seen:
        if isinstance(s.item, Cookie):
            c = s.item
            flags = [f for f, on in (("Secure", c.secure), ("HttpOnly", c.http_only)) if on]
            if c.same_site:
                flags.append(f"SameSite={c.same_site}")
            rows.append(
                {
                    "s": s,
                    "c": c,
                    "service": view.service_name(s.service_id),
                    "flags": " ".join(flags),
                    "value": cookie_value_text(c, include_values),
                }
            )
    return rows


def _provenance(result: ScanResult) -> dict[str, Any]:
    duration = ""
    try:
        if result.finished_at:
            delta = datetime.fromisoformat(result.finished_at) - datetime.fromisoformat(
                result.started_at
            )
            duration = format_ms(delta.total_seconds() * 1000)
    except (TypeError, ValueError):
        pass
    config = {
        k: json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v
        for k, v in (result.config or {}).items()
    }
    return {"duration": duration, "config": config}


def _domain_covers(domain: str, host: str) -> bool:
    d = domain.lstrip(".").lower()
    return bool(d) and (host == d or host.endswith("." + d))


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _short(v: Any) -> str:
    text = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)
    return text if len(text) <= 300 else text[:300] + "…"
