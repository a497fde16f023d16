"""Reports for CI systems: SARIF 2.1.0 for code-scanning dashboards, JUnit XML for test tabs.

SARIF (OASIS, version 2.1.0): one run, ``tool.driver.rules`` = the finding types
(``scanner.model.FINDING_TYPES``), one ``result`` per finding with the pages it was seen on as
its locations; ``partialFingerprints`` are stable across scans (type, phase, service) so a
dashboard sees the same alert again rather than a new one. Levels: high → ``error``, medium →
``warning``, low and info → ``note``. The summary ``verdict`` finding is not an alert: it goes
into the run's ``properties``.

JUnit: one test suite per phase (plus ``site`` for findings of the whole scan), one test case
per finding type in it; a case fails when it holds a finding of severity low or above, and an
``info`` finding is listed in the case's ``system-out`` without failing it. So a CI test tab
shows "tracking_before_consent (no-interaction)" as a red test with the evidence as its text.

A service known only from a public tracker list the user installed says so in both, in the
sentence every format uses (``reports.listed``): the end of a SARIF alert's message (and
``properties.publicList``), a ``list:`` line under the message of a JUnit finding.

Strings from the scanned site are untrusted: they are kept as data (JSON strings, XML text and
attributes escaped by the writers), stripped of control characters and lone surrogates.

Example::

    sarif_text = render_sarif(result)
    junit_xml = render_junit(result)
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone
from typing import Any
from xml.etree import ElementTree as ET

from scanner.errors import printable
from scanner.model import FINDING_TYPES, PHASES, Finding, ScanResult

from .guide import GUIDE
from .listed import list_source

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/cookiescan/cookiescan"
LEVELS = {"high": "error", "medium": "warning", "low": "note", "info": "note"}
#: GitHub code scanning reads ``security-severity`` (0-10) to rank alerts.
SECURITY_SEVERITY = {"high": "8.0", "medium": "5.0", "low": "3.0", "info": "1.0"}
#: Locations per result: a finding on 5,000 pages would make an unreadable alert.
MAX_LOCATIONS = 20
#: Evidence items written per JUnit failure text.
MAX_EVIDENCE = 20
FAILING = ("high", "medium", "low")
VERDICT = "verdict"
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(value: Any) -> str:
    """Text safe for JSON and XML: no lone surrogates, no control characters but newline/tab."""
    text = "" if value is None else str(value)
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates -> '?'
    return _XML_BAD.sub("\ufffd", text)


def _rules() -> list[dict[str, Any]]:
    return [
        {
            "id": kind,
            "name": "".join(part.capitalize() for part in kind.split("_")),
            "shortDescription": {"text": kind.replace("_", " ")},
            "fullDescription": {"text": text},
            "help": {"text": _help(kind)},
            "helpUri": f"{INFORMATION_URI}/blob/main/docs/findings.md#{kind}",
            "properties": {"tags": ["privacy", "consent", "cookies"]},
        }
        for kind, text in FINDING_TYPES.items()
        if kind != VERDICT
    ]


def _help(kind: str) -> str:
    guide = GUIDE.get(kind)
    return f"Rule: {guide.rule}\nFix: {guide.fix}" if guide else FINDING_TYPES.get(kind, kind)


def _fingerprint(finding: Finding) -> str:
    service = (finding.service or {}).get("id") or ""
    key = f"{finding.type}|{finding.phase or ''}|{service}"
    if not service:  # an unknown host or a banner finding: the evidence names what it is
        first = finding.evidence[0] if finding.evidence else {}
        key += "|" + str(first.get("host") or first.get("name") or first.get("url") or "")
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:32]


def _message(finding: Finding) -> str:
    text = finding.message or FINDING_TYPES.get(finding.type, finding.type)
    if finding.phase:
        text += f" (phase: {finding.phase})"
    return clean(printable(text))


def render_sarif(result: ScanResult) -> str:
    """``result`` as a SARIF 2.1.0 log (JSON text)."""
    rules = _rules()
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results: list[dict[str, Any]] = []
    verdict: dict[str, Any] = {}
    for finding in result.findings:
        if finding.type == VERDICT:
            verdict = {"message": clean(finding.message), "severity": finding.severity}
            continue
        pages = list(finding.pages) or [result.start_url]
        listed = _listed(result, finding)
        note = f" From a public list: {listed['text']}; {listed['caveat']}." if listed else ""
        entry: dict[str, Any] = {
            "ruleId": finding.type,
            "level": LEVELS.get(finding.severity, "note"),
            "message": {"text": _message(finding) + clean(printable(note))},
            "locations": [
                {"physicalLocation": {"artifactLocation": {"uri": clean(page)}}}
                for page in pages[:MAX_LOCATIONS]
            ],
            "partialFingerprints": {"cookiescanFinding/v1": _fingerprint(finding)},
            "properties": {
                "severity": finding.severity,
                "security-severity": SECURITY_SEVERITY.get(finding.severity, "1.0"),
                "phase": finding.phase,
                "service": {k: clean(v) for k, v in (finding.service or {}).items()},
                "pages": len(pages),
                "evidence": json.loads(clean(json.dumps(list(finding.evidence)))),
            },
        }
        if listed:  # a service known only from a public tracker list (reports.listed)
            entry["properties"]["publicList"] = {k: clean(v) for k, v in listed.items()}
        if finding.type in index:
            entry["ruleIndex"] = index[finding.type]
        results.append(entry)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "cookiescan",
                        "version": clean(result.tool_version),
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": f"cookiescan/{_site(result)}/"},
                "invocations": [
                    {
                        "executionSuccessful": bool(result.complete),
                        **_times(result),
                        "toolExecutionNotifications": [
                            {"level": "warning", "message": {"text": clean(printable(w))}}
                            for w in result.warnings
                        ],
                    }
                ],
                "results": results,
                "properties": {
                    "startUrl": clean(result.start_url),
                    "complete": bool(result.complete),
                    "browser": clean(result.browser_version),
                    "verdict": verdict,
                },
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _listed(result: ScanResult, finding: Finding) -> dict[str, str] | None:
    """Where the finding's service came from, when only a public list knows it."""
    return list_source(result.services.get(str((finding.service or {}).get("id")), {}))


def _times(result: ScanResult) -> dict[str, str]:
    """SARIF's start and end times, when they are real timestamps (a result file can say
    anything)."""
    out = {}
    for key, value in (("startTimeUtc", result.started_at), ("endTimeUtc", result.finished_at)):
        try:
            when = datetime.fromisoformat(str(value))
        except ValueError:
            continue
        if when.tzinfo is not None:
            when = when.astimezone(timezone.utc)
        out[key] = when.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
    return out


def _site(result: ScanResult) -> str:
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", result.start_url).split("/")[0]
    return re.sub(r"[^A-Za-z0-9.-]", "_", host.rsplit("@", 1)[-1]) or "site"


def render_junit(result: ScanResult) -> str:
    """``result`` as JUnit XML: a suite per phase, a case per finding type."""
    groups: dict[str, dict[str, list[Finding]]] = {}
    phases = [p.phase for p in result.phases] or list(PHASES)
    for suite in [*phases, "site"]:
        groups[suite] = {kind: [] for kind in FINDING_TYPES if kind != VERDICT}
    for finding in result.findings:
        if finding.type == VERDICT:
            continue
        suite = finding.phase or "site"
        groups.setdefault(suite, {kind: [] for kind in FINDING_TYPES if kind != VERDICT})
        groups[suite].setdefault(finding.type, []).append(finding)
    root = ET.Element("testsuites", name=clean(f"cookiescan {result.start_url}"))
    total_tests = total_failures = 0
    for suite_name, cases in groups.items():
        element = ET.SubElement(root, "testsuite", name=clean(suite_name))
        failures = 0
        for kind, findings in cases.items():
            case = ET.SubElement(
                element, "testcase", name=f"{kind} ({suite_name})", classname=f"cookiescan.{kind}"
            )
            failing = [f for f in findings if f.severity in FAILING]
            if failing:
                failures += 1
                fail = ET.SubElement(
                    case,
                    "failure",
                    message=clean(f"{len(failing)} finding(s): " + _message(failing[0]))[:1000],
                    type=kind,
                )
                fail.text = "\n\n".join(_finding_text(result, f) for f in failing)
            info = [f for f in findings if f.severity not in FAILING]
            if info:
                text = "\n\n".join(_finding_text(result, f) for f in info)
                ET.SubElement(case, "system-out").text = text
        element.set("tests", str(len(cases)))
        element.set("failures", str(failures))
        element.set("errors", "0")
        total_tests += len(cases)
        total_failures += failures
    root.set("tests", str(total_tests))
    root.set("failures", str(total_failures))
    root.set("errors", "0" if result.complete else "1")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _finding_text(result: ScanResult, finding: Finding) -> str:
    lines = [f"[{finding.severity}] {_message(finding)}"]
    listed = _listed(result, finding)
    if listed:  # "list: known to Disconnect (disconnect) as Trackco, Advertising; matched ..."
        lines.append(clean(printable(f"list: {listed['text']}; {listed['caveat']}")))
    lines += [f"page: {clean(printable(page))}" for page in finding.pages[:MAX_LOCATIONS]]
    for item in finding.evidence[:MAX_EVIDENCE]:
        what = item.get("url") or item.get("name") or item.get("key") or item.get("host") or ""
        lines.append(clean(printable(f"evidence: {item.get('kind', '?')} {what}")))
    if len(finding.evidence) > MAX_EVIDENCE:
        lines.append(f"… and {len(finding.evidence) - MAX_EVIDENCE} more evidence item(s)")
    return "\n".join(lines)
