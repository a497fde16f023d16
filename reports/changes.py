"""The "changes since the previous scan" section of the HTML and Markdown reports.

``reports`` never computes a diff: it is handed one as plain data (the dict that
``scanner.analyse.diff.diff_results(old, new)`` returns, or that JSON loaded back) and shows it.
Every
string in it came from a scanned site, so it is treated like the rest of a result: autoescaped in
HTML, escaped in Markdown, and a value of the wrong type is skipped, never trusted.

Keys read (everything else is ignored)::

    old.started_at        when the previous scan started (ISO 8601), shown as its date
    new.start_url,        when present, must equal the rendered result's: a diff of some other
    new.started_at        scan is refused (ReportError)
    phases.<phase>.<kind>.appeared / .disappeared
                          lists of items; <kind> is one of
                          services           {"id", "name", "pages"}
                          cookies            {"name", "domain", "party", "pages"}
                          third_party_hosts  {"host", "pages"}
                          findings           {"type", "severity", "service", "message", "pages"}
    phases_only_in.old / .new
                          phases run in only one of the two scans (not compared)

Example::

    section = build_changes(diff_results(old, new), new)
    section["phases"][0]["kinds"][0]["appeared"][0]["text"]   # "Facebook Pixel"
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from scanner.model import ScanResult

from .load import ReportError
from .view import PHASE_LABELS, SEVERITIES, finding_label

KIND_LABELS: dict[str, str] = {
    "services": "Services",
    "cookies": "Cookies",
    "third_party_hosts": "Third-party hosts",
    "findings": "Findings",
}
# Findings of no phase (the site verdict, a missing banner) are filed under "scan".
CHANGE_PHASES: dict[str, str] = {**PHASE_LABELS, "scan": "Whole scan"}
_MAX_TEXT = 300
UNNAMED = "(no name)"


def build_changes(changes: Any, result: ScanResult) -> dict[str, Any] | None:
    """What the reports show of ``changes`` (None when there are none to show).

    Raises ``ReportError`` when ``changes`` is not a dict, or describes another scan than
    ``result``.
    """
    if changes is None:
        return None
    if not isinstance(changes, Mapping):
        raise ReportError(
            "changes: expected the dict that scanner.analyse.diff.diff_results returns"
        )
    _check_same_scan(_mapping(changes.get("new")), result)
    phases: list[dict[str, Any]] = []
    raw_phases = _mapping(changes.get("phases"))
    order = list(CHANGE_PHASES)
    for name in sorted(raw_phases, key=lambda p: (order.index(p) if p in order else 99, str(p))):
        kinds = _mapping(raw_phases[name])
        rows: list[dict[str, Any]] = []
        for kind, label in KIND_LABELS.items():
            change = _mapping(kinds.get(kind))
            appeared = [_item(kind, i, result) for i in _items(change.get("appeared"))]
            gone = [_item(kind, i, result) for i in _items(change.get("disappeared"))]
            if appeared or gone:
                rows.append({"kind": kind, "label": label, "appeared": appeared, "gone": gone})
        phases.append({"phase": str(name), "label": phase_label(name), "kinds": rows})
    only = _mapping(changes.get("phases_only_in"))
    old = _mapping(changes.get("old"))
    return {
        "since": format_time(old.get("started_at")),
        "phases": phases,
        "appeared": sum(len(k["appeared"]) for p in phases for k in p["kinds"]),
        "gone": sum(len(k["gone"]) for p in phases for k in p["kinds"]),
        "only_old": [phase_label(p) for p in _list(only.get("old"))],
        "only_new": [phase_label(p) for p in _list(only.get("new"))],
    }


def phase_label(name: Any) -> str:
    return CHANGE_PHASES.get(name, _text(name)) if isinstance(name, str) else _text(name)


def format_time(value: Any) -> str:
    """An ISO time as ``2025-01-06 03:00 UTC``; anything else as (shortened) text."""
    if not isinstance(value, str) or not value:
        return "an unknown date"
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return _text(value)
    if when.tzinfo is None:
        return when.strftime("%Y-%m-%d %H:%M")
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _check_same_scan(new: Mapping[str, Any], result: ScanResult) -> None:
    for key in ("start_url", "started_at"):
        got = new.get(key)
        if isinstance(got, str) and got != getattr(result, key):
            raise ReportError(
                f"changes describe another scan ({key} {got[:80]!r}, "
                f"the report is of {str(getattr(result, key))[:80]!r})"
            )


def _item(kind: str, item: Mapping[str, Any], result: ScanResult) -> dict[str, Any]:
    """One new or gone item: ``text`` (its name), ``detail`` (smaller), ``severity``.

    A finding names its service by id; the result's service facts give the name when known.
    """
    pages = len(_list(item.get("pages")))
    out: dict[str, Any] = {"text": "", "detail": "", "severity": None, "pages": pages}
    if kind == "services":
        label, sid = _text(item.get("name")), _text(item.get("id"))
        out["text"] = label or sid
        out["detail"] = sid if label and sid and sid.lower() != label.lower() else ""
    elif kind == "cookies":
        out["text"] = _text(item.get("name"))
        party = item.get("party")
        out["detail"] = _text(item.get("domain")) + (
            f" · {party} party" if party in ("first", "third") else ""
        )
    elif kind == "third_party_hosts":
        out["text"] = _text(item.get("host"))
    else:
        kind_name = item.get("type")
        out["text"] = _text(finding_label(kind_name)) if isinstance(kind_name, str) else "Finding"
        service_id = item.get("service")
        facts = result.services.get(service_id) if isinstance(service_id, str) else None
        name = facts.get("name") if isinstance(facts, Mapping) else None
        service = _text(name or service_id)
        out["text"] += f" — {service}" if service else ""
        out["detail"] = _text(item.get("message"))
        severity = item.get("severity")
        out["severity"] = severity if severity in SEVERITIES else None
    out["text"] = out["text"] or UNNAMED  # a cookie may have an empty name
    return out


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else []


def _items(value: Any) -> list[Mapping[str, Any]]:
    return [i for i in _list(value) if isinstance(i, Mapping)]


def _text(value: Any) -> str:
    """Strings and numbers as (shortened) text; anything else (None, lists, dicts) as ""."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return ""
    text = str(value)
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + "…"
