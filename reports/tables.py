"""Tidy pandas tables of a result, and their CSV and XLSX exports.

One table per kind — requests, cookies, storage, services, findings, pages — each row carrying
its phase, page, party, service and category, so a spreadsheet can filter on any of them. A
cookie's ``lifetime_days`` is what Chromium stored (at most 400 days);
``requested_lifetime_days`` beside it is what the site asked for, when that was longer;
``read_by`` lists the scripts that read the cookie through ``document.cookie`` on that page.
When a service is known only from a public tracker list, the services table gains a last
column, ``public_list``: "known to <list> (<format>) as <organisation>, <category>; matched
<rule>" (``reports.listed``); such a service is not one of our reviewed signatures, so its
``vendor_country``, ``risk`` and ``legal_bases`` stay empty. Results without one keep the
columns they always had.

Example::

    frames = build_tables(result)
    frames["cookies"].query("phase == 'reject-all' and category == 'marketing'")

Exports neutralise spreadsheet formulas: a cell that starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return gets a leading ``'`` (the scanned site chose those strings).
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pandas as pd

from scanner.model import Cookie, Request, ScanResult, StorageItem

from .view import ResultView, cookie_value_text, format_lifetime

TABLES = ("requests", "cookies", "storage", "services", "findings", "pages")

_OBS = ["phase", "page", "party", "service_id", "service", "category", "pattern"]
COLUMNS: dict[str, list[str]] = {
    "requests": _OBS[:3]
    + ["url", "host", "method", "resource_type", "status", "time_ms", "failure"]
    + _OBS[3:]
    + ["frame_url", "is_main_frame", "initiator", "redirect_chain"],
    "cookies": _OBS[:3]
    + ["name", "domain", "path", "lifetime_days", "lifetime"]
    + ["requested_lifetime_days", "requested_lifetime", "secure", "http_only"]
    + ["same_site", "sources", "set_by", "time_ms", "value_sha256", "value_length"]
    + _OBS[3:]
    + ["purpose", "blocked_reason", "partition_key", "read_by"],
    "storage": _OBS[:3] + ["kind", "origin", "key", "value_length"] + _OBS[3:],
    "services": ["phase", "page", "party", "service_id", "service", "category"]
    + ["vendor", "vendor_country", "pages", "requests", "cookies", "storage"]
    + ["first_time_ms", "needs_consent", "verdict", "consent_required", "risk"]
    + ["server_locations"]
    + ["data_transfers_outside_eu", "legal_bases"],
    "findings": ["phase", "page", "party", "service_id", "service", "category"]
    + ["type", "severity", "message", "pages", "evidence_count", "evidence"],
    "pages": ["phase", "page", "final_url", "depth", "status", "title", "started_at"]
    + ["duration_ms", "requests", "third_party_requests", "cookies", "storage"]
    + ["links_found", "errors"],
}

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 (and therefore XLSX) cannot hold.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_XLSX_MAX_CELL = 32767


def build_tables(
    result: ScanResult, *, include_cookie_values: bool = False
) -> dict[str, pd.DataFrame]:
    """All six tables as DataFrames (raw values, not yet neutralised for spreadsheets)."""
    view = ResultView(result)
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    for s in view.seen:
        base = {
            "phase": s.phase,
            "page": s.visit.url,
            "party": s.party,
            "service_id": s.service_id,
            "service": view.service_name(s.service_id),
            "category": view.category(s.service_id) if s.service_id else None,
            "pattern": s.pattern,
        }
        item = s.item
        if isinstance(item, Request):
            rows["requests"].append(base | _request_row(item))
        elif isinstance(item, Cookie):
            row = base | _cookie_row(item)
            row["purpose"] = view.cookie_purpose(s.service_id, s.pattern, item.name)
            row["read_by"] = " ".join(s.visit.readers(item.name, item.domain)) or None
            if include_cookie_values:
                row["value"] = cookie_value_text(item, True) if item.value is not None else None
            rows["cookies"].append(row)
        elif isinstance(item, StorageItem):
            rows["storage"].append(
                base
                | {"kind": item.kind, "origin": item.origin, "key": item.key}
                | {"value_length": item.value_length}
            )
    rows["services"] = _service_rows(view)
    rows["findings"] = _finding_rows(view)
    rows["pages"] = _page_rows(result)
    frames = {}
    for name in TABLES:
        columns = list(COLUMNS[name])
        if name == "cookies" and include_cookie_values:
            columns.insert(columns.index("value_sha256"), "value")
        if name == "services" and any(row.get("public_list") for row in rows[name]):
            columns.append("public_list")
        frames[name] = pd.DataFrame(rows[name], columns=columns)
    return frames


def _request_row(r: Request) -> dict[str, Any]:
    return {
        "url": r.url,
        "host": r.host,
        "method": r.method,
        "resource_type": r.resource_type,
        "status": r.status,
        "time_ms": r.time_ms,
        "failure": r.failure,
        "frame_url": r.frame_url,
        "is_main_frame": r.is_main_frame,
        "initiator": r.initiator,
        "redirect_chain": " ".join(r.redirect_chain),
    }


def _cookie_row(c: Cookie) -> dict[str, Any]:
    return {
        "name": c.name,
        "domain": c.domain,
        "path": c.path,
        "lifetime_days": c.lifetime_days,
        "lifetime": format_lifetime(c.lifetime_days),
        # What the site asked for, when Chromium stored less (it caps lifetimes at 400 days).
        "requested_lifetime_days": c.requested_lifetime_days,
        "requested_lifetime": (
            format_lifetime(c.requested_lifetime_days)
            if c.requested_lifetime_days is not None
            else None
        ),
        "secure": c.secure,
        "http_only": c.http_only,
        "same_site": c.same_site,
        "sources": " ".join(c.sources),
        "set_by": c.set_by,
        "time_ms": c.time_ms,
        "value_sha256": c.value_sha256,
        "value_length": c.value_length,
        "blocked_reason": c.blocked_reason,
        "partition_key": c.partition_key,
    }


def _service_rows(view: ResultView) -> list[dict[str, Any]]:
    """One row per (service, phase) it was seen in; unseen services get one row, no phase."""
    groups: dict[tuple[str, str], list[Any]] = {}
    for s in view.seen:
        if s.service_id and s.service_id != "unknown":
            groups.setdefault((s.service_id, s.phase), []).append(s)
    rows = []
    for sid in view.all_service_ids():
        facts = view.facts(sid)
        compliance = view.compliance(sid)
        vendor = facts.get("vendor")
        vendor = vendor if isinstance(vendor, dict) else {}
        fixed = {
            "service_id": sid,
            "service": view.service_name(sid),
            "category": view.category(sid),
            "vendor": view.vendor(sid),
            "vendor_country": vendor.get("country"),
            "needs_consent": view.needs_consent(sid),
            "verdict": view.service_verdicts().get(sid, {}).get("verdict"),
            "consent_required": _text(compliance.get("consent_required")),
            "risk": compliance.get("risk"),
            "server_locations": _text(compliance.get("server_locations")),
            "data_transfers_outside_eu": compliance.get("data_transfers_outside_eu"),
            "legal_bases": _legal_bases(compliance.get("legal_bases")),
        }
        if source := view.list_source(sid):
            fixed["public_list"] = source["text"]
        phases = [p for (i, p) in groups if i == sid]
        if not phases:
            rows.append(fixed | {"pages": 0, "requests": 0, "cookies": 0, "storage": 0})
        for phase in phases:
            seen = groups[(sid, phase)]
            times = [s.item.time_ms for s in seen if s.kind == "request"]
            pages = list(dict.fromkeys(s.visit.url for s in seen))
            rows.append(
                fixed
                | {
                    "phase": phase,
                    "page": pages[0],
                    "party": "third" if any(s.party == "third" for s in seen) else "first",
                    "pages": len(pages),
                    "requests": sum(s.kind == "request" for s in seen),
                    "cookies": sum(s.kind == "cookie" for s in seen),
                    "storage": sum(s.kind == "storage" for s in seen),
                    "first_time_ms": min(times) if times else None,
                }
            )
    return rows


def _finding_rows(view: ResultView) -> list[dict[str, Any]]:
    rows = []
    summary = view.verdict_finding()
    # The judge's summary goes last: its message is the site verdict.
    for f in view.sorted_findings() + ([summary] if summary else []):
        sid = view.finding_service_id(f)
        rows.append(
            {
                "phase": f.phase,
                "page": f.pages[0] if f.pages else None,
                "party": view.finding_party(f),
                "service_id": sid,
                "service": view.finding_service_name(f) or None,
                "category": view.category(sid) if sid else None,
                "type": f.type,
                "severity": f.severity,
                "message": f.message,
                "pages": " ".join(f.pages),
                "evidence_count": len(f.evidence),
                "evidence": json.dumps(list(f.evidence), ensure_ascii=False, sort_keys=True),
            }
        )
    return rows


def _page_rows(result: ScanResult) -> list[dict[str, Any]]:
    rows = []
    for phase in result.phases:
        for v in phase.visits:
            rows.append(
                {
                    "phase": phase.phase,
                    "page": v.url,
                    "final_url": v.final_url,
                    "depth": v.depth,
                    "status": v.status,
                    "title": v.title,
                    "started_at": v.started_at,
                    "duration_ms": v.duration_ms,
                    "requests": len(v.requests),
                    "third_party_requests": sum(r.party == "third" for r in v.requests),
                    "cookies": len(v.cookies),
                    "storage": len(v.storage),
                    "links_found": v.links_found,
                    "errors": "; ".join(f"{e.kind}: {e.message}" for e in v.errors),
                }
            )
    return rows


def _text(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    return value


def _legal_bases(value: Any) -> str | None:
    if not isinstance(value, list):
        return None
    parts = []
    for b in value:
        if isinstance(b, dict):
            parts.append(f"{b.get('use', '')}: {b.get('basis', '')}".strip(": "))
    return "; ".join(parts) or None


# -- exports --------------------------------------------------------------------------------
def neutralise(value: Any) -> Any:
    """Make a string cell inert in spreadsheets: ``'=1+1`` instead of ``=1+1``.

    >>> neutralise("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _for_spreadsheet(frame: pd.DataFrame, *, xlsx: bool = False) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(lambda v: _clean_cell(v, xlsx), na_action="ignore")
    return out


def _clean_cell(value: Any, xlsx: bool) -> Any:
    if isinstance(value, str) and xlsx:
        value = _XML_ILLEGAL.sub("\ufffd", value)[:_XLSX_MAX_CELL]
    return neutralise(value)


def to_csv(frame: pd.DataFrame) -> str:
    """One table as CSV text (RFC 4180 ``\\r\\n`` line ends, formulas neutralised).

    ``\\r\\n`` rather than ``\\n`` also makes the writer quote a cell holding a bare ``\\r``,
    which would otherwise split the row in most readers.
    """
    return _for_spreadsheet(frame).to_csv(index=False, lineterminator="\r\n")


def to_xlsx(frames: dict[str, pd.DataFrame]) -> bytes:
    """Every table as one sheet of an XLSX workbook (needs ``openpyxl``)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in frames.items():
            _for_spreadsheet(frame, xlsx=True).to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes = "A2"
            sheet.auto_filter.ref = sheet.dimensions
    return buffer.getvalue()
