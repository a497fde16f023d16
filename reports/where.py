"""Where each thing was seen, folded for reading: the page × service matrix, storage keys
grouped across pages, and the "unknown third party" findings as one table.

A crawl of 40 pages repeats the same services, storage keys and unknown hosts on every page;
listed per page they bury what differs. The HTML and Markdown reports show them once each,
with the pages and phases they were seen in. The tables (CSV/XLSX) keep one row per page.

Example::

    view = ResultView(result)
    matrix = page_service_matrix(view, ConsentMarks(view))
    matrix["rows"][0]["cells"][0]  # [{"phase": "no-interaction", "letter": "B", "css": "bad"}]
    storage_groups(view)[0]["pages"]  # 12: the key was seen on 12 pages
"""

from __future__ import annotations

from typing import Any

from scanner.model import Finding, StorageItem

from .marks import ConsentMarks
from .view import PHASE_LABELS, UNKNOWN, ResultView, category_order

__all__ = [
    "MAX_MATRIX_PAGES",
    "MAX_MATRIX_SERVICES",
    "PHASE_LETTERS",
    "page_service_matrix",
    "storage_groups",
    "unknown_party_findings",
]

#: One letter per consent phase in a matrix cell (the legend says which is which).
PHASE_LETTERS = {"no-interaction": "B", "accept-all": "A", "reject-all": "R"}
MAX_MATRIX_PAGES = 60
MAX_MATRIX_SERVICES = 40
UNKNOWN_FINDING = "unknown_third_party"


def page_service_matrix(view: ResultView, marks: ConsentMarks) -> dict[str, Any]:
    """Pages (rows) × known services (columns); each cell lists the phases the service was
    seen in on that page, marked ``bad`` where that was a violation (needs consent and seen
    before any choice, or flagged after "Reject all"), ``before`` where it fired only before
    the click. A last column counts unknown third-party hosts on the page."""
    phases = view.phases_run()
    pages: dict[str, dict[str, Any]] = {}  # url -> {phase: visit}
    for phase_result in view.result.phases:
        for visit in phase_result.visits:
            pages.setdefault(visit.url, {})[phase_result.phase] = visit
    seen: dict[tuple[str, str, str], bool] = {}  # (page, service, phase)
    unknown: dict[str, set[str]] = {}
    for s in view.seen:
        if not s.service_id:
            continue
        if s.service_id == UNKNOWN:
            if s.kind == "request":
                unknown.setdefault(s.visit.url, set()).add(s.host)
            continue
        seen[(s.visit.url, s.service_id, s.phase)] = True
    seen_ids = {k[1] for k in seen}
    ids = [sid for sid in view.all_service_ids() if sid in seen_ids]
    shown_ids = ids[:MAX_MATRIX_SERVICES]
    rows = []
    for url, visits in list(pages.items())[:MAX_MATRIX_PAGES]:
        cells = []
        for sid in shown_ids:
            cell = []
            for phase in phases:
                if (url, sid, phase) in seen:
                    cell.append(_cell(view, marks, sid, phase, visits[phase]))
            cells.append(cell)
        rows.append({"page": url, "cells": cells, "unknown": len(unknown.get(url, ()))})
    return {
        "phases": [
            (p, PHASE_LETTERS.get(p, p[:1].upper()), PHASE_LABELS.get(p, p)) for p in phases
        ],
        "services": [
            {"id": sid, "name": view.service_name(sid), "category": view.category(sid)}
            for sid in shown_ids
        ],
        "rows": rows,
        "hidden_pages": max(0, len(pages) - MAX_MATRIX_PAGES),
        "hidden_services": max(0, len(ids) - MAX_MATRIX_SERVICES),
    }


def _cell(view: ResultView, marks: ConsentMarks, sid: str, phase: str, visit: Any) -> dict:
    letter = PHASE_LETTERS.get(phase, phase[:1].upper())
    label = PHASE_LABELS.get(phase, phase)
    if phase == "no-interaction":
        bad = view.needs_consent(sid) == "yes"
        css, note = ("bad", "needs consent: seen before any choice") if bad else ("", "")
    else:
        mark = marks.on_page(phase, sid, visit)
        css = "bad" if mark.violation else ("before" if mark.before_only else "")
        note = mark.note
    title = f"{view.service_name(sid)}: {label}" + (f" ({note})" if note else "")
    return {"phase": phase, "letter": letter, "css": css, "title": title}


def storage_groups(view: ResultView) -> list[dict[str, Any]]:
    """Each storage key once per (kind, origin, key), with its pages, phases and service;
    sorted by category, then origin and key."""
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for s in view.seen:
        item = s.item
        if not isinstance(item, StorageItem):
            continue
        sid = s.service_id if s.service_id != UNKNOWN else None
        group = groups.setdefault(
            (item.kind, item.origin, item.key),
            {
                "kind": item.kind,
                "origin": item.origin,
                "key": item.key,
                "party": item.party,
                "service": view.service_name(sid) if sid else "",
                "category": view.category(sid),
                "pattern": s.pattern,
                "pages": set(),
                "phases": set(),
                "value_length": item.value_length,
            },
        )
        group["pages"].add(s.visit.url)
        group["phases"].add(s.phase)
        group["value_length"] = max(group["value_length"], item.value_length)
    order = list(PHASE_LABELS)
    out = []
    for g in sorted(
        groups.values(),
        key=lambda g: (category_order(g["category"]), g["origin"], g["key"], g["kind"]),
    ):
        phases = sorted(g["phases"], key=lambda p: order.index(p) if p in order else 9)
        out.append(g | {"pages": len(g["pages"]), "phases": phases})
    return out


def unknown_party_findings(findings: list[Finding]) -> tuple[list[Finding], list[dict]]:
    """``(other findings, one row per unknown host)``: the ``unknown_third_party`` findings,
    one per host, folded into rows of one table (host, phases, pages, requests, example)."""
    others: list[Finding] = []
    rows: dict[str, dict[str, Any]] = {}
    for f in findings:
        if f.type != UNKNOWN_FINDING:
            others.append(f)
            continue
        evidence = [e for e in f.evidence if isinstance(e, dict)]
        host = next((str(e["host"]) for e in evidence if e.get("host")), "") or (
            f.message.split(" ", 1)[0] if f.message else "?"
        )
        row = rows.setdefault(
            host,
            {"host": host, "phases": set(), "pages": set(), "observations": 0, "example": ""},
        )
        if f.phase:
            row["phases"].add(f.phase)
        row["pages"] |= {p for p in f.pages if isinstance(p, str)}
        row["observations"] += len(evidence)
        example = next((str(e.get("url") or "") for e in evidence if e.get("url")), "")
        row["example"] = row["example"] or example
        row["severity"] = f.severity
    order = list(PHASE_LABELS)
    folded = [
        r
        | {
            "phases": sorted(r["phases"], key=lambda p: order.index(p) if p in order else 9),
            "pages": len(r["pages"]),
        }
        for r in sorted(rows.values(), key=lambda r: (-r["observations"], r["host"]))
    ]
    return others, folded
