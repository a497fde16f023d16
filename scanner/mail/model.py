"""The result of an email scan, declared once (frozen pydantic dataclasses).

Loading, dumping and the JSON Schema (``json_schema()``, committed as
``scanner/mail/email.schema.json``) all come from this declaration, as for a site scan
(``scanner.model``). Shape::

    EmailScan
    ├── provenance: tool version, start and end times, inputs, limits
    ├── messages: MessageResult (one per message of every file, mbox or folder)
    │   ├── esps:     EspMatch    (the sender's email service, with the rule that matched)
    │   ├── pixels:   Pixel       (open tracking: ESP endpoints, 1x1, hidden, CSS, identifiers)
    │   ├── links:    Link        (click tracking, destination, identifiers, UTM parameters)
    │   ├── images:   RemoteImage (remote images that are not trackers)
    │   ├── unsubscribe: Unsubscribe (List-Unsubscribe, one-click RFC 8058, links)
    │   ├── events:   Event       (what the sender can learn: Delivered, Opened...)
    │   └── findings: EmailFinding (with the legal reading)
    ├── senders:  SenderSummary (one per From address)
    └── services: {service id -> facts}  (copied from the signature database)

Every string that came from an email (URLs, subjects, header values) is hostile data:
renderers must escape it.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, TypeAdapter
from pydantic.dataclasses import dataclass

SCHEMA_VERSION = "1.0"
MODEL_CONFIG = ConfigDict(use_attribute_docstrings=True, extra="ignore")

Severity = Literal["high", "medium", "low", "info"]
#: What a sender can collect, in the words of the Segment Mailjet source.
EventName = Literal[
    "Delivered", "Bounced", "Marked as Spam", "Opened", "Link Clicked", "Unsubscribed"
]
EVENT_NAMES: tuple[EventName, ...] = (
    "Delivered", "Bounced", "Marked as Spam", "Opened", "Link Clicked", "Unsubscribed",
)  # fmt: skip
PixelReason = Literal["esp-open-endpoint", "tiny", "hidden", "css-background", "identifier"]
IdentifierKind = Literal["recipient-address", "named-parameter", "opaque-token", "esp-token"]
ConsentNeed = Literal["required", "depends", "exempt"]

#: Stable finding types and what each means (documented in the JSON Schema).
FINDING_TYPES: dict[str, str] = {
    "open_tracking_pixel": "An image that reports the opening of the message to the sender "
    "(ESP open endpoint, 1x1 or hidden image, CSS background, or an identifier in its URL).",
    "click_tracking": "Links go through a tracking redirect or carry an identifier of the "
    "recipient, so the sender learns who clicked what.",
    "no_unsubscribe": "A message from an email service provider with no List-Unsubscribe "
    "header and no unsubscribe link.",
    "no_one_click_unsubscribe": "A List-Unsubscribe header without one-click unsubscribe "
    "(RFC 8058 List-Unsubscribe-Post), which large mailbox providers require of bulk senders.",
    "active_content": "Scripts, forms, frames or javascript: links in the HTML (never run by "
    "cookiescan, and blocked by mail clients): hostile or careless content.",
}
_FINDING_TYPE_SCHEMA = [{"const": k, "description": v} for k, v in FINDING_TYPES.items()]


@dataclass(frozen=True, config=MODEL_CONFIG)
class Identifier:
    """Something in a URL that can tell one recipient from another."""

    where: str
    """Where in the URL: `query:e`, `path[2]` (a path segment, from 0), or `url`."""
    kind: IdentifierKind
    """recipient-address (the recipient's address, plain, encoded or hashed), named-parameter
    (a parameter whose name says it identifies a person: e, uid, email...), opaque-token (a
    long random-looking value), esp-token (an ESP endpoint whose token is per recipient)."""
    detail: str = ""
    """In words, e.g. "the recipient's address, as base64"."""


@dataclass(frozen=True, config=MODEL_CONFIG)
class EspMatch:
    """Evidence that an email service provider sent the message, with the rule that matched."""

    service_id: str
    """The service's id in the signature database."""
    via: Literal["header", "open", "click", "host"]
    """What matched: a header, an open pixel, a tracked link, or a URL on one of its hosts."""
    pattern: str
    """The exact rule, e.g. `email-header:X-MJ-Mid`, `email-open:mjt.lu/oo/`, `host:mjt.lu`."""
    evidence: str
    """The header (`Name: value`, shortened) or the URL that matched."""


@dataclass(frozen=True, config=MODEL_CONFIG)
class Pixel:
    """An image that tells the sender the message was opened (open tracking)."""

    url: str
    """The image's URL (never fetched)."""
    element: Literal["img", "css", "attribute"]
    """img (an <img> or <input type=image>), css (a url() in a style), attribute (a
    `background=` attribute)."""
    reasons: tuple[PixelReason, ...]
    """Why it is a pixel: esp-open-endpoint, tiny (1x1 or 0 wide/high), hidden (display:none,
    zero-size style...), css-background, identifier (its URL identifies the recipient)."""
    per_recipient: bool
    """true when the URL identifies the recipient (an ESP endpoint or an identifier)."""
    service_id: str | None = None
    """The service whose rule matched the URL, if any."""
    pattern: str | None = None
    """The rule that matched the URL, if any."""
    identifiers: tuple[Identifier, ...] = ()
    """What in the URL can tell recipients apart."""


@dataclass(frozen=True, config=MODEL_CONFIG)
class Link:
    """A link of the message (HTML or plain text), and how it is tracked."""

    url: str
    """The link as written in the message (never followed)."""
    part: Literal["html", "text"]
    """The part it was found in."""
    tracking: Literal["esp-click", "redirect", "none"]
    """esp-click (a known ESP click endpoint), redirect (a redirect whose destination is in
    the URL), none."""
    per_recipient: bool
    """true when the URL identifies the recipient (an ESP endpoint or an identifier)."""
    text: str = ""
    """The link's text, shortened."""
    unsubscribe: bool = False
    """true when the link unsubscribes (by its text or its URL)."""
    service_id: str | None = None
    """The service whose click rule (failing one, whose host) matched, if any."""
    pattern: str | None = None
    """The rule that matched, e.g. `email-click:mjt.lu/lnk/` or `host:mjt.lu`."""
    destination: str | None = None
    """Where the redirect leads, when the URL says it."""
    destination_via: str | None = None
    """How the destination was read, e.g. `path[4] (base64url)`, `query:redirectUrl`."""
    identifiers: tuple[Identifier, ...] = ()
    """What in the URL (or the destination's) can tell recipients apart."""
    utm: dict[str, str] = dataclasses.field(default_factory=dict)
    """utm_* parameters of the link or its destination (campaign tags, not identifiers)."""


@dataclass(frozen=True, config=MODEL_CONFIG)
class RemoteImage:
    """A remote image that is not a tracker (same URL for every recipient, normal size)."""

    url: str
    """The image's URL (never fetched)."""
    element: Literal["img", "css", "attribute"]
    """Where it was found, as for a pixel."""
    service_id: str | None = None
    """The service whose host serves it, if known."""
    pattern: str | None = None
    """The signature rule that matched its URL, if any."""
    note: str = ""
    """E.g. "spacer": a layout image without an identifier."""


@dataclass(frozen=True, config=MODEL_CONFIG)
class Unsubscribe:
    """How the recipient can unsubscribe."""

    header: tuple[str, ...] = ()
    """The URIs of the List-Unsubscribe header (mailto: and https:)."""
    one_click: bool = False
    """true with `List-Unsubscribe-Post: List-Unsubscribe=One-Click` and an https URI
    (RFC 8058)."""
    links: tuple[str, ...] = ()
    """Unsubscribe links in the body."""


@dataclass(frozen=True, config=MODEL_CONFIG)
class Event:
    """Something the sender can learn about the recipient."""

    name: EventName
    """Delivered, Bounced, Marked as Spam, Opened, Link Clicked or Unsubscribed."""
    because: str
    """Why the sender can collect it."""


@dataclass(frozen=True, config=MODEL_CONFIG)
class EmailFinding:
    """A finding with its legal reading and evidence. `type` values are stable."""

    type: Annotated[str, Field(json_schema_extra={"oneOf": _FINDING_TYPE_SCHEMA})]
    """The finding's type, a stable id (listed with their meanings)."""
    severity: Severity
    """high, medium, low or info."""
    message: str
    """The finding and its legal reading, in sentences."""
    service_id: str | None = None
    """The service concerned, if any."""
    consent: ConsentNeed | None = None
    """Whether the service needs consent per its facts (`scanner.rules.need_of`)."""
    evidence: tuple[dict[str, Any], ...] = ()
    """What was seen: url, pattern, reasons, identifiers, header..."""


@dataclass(frozen=True, config=MODEL_CONFIG)
class Loaded:
    """A URL the message loaded when rendered (``--render``)."""

    url: str
    """The URL requested."""
    resource_type: str
    """What the browser fetched it as: image, stylesheet, font, document (an iframe)..."""
    status: int | None = None
    """The HTTP status, null when no answer came."""
    service_id: str | None = None
    """The email service whose endpoint it is, when the signatures know it."""
    tracker: bool = False
    """An open pixel or tracked image of this message's analysis: loading it told the
    sender the message was opened."""


@dataclass(frozen=True, config=MODEL_CONFIG)
class Rendered:
    """What rendering the message in Chromium (images on, scripts off) loaded."""

    loaded: tuple[Loaded, ...] = ()
    """Every URL requested, in order."""
    refused: tuple[str, ...] = ()
    """URLs the message asked for and the renderer refused: other schemes (file:...) and
    attempts to navigate away (a meta refresh)."""
    error: str | None = None
    """Why rendering stopped early (a deadline), null when it finished."""


@dataclass(frozen=True, config=MODEL_CONFIG)
class MessageResult:
    """One message: who sent it, what tracks its recipient, what the sender can learn."""

    source: str
    """The file it came from; `FILE#N` for message N (from 1) of an mbox."""
    error: str | None = None
    """Why the message could not be scanned (broken MIME, too big, not an email...)."""
    warnings: tuple[str, ...] = ()
    """Problems that did not stop the scan (unknown charset, truncated HTML, scripts...)."""
    size: int = 0
    """The message's size in bytes."""
    message_id: str | None = None
    """The Message-ID header."""
    subject: str | None = None
    """The Subject header."""
    sender: str | None = None
    """The From header."""
    date: str | None = None
    """The Date header."""
    esps: tuple[EspMatch, ...] = ()
    """Evidence of the email service providers that sent it."""
    pixels: tuple[Pixel, ...] = ()
    """Open-tracking pixels."""
    links: tuple[Link, ...] = ()
    """Every http(s) link, tracked or not."""
    images: tuple[RemoteImage, ...] = ()
    """Remote images that are not trackers."""
    unsubscribe: Unsubscribe = dataclasses.field(default_factory=Unsubscribe)
    """How to unsubscribe."""
    events: tuple[Event, ...] = ()
    """What the sender can collect about the recipient."""
    findings: tuple[EmailFinding, ...] = ()
    """The findings, each with its legal reading."""
    rendered: Rendered | None = None
    """What loaded when the message was rendered (``--render``); null when it was not (the
    default: nothing is fetched)."""


@dataclass(frozen=True, config=MODEL_CONFIG)
class SenderSummary:
    """Every message of one sender (From address) in the scan."""

    sender: str
    """The From address, lower-cased (or "(unknown)")."""
    messages: int
    """How many messages."""
    esps: tuple[str, ...] = ()
    """Ids of the email service providers seen."""
    with_open_pixel: int = 0
    """Messages with an open-tracking pixel."""
    with_click_tracking: int = 0
    """Messages with at least one tracked link."""
    tracked_links: int = 0
    """Tracked links over all its messages."""
    with_one_click_unsubscribe: int = 0
    """Messages with one-click unsubscribe."""
    events: tuple[EventName, ...] = ()
    """What the sender can collect, over all its messages."""
    findings: dict[str, int] = dataclasses.field(default_factory=dict)
    """Findings by severity."""


@dataclass(frozen=True, config=MODEL_CONFIG)
class EmailScan:
    """The record of one `cookiescan email` run: every message of every path given, each with
    its trackers, events and findings. Readers ignore unknown keys (1.x reads any 1.y)."""

    tool_version: str
    """cookiescan version that made the scan."""
    started_at: str
    """ISO 8601 time the scan started."""
    finished_at: str
    """ISO 8601 time the scan ended."""
    inputs: tuple[str, ...]
    """The paths given (files, mbox files, folders)."""
    limits: dict[str, int]
    """The size limits the scan ran with (bytes, parts)."""
    unreadable: tuple[str, ...] = ()
    """Paths that could not be read at all (`PATH: reason`)."""
    fetched: bool = False
    """Always false: nothing is fetched, as loading a pixel tells the sender the message was
    opened."""
    messages: tuple[MessageResult, ...] = ()
    """One result per message."""
    senders: tuple[SenderSummary, ...] = ()
    """One summary per sender."""
    services: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    """Facts of every matched service, copied from the signature database."""
    schema_version: str = Field(default=SCHEMA_VERSION, pattern=r"^1\.[0-9]+$")
    """Version of this format, "1.0" today."""

    @property
    def error_count(self) -> int:
        """Messages that could not be scanned."""
        return sum(1 for m in self.messages if m.error)

    def to_json(self, *, indent: int | None = 2) -> str:
        """The scan as JSON text (what `cookiescan email` writes)."""
        return _ADAPTER.dump_json(self, indent=indent).decode("utf-8") + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> EmailScan:
        """Read (and validate) a scan from its JSON text."""
        return _ADAPTER.validate_json(text)


_ADAPTER: TypeAdapter[EmailScan] = TypeAdapter(EmailScan)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of an email scan, generated from this declaration."""
    schema = _ADAPTER.json_schema(mode="serialization")
    schema.pop("title", None)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://cookiescan.invalid/schema/email-{SCHEMA_VERSION}.json",
        "title": "cookiescan email scan",
        **schema,
    }


def render_schema() -> str:
    """``json_schema()`` as the text committed in ``scanner/mail/email.schema.json``."""
    import json

    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
