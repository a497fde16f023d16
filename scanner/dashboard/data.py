"""What the dashboard's pages show, drawn from the history and the schedule store.

One function per page, each returning plain JSON: the JSON endpoints send it as it is and the
HTML pages render it, so the two cannot disagree. A recorded result never changes, so what is
drawn from one scan (``scan_facts``) or from two (``change_summary``) is cached by database
and scan ids. A service known only from a public tracker list is named with the sentence
every report uses ("known to Disconnect (disconnect) as Trackco, Advertising; matched ...",
``reports.listed``), in a scan's ``listed``.

Example::

    sites(db, store, sort="verdict", order="desc")["sites"][0]["verdict"]   # "violations"
"""

from __future__ import annotations

import base64
import binascii
from functools import lru_cache
from typing import Any

from reports.listed import list_source
from scanner.analyse.diff import diff_results
from scanner.dashboard import schedules
from scanner.fleet import history
from scanner.model import ScanResult

#: Site verdicts, worst first (``scanner.analyse.verdict``); "none": not judged.
VERDICTS = ("violations", "access-limited", "consent-not-tested", "issues", "no-issues-found")
SEVERITIES = ("high", "medium", "low", "info")
SORTS = ("site", "verdict", "findings", "last", "next", "changes", "scans")
#: A site page shows (and charts) at most this many of its latest scans.
SITE_SCANS = 200
_PNG_URI = "data:image/png;base64,"


@lru_cache(maxsize=16)
def load(db: str | None, scan_id: int) -> ScanResult:
    """The result of scan ``scan_id`` (``KeyError`` when there is none)."""
    return history.load(scan_id, db)


@lru_cache(maxsize=4096)
def scan_facts(db: str | None, scan_id: int) -> dict[str, Any]:
    """What the pages say of one scan: verdict, findings by severity, flagged services..."""
    return facts_of(load(db, scan_id))


def facts_of(result: ScanResult) -> dict[str, Any]:
    """The verdict, the findings by severity (the verdict itself aside), the services that
    need consent seen before it or after a refusal, the third-party hosts, the evidence, and
    the services known only from a public list (``listed``: name, sentence, caveat)."""
    counts = dict.fromkeys(SEVERITIES, 0)
    for finding in result.findings:
        if finding.type != "verdict":
            counts[finding.severity] = counts.get(finding.severity, 0) + 1
    verdict = result.verdict
    services = verdict.services if verdict else ()
    hosts = {
        r.host for p in result.phases for v in p.visits for r in v.requests if r.party == "third"
    }
    return {
        "verdict": verdict.verdict if verdict else None,
        "verdict_message": verdict.message if verdict else "not judged",
        "severity": counts,
        "findings": sum(counts.values()),
        "third_parties": len(hosts),
        "before_consent": sorted(s.name for s in services if "tracking_before_consent" in s.issues),
        "after_reject": sorted(s.name for s in services if "tracking_after_reject" in s.issues),
        "evidence": sorted(evidence_files(result)),
        "listed": listed_services(result),
    }


def listed_services(result: ScanResult) -> list[dict[str, str]]:
    """The services of ``result`` that only a public list knows, by name: each with the
    sentence that says where it came from and the caveat (``reports.listed``)."""
    rows = []
    for service_id, facts in result.services.items():
        source = list_source(facts)
        if source is not None:
            rows.append({"id": str(service_id), "name": source["organisation"],
                         "text": source["text"], "caveat": source["caveat"]})  # fmt: skip
    return sorted(rows, key=lambda row: (row["name"].lower(), row["id"]))


def evidence_files(result: ScanResult) -> dict[str, str]:
    """The evidence kept inside a result: the banner screenshots, by file name."""
    files: dict[str, str] = {}
    for phase in result.phases:
        details = phase.consent.details if phase.consent else {}
        for when in ("before", "after"):
            uri = details.get(f"screenshot_{when}")
            if isinstance(uri, str) and uri.startswith(_PNG_URI):
                files[f"{phase.phase}-{when}.png"] = uri
    return files


def evidence_png(result: ScanResult, name: str) -> bytes | None:
    """The PNG bytes of evidence file ``name``; None when there is no such valid PNG."""
    uri = evidence_files(result).get(name)
    if uri is None:
        return None
    try:
        data = base64.b64decode(uri[len(_PNG_URI) :], validate=True)
    except (binascii.Error, ValueError):
        return None
    return data if data.startswith(b"\x89PNG\r\n\x1a\n") else None


@lru_cache(maxsize=1024)
def change_summary(db: str | None, old_id: int, new_id: int) -> dict[str, Any]:
    """What changed from scan ``old_id`` to ``new_id``: services and findings, new and gone."""
    changes = diff_results(load(db, old_id), load(db, new_id))
    services: dict[str, dict[str, str]] = {"appeared": {}, "disappeared": {}}
    findings: dict[str, dict[tuple, dict[str, Any]]] = {"appeared": {}, "disappeared": {}}
    for phase in changes["phases"].values():
        for side in ("appeared", "disappeared"):
            for item in phase["services"][side]:
                services[side][item["id"]] = item["name"]
            for item in phase["findings"][side]:
                if item["type"] != "verdict":
                    key = (item["type"], item["service"], item["message"])
                    findings[side].setdefault(key, item)
    return {
        "previous_id": old_id,
        "changed": changes["changed"],
        "services": {side: sorted(names.values()) for side, names in services.items()},
        "findings": {side: list(items.values()) for side, items in findings.items()},
        "totals": changes["totals"],
    }


def _count_changes(changes: dict[str, Any] | None) -> int:
    if not changes:
        return 0
    return sum(len(changes[k][side]) for k in ("services", "findings") for side in changes[k])


def sites(
    db: str | None,
    store: str | None,
    *,
    q: str = "",
    verdict: str = "",
    sort: str = "verdict",
    order: str = "desc",
) -> dict[str, Any]:
    """Every site of the history, one row each, filtered (``q`` in its URL, ``verdict``) and
    sorted (``sort`` one of ``SORTS``, ``order`` asc or desc)."""
    by_site: dict[str, list[dict[str, Any]]] = {}
    for row in history.list_scans(db):  # newest first
        by_site.setdefault(row["site"], []).append(row)
    planned = schedules.by_site(store)
    rows = []
    for site, scans in by_site.items():
        latest = scans[0]
        facts = scan_facts(db, latest["id"])
        facts = {k: v for k, v in facts.items() if k not in ("evidence", "listed")}
        changes = change_summary(db, scans[1]["id"], latest["id"]) if len(scans) > 1 else None
        runs = [s["next_run_time"] for s in planned.get(site, []) if s["next_run_time"]]
        rows.append(
            {
                "site": site,
                "host": latest["host"],
                "scans": len(scans),
                "latest": _scan_row(latest),
                **facts,
                "changes": changes,
                "schedules": [s["id"] for s in planned.get(site, [])],
                "next_run": min(runs) if runs else None,
            }
        )
    total = len(rows)
    needle = q.strip().lower()
    if needle:
        rows = [r for r in rows if needle in r["site"].lower()]
    if verdict:
        rows = [r for r in rows if (r["verdict"] or "none") == verdict]
    sort = sort if sort in SORTS else "verdict"
    descending = order != "asc"
    rows.sort(key=lambda r: r["site"])
    rows.sort(key=lambda r: _sort_key(r, sort), reverse=descending)
    return {
        "sites": rows,
        "total": total,
        "query": {
            "q": q,
            "verdict": verdict,
            "sort": sort,
            "order": "desc" if descending else "asc",
        },
        "verdicts": [*VERDICTS, "none"],
        "sorts": list(SORTS),
        "schedule_store": schedules.exists(store),
    }


def _sort_key(row: dict[str, Any], sort: str) -> Any:
    if sort == "verdict":
        rank = VERDICTS.index(row["verdict"]) if row["verdict"] in VERDICTS else len(VERDICTS)
        return (-rank, row["severity"]["high"], row["severity"]["medium"])
    if sort == "findings":
        return tuple(row["severity"][s] for s in SEVERITIES)
    if sort == "last":
        return row["latest"]["started_at"]
    if sort == "next":  # soonest first, unscheduled last (ascending)
        return (row["next_run"] is None, row["next_run"] or "")
    if sort == "changes":
        return _count_changes(row["changes"])
    if sort == "scans":
        return row["scans"]
    return row["site"]


def _scan_row(row: dict[str, Any]) -> dict[str, Any]:
    keep = ("id", "site", "started_at", "finished_at", "complete", "source", "pages",
            "page_errors", "cookies", "services")  # fmt: skip
    return {k: row[k] for k in keep}


def site(db: str | None, store: str | None, key: str) -> dict[str, Any]:
    """One site: its scans (newest first, with their facts), chart points, schedules.

    ``KeyError`` when the history has no scan of ``key`` (a start URL or a host name).
    """
    rows = history.list_scans(db, site=key, limit=SITE_SCANS)
    if not rows:
        raise KeyError(f"no scans of {key} in the history")
    scans = [{**_scan_row(row), **scan_facts(db, row["id"])} for row in rows]
    for newer, older in zip(scans, scans[1:], strict=False):
        newer["previous_id"] = older["id"]
    name = rows[0]["site"] if "://" in key else key
    return {
        "site": name,
        "scans": scans,
        "chart": [
            {k: s[k] for k in ("id", "started_at", "findings", "third_parties")}
            for s in reversed(scans)
        ],
        "schedules": [s for s in schedules.list_all(store) if s["site"] == rows[0]["site"]],
        "diff": {"old": scans[1]["id"], "new": scans[0]["id"]} if len(scans) > 1 else None,
    }


def diff(db: str | None, old_id: int, new_id: int) -> dict[str, Any]:
    """Two scans of one site side by side, and ``diff_results`` between them.

    ``KeyError`` when a scan is missing; ``ValueError`` when they are of two sites.
    """
    old_row, new_row = history.get(old_id, db), history.get(new_id, db)
    if old_row["site"] != new_row["site"]:
        raise ValueError(f"scans {old_id} and {new_id} are of two different sites")
    scans = history.list_scans(db, site=new_row["site"], limit=SITE_SCANS)
    return {
        "site": new_row["site"],
        "old": {**_scan_row(old_row), **scan_facts(db, old_id)},
        "new": {**_scan_row(new_row), **scan_facts(db, new_id)},
        "summary": change_summary(db, old_id, new_id),
        "changes": diff_results(load(db, old_id), load(db, new_id)),
        "choices": [{"id": r["id"], "started_at": r["started_at"]} for r in scans],
    }


def scan(db: str | None, scan_id: int) -> dict[str, Any]:
    """One scan's summary row, its facts and the names of its evidence files."""
    return {**_scan_row(history.get(scan_id, db)), **scan_facts(db, scan_id)}
