"""An ``EmailScan`` as JSON, Markdown, HTML or CSV.

Everything that came from an email (subjects, addresses, URLs, header values) is hostile:
Markdown escapes it so it cannot become a link, an image, raw HTML or a table break; CSV cells
that a spreadsheet would read as a formula get a leading ``'``; HTML (``render_html``) is
autoescaped by Jinja2 under a Content-Security-Policy that loads nothing and runs nothing.

Example::

    text = render(scan, "md")
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

from scanner.mail.judge import is_tracked
from scanner.mail.model import EmailScan, MessageResult

FORMATS = ("json", "md", "html", "csv")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~!#])")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = (
    "message",
    "subject",
    "sender",
    "kind",
    "severity",
    "service_id",
    "pattern",
    "url",
    "destination",
    "detail",
)


def render(scan: EmailScan, fmt: str) -> str:
    """The scan as ``fmt`` (one of ``FORMATS``)."""
    if fmt == "json":
        return scan.to_json()
    if fmt == "md":
        return render_md(scan)
    if fmt == "csv":
        return render_csv(scan)
    if fmt == "html":
        from scanner.mail.render_html import render_html

        return render_html(scan)
    raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")


def esc(value: Any, limit: int | None = None) -> str:
    """Inline-safe Markdown text: HTML entities for ``<>&``, backslashes for the rest.

    >>> esc("<img src=x>[a](javascript:1)")
    '&lt;img src=x&gt;\\\\[a\\\\](javascript:1)'
    """
    text = "" if value is None else " ".join(str(value).split())
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def render_md(scan: EmailScan) -> str:
    """A Markdown report: the summary per sender, then each message."""
    out = [
        "# Email tracking report",
        "",
        f"{len(scan.messages)} message(s) from {esc(', '.join(scan.inputs) or '(none)')}, "
        f"scanned {esc(scan.finished_at)} by cookiescan {esc(scan.tool_version)}. "
        "Nothing was fetched: no pixel was loaded, no link followed.",
        "",
    ]
    for problem in scan.unreadable:
        out.append(f"- unreadable: {esc(problem)}")
    if scan.senders:
        out += [
            "## Senders",
            "",
            "| sender | messages | email service | open pixel | click tracking "
            "| one-click unsubscribe | findings |",
            "|---|---:|---|---:|---:|---:|---|",
        ]
        for s in scan.senders:
            findings = ", ".join(f"{n} {sev}" for sev, n in s.findings.items()) or "none"
            out.append(
                f"| {esc(s.sender)} | {s.messages} | {esc(', '.join(s.esps) or '-')} "
                f"| {s.with_open_pixel} | {s.with_click_tracking} "
                f"| {s.with_one_click_unsubscribe} | {esc(findings)} |"
            )
        out.append("")
    for message in scan.messages:
        out += list(_md_message(message, scan))
    return "\n".join(out).rstrip("\n") + "\n"


def _md_message(m: MessageResult, scan: EmailScan) -> Iterator[str]:
    yield f"## {esc(m.subject or '(no subject)', 120)}"
    yield ""
    yield f"- source: {esc(m.source)}"
    if m.sender:
        yield f"- from: {esc(m.sender)}"
    if m.date:
        yield f"- date: {esc(m.date)}"
    if m.error:
        yield f"- **error: {esc(m.error)}**"
        yield ""
        return
    names = sorted({_name(scan, e.service_id) for e in m.esps})
    yield f"- sent through: {esc(', '.join(names) or 'no known email service')}"
    for e in m.esps:
        yield f"  - {esc(e.pattern)}: {esc(e.evidence, 100)}"
    for warning in m.warnings:
        yield f"- warning: {esc(warning)}"
    yield ""
    if m.events:
        yield "What the sender can learn:"
        yield ""
        for event in m.events:
            yield f"- **{esc(event.name)}**: {esc(event.because)}"
        yield ""
    if m.findings:
        yield "### Findings"
        yield ""
        for f in m.findings:
            yield f"- **{f.severity}** {esc(f.type)}: {esc(f.message)}"
        yield ""
    if m.pixels:
        yield "### Open pixels"
        yield ""
        yield "| image | why | per recipient | rule |"
        yield "|---|---|---|---|"
        for p in m.pixels:
            yield (
                f"| {esc(p.url, 90)} | {esc(', '.join(p.reasons))} "
                f"| {'yes' if p.per_recipient else 'no'} | {esc(p.pattern or '-')} |"
            )
        yield ""
    tracked = [link for link in m.links if is_tracked(link)]
    if tracked:
        yield "### Tracked links"
        yield ""
        yield "| link | leads to | tracking | identifiers |"
        yield "|---|---|---|---|"
        for link in tracked:
            ids = ", ".join(i.detail or i.kind for i in link.identifiers) or "-"
            yield (
                f"| {esc(link.text or link.url, 60)} | {esc(link.destination or '?', 70)} "
                f"| {esc(link.tracking)} | {esc(ids, 80)} |"
            )
        yield ""
    if m.images:
        yield "### Remote images (not trackers)"
        yield ""
        for image in m.images:
            service = f" ({esc(_name(scan, image.service_id))})" if image.service_id else ""
            yield f"- {esc(image.url, 100)}{service}"
        yield ""
    if m.rendered is not None:
        yield from _md_rendered(m, scan)
    u = m.unsubscribe
    yield (
        f"Unsubscribe: header {'yes' if u.header else 'no'}, one-click (RFC 8058) "
        f"{'yes' if u.one_click else 'no'}, {len(u.links)} link(s) in the body."
    )
    yield ""


def _md_rendered(m: MessageResult, scan: EmailScan) -> Iterator[str]:
    r = m.rendered
    assert r is not None
    trackers = sum(1 for item in r.loaded if item.tracker)
    yield "### Rendered (images on, scripts off)"
    yield ""
    yield (
        f"{len(r.loaded)} URL(s) loaded, {trackers} of them tracking the opening; "
        f"{len(r.refused)} refused." + (f" Stopped early: {esc(r.error)}." if r.error else "")
    )
    yield ""
    for item in r.loaded:
        service = f" ({esc(_name(scan, item.service_id))})" if item.service_id else ""
        mark = " **tracks the opening**" if item.tracker else ""
        status = item.status if item.status is not None else "no answer"
        yield f"- {esc(item.resource_type)} {esc(item.url, 100)} → {status}{service}{mark}"
    for url in r.refused:
        yield f"- refused: {esc(url, 100)}"
    yield ""


def _name(scan: EmailScan, service_id: str | None) -> str:
    if not service_id:
        return ""
    return str(scan.services.get(service_id, {}).get("name", service_id))


def render_csv(scan: EmailScan) -> str:
    """One row per thing seen: ESP evidence, pixel, link, image, finding, error."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in csv_rows(scan):
        writer.writerow([_neutralise(row.get(column)) for column in CSV_COLUMNS])
    return buffer.getvalue()


def csv_rows(scan: EmailScan) -> Iterator[dict[str, Any]]:
    """The rows of ``render_csv``, as dicts keyed by ``CSV_COLUMNS``."""
    for m in scan.messages:
        base = {"message": m.source, "subject": m.subject, "sender": m.sender}
        if m.error:
            yield {**base, "kind": "error", "detail": m.error}
            continue
        yield {
            **base,
            "kind": "message",
            "detail": f"{len(m.pixels)} open pixel(s), "
            f"{sum(map(is_tracked, m.links))} tracked link(s), {len(m.findings)} finding(s)",
        }
        for e in m.esps:
            yield {
                **base,
                "kind": "esp",
                "service_id": e.service_id,
                "pattern": e.pattern,
                "detail": e.evidence,
            }
        for p in m.pixels:
            yield {
                **base,
                "kind": "pixel",
                "service_id": p.service_id,
                "pattern": p.pattern,
                "url": p.url,
                "detail": ", ".join(p.reasons),
            }
        for link in m.links:
            yield {
                **base,
                "kind": "link",
                "service_id": link.service_id,
                "url": link.url,
                "pattern": link.pattern,
                "destination": link.destination,
                "detail": link.tracking + (" per-recipient" if link.per_recipient else ""),
            }
        for image in m.images:
            yield {
                **base,
                "kind": "image",
                "service_id": image.service_id,
                "url": image.url,
                "pattern": image.pattern,
                "detail": image.note,
            }
        for f in m.findings:
            yield {
                **base,
                "kind": "finding",
                "severity": f.severity,
                "service_id": f.service_id,
                "detail": f"{f.type}: {f.message}",
            }
        for event in m.events:
            yield {**base, "kind": "event", "detail": f"{event.name}: {event.because}"}
        for item in m.rendered.loaded if m.rendered else ():
            yield {
                **base,
                "kind": "loaded",
                "service_id": item.service_id,
                "url": item.url,
                "detail": f"{item.resource_type} {item.status}"
                + (" tracks the opening" if item.tracker else ""),
            }


def _neutralise(value: Any) -> Any:
    if isinstance(value, str):
        value = value.replace("\x00", "")
        if value.startswith(_FORMULA_START):
            return "'" + value
    return value
