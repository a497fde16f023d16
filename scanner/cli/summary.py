"""The short summaries printed for a person on a terminal, instead of JSON: ``scan`` (the
verdict, the findings, the pages of each phase, where the full JSON result was saved) and
``batch`` (sites ok and failed, the worst findings of each site, where the JSON summary is)
and ``email`` (per message: sender, ESP, pixels, tracked links, findings).

Example::

    echo_text(human_summary(result, "cookiescan-www.example.com-20261130-101500.json"))
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from scanner.mail.judge import is_tracked
from scanner.mail.model import EmailScan
from scanner.model import Finding, ScanResult

__all__ = ["batch_summary", "email_summary", "human_summary"]

_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}
_MAX_FINDINGS = 15


def human_summary(result: ScanResult, saved: str) -> str:
    """A few lines of plain text (no colour): what a person wants after a scan. Control
    characters are escaped by the caller (``echo_text``), as for every terminal output."""
    pages = sum(len(p.visits) for p in result.phases)
    lines = [
        f"cookiescan: {result.start_url}",
        f"{pages} page(s) in {len(result.phases)} phase(s), {result.error_count} page error(s)"
        + ("" if result.complete else " (incomplete)"),
        "",
    ]
    if result.verdict is not None:
        lines.append(f"Verdict ({result.verdict.verdict}): {result.verdict.message}")
        lines += [f"  - {reason}" for reason in result.verdict.reasons]
    else:
        lines.append("Verdict: none (the judge did not run; see the warnings in the result)")
    lines += ["", *_findings(result), "", *_phases(result), ""]
    lines.append(f"Full result (JSON): {saved}")
    lines.append(f"  cookiescan report {_quote(saved)} --format html -o report.html")
    return "\n".join(lines) + "\n"


def _findings(result: ScanResult) -> list[str]:
    findings = [f for f in result.findings if f.type != "verdict"]
    if not findings:
        return ["Findings: none"]
    findings.sort(key=lambda f: (_SEVERITY_ORDER.get(f.severity, 9), f.type, f.phase or ""))
    rows = [
        (
            f.severity,
            f.type,
            _subject(f),
            f.phase or "-",
            str(len(f.pages)),
        )
        for f in findings[:_MAX_FINDINGS]
    ]
    counts = Counter(str(f.severity) for f in findings)
    by_level = ", ".join(f"{counts[s]} {s}" for s in _SEVERITY_ORDER if counts[s])
    out = [f"Findings ({len(findings)}: {by_level}):"]
    out += _table(("severity", "type", "service or host", "phase", "pages"), rows)
    if len(findings) > _MAX_FINDINGS:
        out.append(f"  … and {len(findings) - _MAX_FINDINGS} more in the full result")
    return out


def _subject(finding: Finding) -> str:
    """The service a finding is about, else the host of its first evidence (a third party
    no signature knows)."""
    service = finding.service or {}
    name = service.get("name") or service.get("id")
    if not name and finding.evidence:
        name = finding.evidence[0].get("host")
    return str(name or "-")


def _phases(result: ScanResult) -> list[str]:
    rows = []
    for phase in result.phases:
        visits = phase.visits
        consent = phase.consent.outcome if phase.consent else "-"
        rows.append(
            (
                phase.phase,
                str(len(visits)),
                str(sum(1 for v in visits if v.errors)),
                str(sum(len(v.requests) for v in visits)),
                str(len({(c.name, c.domain) for v in visits for c in v.cookies})),
                consent,
            )
        )
    header = ("phase", "pages", "errors", "requests", "cookies", "consent click")
    return ["Phases:", *_table(header, rows)]


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    return [
        "  " + "  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in (header, *rows)
    ]


def _quote(path: str) -> str:
    import shlex

    return shlex.quote(path)


def batch_summary(summary: Mapping[str, Any], results: Mapping[str, ScanResult | None]) -> str:
    """A batch for a person: counts, one row per site with its worst finding, the failures,
    and where the results and the JSON summary are. ``results`` holds each site's saved
    result by name (None for a site without one)."""
    ran = summary["ok"] + summary["page_errors"]
    lines = [
        f"cookiescan batch: {summary['sites']} site(s) in {summary['seconds']} s: {ran} "
        f"scanned ({summary['page_errors']} with page errors), {summary['failed']} failed, "
        f"{summary['skipped']} skipped (done earlier)",
        "",
    ]
    rows = []
    for outcome in summary["outcomes"]:
        result = results.get(outcome["name"])
        counts, worst = _worst(result) if result is not None else ("-", outcome["reason"])
        pages = str(outcome["pages"]) if result is not None else "-"
        rows.append((outcome["status"], outcome["name"], pages, counts, worst[:90]))
    lines += ["Sites:", *_table(("status", "site", "pages", "findings", "worst"), rows), ""]
    if summary.get("fail_on"):
        lines += ["Fail-on:", *(f"  - {reason}" for reason in summary["fail_on"]), ""]
    out = summary["out_dir"]
    lines.append(f"Results (one JSON per site): {out}")
    lines.append(f"Summary (JSON): {_quote(os.path.join(out, 'batch-summary.json'))}")
    first = next((o["result_file"] for o in summary["outcomes"] if o.get("result_file")), None)
    if first:
        lines.append(f"  cookiescan report {_quote(first)} --format html -o report.html")
    return "\n".join(lines) + "\n"


def _worst(result: ScanResult) -> tuple[str, str]:
    """``("2 high, 1 medium", "high tracking_before_consent: Google Analytics")`` of a
    result; ``("none", "-")`` without findings."""
    findings = [f for f in result.findings if f.type != "verdict"]
    if not findings:
        return "none", "-"
    counts = Counter(str(f.severity) for f in findings)
    by_level = ", ".join(f"{counts[s]} {s}" for s in _SEVERITY_ORDER if counts[s])
    top = min(findings, key=lambda f: (_SEVERITY_ORDER.get(f.severity, 9), f.type))
    return by_level, f"{top.severity} {top.type}: {_subject(top)}"


def email_summary(scan: EmailScan, saved: str) -> str:
    """Each message for a person: who sent it, through which ESP, its open pixels, tracked
    links and findings; then where the full JSON is."""
    lines = [f"cookiescan email: {len(scan.messages)} message(s)", ""]
    for message in scan.messages:
        lines.append(f"{message.source}: {message.subject or '(no subject)'}")
        if message.error:
            lines += [f"  not scanned: {message.error}", ""]
            continue
        esps = ", ".join(sorted({e.service_id for e in message.esps})) or "none found"
        tracked = [link for link in message.links if is_tracked(link)]
        counts = Counter(str(f.severity) for f in message.findings)
        by_level = ", ".join(f"{counts[s]} {s}" for s in _SEVERITY_ORDER if counts[s])
        lines += [
            f"  sender: {message.sender or '-'}   ESP: {esps}",
            f"  open pixels: {len(message.pixels)}   tracked links: {len(tracked)} of "
            f"{len(message.links)}",
            f"  findings: {by_level or 'none'}",
        ]
        order = sorted(message.findings, key=lambda f: _SEVERITY_ORDER.get(f.severity, 9))
        lines += [_cut(f"    - {f.severity}: {f.message}", 120) for f in order[:5]]
        lines.append("")
    lines.append(f"Full result (JSON): {saved}")
    lines.append("  (an HTML report: the same command with --format html -o email.html)")
    return "\n".join(lines) + "\n"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
