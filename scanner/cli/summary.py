"""The short summary ``scan`` prints for a person on a terminal: the verdict, the findings, the
pages of each phase, and where the full JSON result was saved.

Example::

    echo_text(human_summary(result, "cookiescan-www.example.com-20261130-101500.json"))
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from scanner.model import Finding, ScanResult

__all__ = ["human_summary"]

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
