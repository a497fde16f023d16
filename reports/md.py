"""A Markdown summary: the verdict, findings, services and unknown third parties.

Short enough to paste into a ticket or an email. Strings from the scanned site are escaped so
they cannot turn into links, images, raw HTML or table breaks in a Markdown renderer.

Example::

    text = render_md(result)
"""

from __future__ import annotations

import re
from typing import Any

from scanner.errors import printable
from scanner.model import Cookie, ScanResult

from .changes import build_changes
from .guide import GUIDE, visitor_text
from .listed import LIST_CAVEAT
from .marks import ConsentMarks
from .transfers import transfer_summary
from .view import (
    PHASE_LABELS,
    SEVERITIES,
    SITE_VERDICTS,
    ResultView,
    category_label,
    finding_label,
    format_lifetime,
    format_ms,
)
from .where import page_service_matrix, storage_groups, unknown_party_findings

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_LINE_START = re.compile(r"^([#+\-=>]|\d+[.)])")


def esc(value: Any) -> str:
    """Inline-safe Markdown text: HTML entities for ``<>&``, backslashes for the rest.

    >>> esc("<b>[x](javascript:1)</b>")
    '&lt;b&gt;\\\\[x\\\\](javascript:1)&lt;/b&gt;'
    """
    text = printable("" if value is None else str(value))  # no terminal escape sequences
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = " ".join(text.split())  # no newlines: they would end a table row or a list item
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _LINE_START.sub(r"\\\1", text)


def render_md(result: ScanResult, *, changes: Any = None) -> str:
    """The summary; ``changes`` (see ``reports.changes``) adds what changed since last time."""
    view = ResultView(result)
    out: list[str] = [f"# Cookie and tracker report: {esc(result.start_url)}", ""]
    counts = view.severity_counts()
    site = view.site_verdict()
    headline = SITE_VERDICTS.get(str(site.get("verdict")), "")
    out.append(f"**{headline or 'Verdict: see the findings below'}**")
    if site.get("reasons"):
        out.append(f"({esc('; '.join(str(r) for r in site['reasons']))})")
    out += ["", "| " + " | ".join(SEVERITIES) + " |", "|" + "---:|" * len(SEVERITIES)]
    out += ["| " + " | ".join(str(counts[s]) for s in SEVERITIES) + " |", ""]
    for warning in result.warnings:
        out += [f"> **Warning**: {esc(warning)}", ""]
    if not result.complete:
        out += ["> **Incomplete scan**: absence of a finding proves nothing.", ""]
    out += _changes(build_changes(changes, result))
    marks = ConsentMarks(view)
    out += _phases(view, marks)
    out += _findings(view)
    out += _transfers(view)
    out += _services(view, marks)
    out += _matrix(view, marks)
    out += _cookies(view)
    out += _cookie_reads(view)
    out += _storage(view)
    out += _unknown(view)
    out += _errors(view)
    out += [
        "## How this was made",
        "",
        f"cookiescan {esc(result.tool_version)}, {esc(result.browser_version or 'unknown browser')}"
        f"; started {esc(result.started_at)}, finished {esc(result.finished_at or 'never')}; "
        f"result schema {esc(result.schema_version)}. Visitor: {esc(visitor_text(result.config))}.",
        "",
    ]
    return "\n".join(out)


def _changes(changes: dict[str, Any] | None) -> list[str]:
    if changes is None:
        return []
    total = f"{changes['appeared']} new, {changes['gone']} gone"
    if not (changes["appeared"] or changes["gone"]):
        total = "no change"
    out = ["## Changes since the previous scan", ""]
    out += [f"Compared with the scan of {esc(changes['since'])}: {total}.", ""]
    for phase in changes["phases"]:
        parts = [
            f"{side} {kind['label'].lower()}: "
            + ", ".join(
                (f"{i['severity']} " if i["severity"] else "")
                + esc(i["text"])
                + (f" ({esc(i['detail'])})" if i["detail"] else "")
                for i in items
            )
            for kind in phase["kinds"]
            for side, items in (("new", kind["appeared"]), ("gone", kind["gone"]))
            if items
        ]
        out.append(f"- **{esc(phase['label'])}**: " + ("; ".join(parts) or "no change"))
    for key, when in (("only_old", "the previous scan"), ("only_new", "this scan")):
        if changes[key]:
            out.append(f"- Run only in {when}, not compared: {esc(', '.join(changes[key]))}")
    return out + [""]


def _phases(view: ResultView, marks: ConsentMarks) -> list[str]:
    out = ["## What loaded in each phase", ""]
    for name, label in PHASE_LABELS.items():
        if view.phase(name) is None:
            out.append(f"- **{label}**: not tested")
            continue
        known = [s for s in view.services_in(name) if s != "unknown"]
        unknown = {
            s.host
            for s in view.seen
            if s.phase == name and s.service_id == "unknown" and s.kind == "request"
        }
        parts = [_loaded(view, marks, name, known)]
        if unknown:
            parts.append(f"{len(unknown)} unknown third-party host(s)")
        out.append(f"- **{label}**: " + "; ".join(parts))
    consents = [p.consent for p in view.result.phases if p.consent is not None]
    for a in consents:
        text = f" ({esc(a.text)})" if a.text else ""
        out.append(f"- Consent banner, {esc(a.action)}: {esc(a.outcome)}{text}")
    return out + [""]


def _loaded(view: ResultView, marks: ConsentMarks, phase: str, ids: list[str]) -> str:
    """Services of one phase; in a consent phase, what fired only before the click apart
    and the judge's violations marked (``reports.marks``)."""
    if not ids:
        return "no known service"
    if phase == "no-interaction":
        return esc(", ".join(view.service_name(s) for s in ids))
    after, before = [], []
    for sid in ids:
        mark = marks.service(phase, sid)
        name = esc(view.service_name(sid))
        if mark.violation:
            after.append(f"{name} (**tracking after refusal**)")
        elif mark.before_only:
            before.append(name)
        else:
            after.append(name)
    parts = [", ".join(after)] if after else []
    if before:
        parts.append("before the click only: " + ", ".join(before))
    return "; ".join(parts)


def _findings(view: ResultView) -> list[str]:
    findings, unknown = unknown_party_findings(view.sorted_findings())
    out = [f"## Findings ({len(findings) + bool(unknown)})", ""]
    if not findings and not unknown:
        return out + ["None.", ""]
    for f in findings:
        service = view.finding_service_name(f)
        title = finding_label(f.type) + (f" — {esc(service)}" if service else "")
        out.append(
            f"- **{f.severity.upper()}** {title} ({esc(PHASE_LABELS.get(f.phase or '', '—'))})"
        )
        if f.message:
            out.append(f"  {esc(f.message)}")
        if source := view.list_source(view.finding_service_id(f)):
            out.append(f"  *From a public list:* {esc(source['text'])}.")
        guide = GUIDE.get(f.type)
        if guide and f.severity != "info":
            out.append(f"  *Rule:* {esc(guide.rule)} *Fix:* {esc(guide.fix)}")
        for e in f.evidence[:5]:
            if not isinstance(e, dict):
                continue
            what = e.get("url") or e.get("name") or e.get("key") or e.get("host") or ""
            time = e.get("time_ms")
            when = f" at {format_ms(time)}" if isinstance(time, (int, float)) else ""
            rule = f", rule {esc(e['pattern'])}" if e.get("pattern") else ""
            out.append(f"  - {esc(e.get('kind', ''))} {esc(what)}{when}{rule}")
        if len(f.evidence) > 5:
            out.append(f"  - … {len(f.evidence) - 5} more")
    if unknown:
        guide = GUIDE["unknown_third_party"]
        out.append(f"- **INFO** Unknown third parties: {len(unknown)} host(s) match no signature")
        out.append(f"  *Rule:* {esc(guide.rule)} *Fix:* {esc(guide.fix)}")
        out += ["", "  | Host | Phases | Pages | Observations |", "  |---|---|---:|---:|"]
        for u in unknown:
            phases = ", ".join(PHASE_LABELS.get(p, p) for p in u["phases"])
            out.append(
                f"  | {esc(u['host'])} | {esc(phases)} | {u['pages']} | {u['observations']} |"
            )
    return out + [""]


def _transfers(view: ResultView) -> list[str]:
    t = transfer_summary(view)
    out = ["## Data transfers outside the EU/EEA", ""]
    if not t["outside"]:
        out.append("No detected service is known to send data outside the EU/EEA.")
    else:
        out += [
            f"{t['services_outside']} service(s) send personal data outside the EU/EEA: "
            f"{t['risk_text']}.",
            "",
            "| Service | Vendor | Destination | Safeguards | Risk | Before any choice |",
            "|---|---|---|---|---|---|",
        ]
        for r in t["outside"]:
            vendor = r["vendor"] + (f" ({r['vendor_country']})" if r["vendor_country"] else "")
            safeguards = ", ".join(r["safeguards"]) or "none documented"
            out.append(
                f"| {esc(r['service'])} | {esc(vendor)} | {esc(r['destination'])} "
                f"| {esc(safeguards)} | {r['risk']}: {esc(r['why'])} "
                f"| {'yes' if r['before_choice'] else 'no'} |"
            )
    out.append("")
    if t["inside"]:
        names = ", ".join(s["service"] for s in t["inside"])
        out += [f"Stay in the EU/EEA: {esc(names)}.", ""]
    unknown = [f"{s['service']} ({s['why']})" for s in t["unknown"]]
    if t["unknown_hosts"]:
        unknown.append(f"{t['unknown_hosts']} unknown third-party host(s)")
    if unknown:
        out += [f"Unknown: {esc('; '.join(unknown))}.", ""]
    return out


def _matrix(view: ResultView, marks: ConsentMarks) -> list[str]:
    m = page_service_matrix(view, marks)
    if not m["rows"] or not m["services"]:
        return []
    legend = ", ".join(f"{letter} {label.lower()}" for _p, letter, label in m["phases"])
    out = ["## Which service was seen on which page", ""]
    out += [f"Phases: {legend}; **bold**: seen without the consent it needs.", ""]
    out.append(
        "| Page | " + " | ".join(esc(s["name"]) for s in m["services"]) + " | Unknown hosts |"
    )
    out.append("|---|" + "---|" * len(m["services"]) + "---:|")
    for row in m["rows"]:
        cells = [
            " ".join(f"**{c['letter']}**" if c["css"] == "bad" else c["letter"] for c in cell)
            for cell in row["cells"]
        ]
        out.append(f"| {esc(row['page'])} | " + " | ".join(cells) + f" | {row['unknown']} |")
    if m["hidden_pages"] or m["hidden_services"]:
        out.append(f"\n… {m['hidden_pages']} more page(s), {m['hidden_services']} more service(s).")
    return out + [""]


def _storage(view: ResultView) -> list[str]:
    groups = storage_groups(view)
    if not groups:
        return []
    out = [f"## Storage keys ({len(groups)})", ""]
    out += ["| Key | Type | Origin | Service | Phases | Pages |", "|---|---|---|---|---|---:|"]
    for g in groups:
        phases = ", ".join(PHASE_LABELS.get(p, p) for p in g["phases"])
        out.append(
            f"| {esc(g['key'])} | {g['kind']} | {esc(g['origin'])} "
            f"| {esc(g['service'] or category_label(g['category']))} | {esc(phases)} "
            f"| {g['pages']} |"
        )
    return out + [""]


def _services(view: ResultView, marks: ConsentMarks) -> list[str]:
    ids = view.all_service_ids()
    out = [f"## Services ({len(ids)})", ""]
    if not ids:
        return out + ["None recognised.", ""]
    out += [
        "| Service | Category | Vendor | Needs consent | Phases seen |",
        "|---|---|---|---|---|",
    ]
    for sid in ids:
        phases = [
            p + (" (before the click)" if marks.service(p, sid).before_only else "")
            for p in sorted(
                {s.phase for s in view.seen if s.service_id == sid}, key=list(PHASE_LABELS).index
            )
        ]
        out.append(
            f"| {esc(view.service_name(sid))} | {esc(category_label(view.category(sid)))} "
            f"| {esc(view.vendor(sid))} | {view.needs_consent(sid)} | {esc(', '.join(phases))} |"
        )
    listed = [(sid, source) for sid in ids if (source := view.list_source(sid))]
    if listed:
        out += ["", f"Known only from a public list ({LIST_CAVEAT}):", ""]
        out += [f"- {esc(view.service_name(sid))}: {esc(src['text'])}" for sid, src in listed]
    return out + [""]


def _cookies(view: ResultView) -> list[str]:
    rows: dict[tuple[str, str], list[Any]] = {}
    for s in view.seen:
        if isinstance(s.item, Cookie):
            rows.setdefault((s.item.name, s.domain.lstrip(".")), [s, s.item])
    out = [f"## Cookies ({len(rows)})", ""]
    if not rows:
        return out + ["None.", ""]
    out += ["| Cookie | Domain | Category | Lifetime | Party |", "|---|---|---|---|---|"]
    for (name, domain), (s, c) in sorted(rows.items()):
        asked = c.requested_lifetime_days
        lifetime = format_lifetime(c.lifetime_days) + (
            f" (asked for {format_lifetime(asked)})" if asked is not None else ""
        )
        out.append(
            f"| {esc(name)} | {esc(domain)} | {esc(category_label(view.category(s.service_id)))} "
            f"| {lifetime} | {c.party} |"
        )
    return out + [""]


def _cookie_reads(view: ResultView) -> list[str]:
    """Which script read which cookie through ``document.cookie`` (shown when any did)."""
    rows: dict[tuple[str, str, str], set[str]] = {}
    for phase in view.result.phases:
        for visit in phase.visits:
            for read in visit.cookie_reads:
                key = (read.script, read.party, read.frame_origin)
                rows.setdefault(key, set()).update(read.names)
    if not rows:
        return []
    out = [f"## Cookies read by scripts ({len(rows)})", ""]
    out += ["| Script | Party | Frame | Cookies read |", "|---|---|---|---|"]
    for (script, party, origin), names in sorted(rows.items()):
        out.append(f"| {esc(script)} | {party} | {esc(origin)} | {esc(', '.join(sorted(names)))} |")
    return out + [""]


def _unknown(view: ResultView) -> list[str]:
    hosts = view.unknown_hosts()
    if not hosts:
        return []
    out = [f"## Unknown third parties ({len(hosts)})", ""]
    for host, seen in hosts.items():
        out.append(f"- {esc(host)}: {len(seen)} request(s)")
    return out + [""]


def _errors(view: ResultView) -> list[str]:
    lines = [
        f"- {esc(v.url)} ({esc(p.phase)}): {esc(e.kind)}: {esc(e.message)}"
        for p in view.result.phases
        for v in p.visits
        for e in v.errors
    ]
    return [f"## Page errors ({len(lines)})", "", *lines, ""] if lines else []
