"""Raw bytes -> the parts of a message worth reading: headers, HTML and plain text.

MIME is parsed by the standard library (``email`` with ``policy.default``): multipart,
quoted-printable, base64 and charsets. What it cannot read becomes a ``MessageError`` with a
clear message (a broken multipart boundary, binary junk, no header at all); what it can read
around becomes a warning (an unknown charset is read as UTF-8, a truncated HTML part...).
Attachments are not read, and nothing in a message is ever run.

Example::

    parsed = parse_message(data, max_html_bytes=5 << 20, max_parts=500)
    parsed.header("List-Unsubscribe"), len(parsed.html), parsed.warnings
"""

from __future__ import annotations

import codecs
import email
import re
from dataclasses import dataclass, field
from email import errors as mime_errors
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses

#: Defects after which the body of a multipart cannot be trusted: a per-message error.
_FATAL_DEFECTS = (
    mime_errors.StartBoundaryNotFoundDefect,
    mime_errors.NoBoundaryInMultipartDefect,
)
_FOLD = re.compile(r"\r?\n[ \t]+")
_HEADER_NAME = re.compile(rb"^[!-9;-~]+:", re.M)
_RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")


class MessageError(Exception):
    """This message cannot be scanned; the message says why, for a person. ``parsed`` holds
    its headers when they could be read."""

    def __init__(self, message: str, parsed: ParsedMessage | None = None):
        super().__init__(message)
        self.parsed = parsed


@dataclass
class ParsedMessage:
    """What the scan reads of one message."""

    headers: list[tuple[str, str]] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        """The first header called ``name`` (any case), unfolded and decoded."""
        wanted = name.lower()
        return next((v for n, v in self.headers if n.lower() == wanted), None)


def parse_message(data: bytes, *, max_html_bytes: int, max_parts: int) -> ParsedMessage:
    """Parse one message (RFC 5322 bytes). Raises ``MessageError``."""
    _refuse_binary(data)
    msg = email.message_from_bytes(data, policy=policy.default)
    if not msg.keys():
        raise MessageError("not an email: no header found (is this a message file?)")
    parsed = ParsedMessage(headers=[(name, _decoded(value)) for name, value in msg.raw_items()])
    parsed.recipients = _recipients(parsed)
    fatal = [d for d in msg.defects if isinstance(d, _FATAL_DEFECTS)]
    if fatal and msg.get_content_maintype() == "multipart":
        boundary = msg.get_boundary()
        raise MessageError(
            f"broken MIME: the multipart boundary {boundary!r} never starts a part, "
            "so no part can be read"
            if boundary
            else "broken MIME: a multipart message without a boundary",
            parsed,
        )
    for count, part in enumerate(msg.walk(), start=1):
        if count > max_parts:
            parsed.warnings.append(f"more than {max_parts} MIME parts: the rest was not read")
            break
        for defect in part.defects:
            if isinstance(defect, mime_errors.CloseBoundaryNotFoundDefect):
                parsed.warnings.append("broken MIME: a multipart part is never closed")
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        kind = part.get_content_type()
        if kind not in ("text/html", "text/plain"):
            continue
        text = _text_of(part, parsed.warnings)
        if kind == "text/html":
            if len(text) > max_html_bytes:
                parsed.warnings.append(
                    f"an HTML part of {len(text)} characters was cut at {max_html_bytes}"
                )
                text = text[:max_html_bytes]
            parsed.html.append(text)
        else:
            parsed.text.append(text[:max_html_bytes])
    if not parsed.html and not parsed.text:
        parsed.warnings.append("no readable text or HTML part")
    return parsed


def parse_html_file(data: bytes, *, max_html_bytes: int) -> ParsedMessage:
    """A raw HTML newsletter (no headers): read as UTF-8, else Windows-1252."""
    _refuse_binary(data, email_headers=False)
    parsed = ParsedMessage()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        parsed.warnings.append("the HTML file is not UTF-8: read as Windows-1252")
    if len(text) > max_html_bytes:
        parsed.warnings.append(f"the HTML was cut at {max_html_bytes} characters")
        text = text[:max_html_bytes]
    parsed.html.append(text)
    return parsed


def _refuse_binary(data: bytes, *, email_headers: bool = True) -> None:
    head = data[:8192]
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    if b"\x00" in head or controls > len(head) // 20:
        raise MessageError("binary data, not an email or an HTML file")
    if email_headers and head and not _HEADER_NAME.search(head):
        raise MessageError("not an email: no header found (is this a message file?)")


def _decoded(value: object) -> str:
    """A header value as text: unfolded, RFC 2047 words decoded (raw text if they are bad)."""
    text = _FOLD.sub(" ", str(value)).strip()
    if "=?" not in text:
        return text
    try:
        return str(make_header(decode_header(text)))
    except (LookupError, UnicodeError, ValueError, mime_errors.HeaderParseError):
        return text


def _recipients(parsed: ParsedMessage) -> list[str]:
    values = [v for n, v in parsed.headers if n.title() in _RECIPIENT_HEADERS]
    try:
        found = [addr.strip().lower() for _, addr in getaddresses(values) if "@" in addr]
    except (TypeError, ValueError, IndexError):
        return []
    return sorted(set(found))


def _text_of(part: Message, warnings: list[str]) -> str:
    """A text part decoded: transfer encoding, then charset (unknown ones read as UTF-8)."""
    payload = part.get_payload(decode=True)
    raw = payload if isinstance(payload, bytes) else str(payload or "").encode()
    charset = part.get_content_charset() or "us-ascii"
    try:
        codecs.lookup(charset)
    except LookupError:
        warnings.append(f"unknown charset {charset[:40]!r}: read as UTF-8")
        charset = "utf-8"
    if charset in ("us-ascii", "ascii"):
        charset = "utf-8"  # undeclared 8-bit text is UTF-8 far more often than not
    text = raw.decode(charset, errors="replace")
    bad = text.count("\ufffd") - raw.count("\ufffd".encode())  # minus any written in it
    if bad > 0:
        warnings.append(f"{bad} byte(s) were not valid {charset}: replaced")
    return text
