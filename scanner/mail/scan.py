"""Paths -> an ``EmailScan``: read every message, analyse it, judge it, summarise per sender.

A message that cannot be read gets a result with its ``error`` and the others are still
scanned; a path that cannot be read at all is listed in ``unreadable``. Nothing is fetched.

Example::

    scan = scan_paths(["inbox.mbox"])
    [(m.source, len(m.pixels)) for m in scan.messages]
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any

import signatures
from scanner.mail.analyse import analyse_message
from scanner.mail.esp import EmailIndex
from scanner.mail.judge import events_of, findings_of, is_tracked, summarise
from scanner.mail.model import EmailScan, Loaded, MessageResult, Rendered
from scanner.mail.parse import MessageError, ParsedMessage, parse_html_file, parse_message
from scanner.mail.read import RawMessage, Unreadable, iter_messages

#: Renders one HTML document and says what loaded: ``{"loaded": [{url, resource_type,
#: status}], "refused": [url], "error": str | None}`` (``scanner.collect.render``).
Renderer = Callable[[str], dict[str, Any]]


@dataclass(frozen=True)
class Limits:
    """Caps that keep a hostile or huge input from eating the machine."""

    max_message_bytes: int = 25 << 20
    """A message (or HTML file) over this is not scanned."""
    max_html_bytes: int = 5 << 20
    """An HTML part is cut at this many characters."""
    max_parts: int = 500
    """MIME parts read per message."""
    max_urls: int = 5000
    """Images and links read per HTML part."""


def scan_paths(
    paths: Iterable[str | os.PathLike[str]],
    *,
    db: signatures.SignatureDB | None = None,
    limits: Limits = Limits(),
    tool_version: str = "",
    progress: Callable[[str], None] | None = None,
    render: Renderer | None = None,
) -> EmailScan:
    """Scan every message under ``paths`` (files, mbox files, folders, HTML files).

    ``render`` (opt-in, ``--render``) is given each message's HTML and returns what loaded
    (``scanner.collect.render``): the CLI injects it, so this room never drives a browser."""
    started = _now()
    index = EmailIndex(db if db is not None else signatures.load())
    inputs = tuple(str(p) for p in paths)
    messages: list[MessageResult] = []
    unreadable: list[str] = []
    services: set[str] = set()
    for item in iter_messages(inputs, max_bytes=limits.max_message_bytes):
        if isinstance(item, Unreadable):
            unreadable.append(f"{item.source}: {item.reason}")
            if progress:
                progress(f"{item.source}: {item.reason}")
            continue
        result, used = scan_message(item, index, limits, render)
        messages.append(result)
        services |= used
        if progress:
            progress(_progress_line(result))
    return EmailScan(
        tool_version=tool_version,
        started_at=started,
        finished_at=_now(),
        inputs=inputs,
        limits=asdict(limits),
        unreadable=tuple(unreadable),
        messages=tuple(messages),
        senders=summarise(messages),
        services={sid: index.facts(sid) for sid in sorted(services) if sid in index.db},
    )


def scan_message(
    raw: RawMessage, index: EmailIndex, limits: Limits = Limits(), render: Renderer | None = None
) -> tuple[MessageResult, set[str]]:
    """One message's result, and the ids of the services it matched."""
    if raw.data is None:
        return MessageResult(source=raw.source, error=raw.error, size=raw.size), set()
    try:
        if raw.kind == "html":
            parsed = parse_html_file(raw.data, max_html_bytes=limits.max_html_bytes)
        else:
            parsed = parse_message(
                raw.data, max_html_bytes=limits.max_html_bytes, max_parts=limits.max_parts
            )
    except MessageError as exc:
        headers = exc.parsed or ParsedMessage()
        return MessageResult(
            source=raw.source,
            error=str(exc),
            size=raw.size,
            message_id=headers.header("Message-ID"),
            subject=headers.header("Subject"),
            sender=headers.header("From"),
            date=headers.header("Date"),
        ), set()
    except Exception as exc:  # noqa: BLE001 - one bad message never stops the others
        error = f"could not be parsed ({type(exc).__name__}: {str(exc)[:200]})"
        return MessageResult(source=raw.source, error=error, size=raw.size), set()
    parts = analyse_message(parsed, index, limits.max_urls)
    name_of = index.name_of
    result = MessageResult(
        source=raw.source,
        warnings=tuple(dict.fromkeys([*parsed.warnings, *parts.warnings])),
        size=raw.size,
        message_id=parsed.header("Message-ID"),
        subject=parsed.header("Subject"),
        sender=parsed.header("From"),
        date=parsed.header("Date"),
        esps=tuple(parts.esps),
        pixels=tuple(parts.pixels),
        links=tuple(parts.links),
        images=tuple(parts.images),
        unsubscribe=parts.unsubscribe,
        events=events_of(parts, name_of),
        findings=findings_of(parts, index.facts, name_of),
        rendered=_rendered(parsed, parts, index, render) if render else None,
    )
    return result, parts.services


def _rendered(parsed: ParsedMessage, parts: Any, index: EmailIndex, render: Renderer) -> Rendered:
    """Render the message's first HTML part and tie each load to what the analysis found."""
    if not parsed.html:
        return Rendered(error="no HTML part to render")
    seen = render(parsed.html[0])
    pixels = {p.url for p in parts.pixels}
    loaded = []
    for item in seen.get("loaded", []):
        url = str(item.get("url", ""))
        opened = index.match_open(url)
        match = opened or index.match_click(url)
        host = index.match_host(url, item.get("resource_type"))
        loaded.append(
            Loaded(
                url=url,
                resource_type=str(item.get("resource_type", "")),
                status=item.get("status"),
                service_id=match.service_id if match else (host[0] if host else None),
                tracker=url in pixels or opened is not None,
            )
        )
    return Rendered(
        loaded=tuple(loaded), refused=tuple(seen.get("refused", ())), error=seen.get("error")
    )


def scan_bytes(data: bytes, *, source: str = "<bytes>", db: Any = None) -> MessageResult:
    """One message given as bytes (tests, other tools).

    Example::

        scan_bytes(Path("newsletter.eml").read_bytes()).pixels[0].pattern
    """
    raw = RawMessage(source, "eml", data, len(data))
    return scan_message(raw, EmailIndex(db if db is not None else signatures.load()))[0]


def _progress_line(result: MessageResult) -> str:
    if result.error:
        return f"{result.source}: error: {result.error}"
    tracked = sum(1 for link in result.links if is_tracked(link))
    return (
        f"{result.source}: {len(result.pixels)} open pixel(s), {tracked} tracked link(s), "
        f"{len(result.findings)} finding(s)"
    )


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


__all__ = ["Limits", "ParsedMessage", "scan_bytes", "scan_message", "scan_paths"]
