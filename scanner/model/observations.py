"""What the browser saw on each page: requests, cookies, storage, errors, the consent click.

Declared once as frozen pydantic dataclasses; the attribute docstrings are the field
descriptions of the JSON Schema. Every string in here came from the scanned site: untrusted.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field, WithJsonSchema
from pydantic.dataclasses import dataclass

SCHEMA_VERSION = "1.0"

#: The consent phases, each in a fresh browser context (stable ids).
Phase = Annotated[
    Literal["no-interaction", "accept-all", "reject-all"],
    WithJsonSchema(
        {
            "description": "Stable consent phase ids.",
            "oneOf": [
                {
                    "const": "no-interaction",
                    "description": "The banner is left alone: what a visitor gets before any "
                    "choice.",
                },
                {
                    "const": "accept-all",
                    "description": "The banner's accept-all button was clicked.",
                },
                {
                    "const": "reject-all",
                    "description": "The banner's reject-all button was clicked.",
                },
            ],
        }
    ),
]
PHASES: tuple[Phase, ...] = ("no-interaction", "accept-all", "reject-all")

Party = Literal["first", "third"]
#: The clock a page's dwell ran on (``ScanConfig.clock``, ``Visit.clock``).
Clock = Literal["virtual", "real"]
CookieSource = Literal["wire", "jar", "js"]
Severity = Literal["high", "medium", "low", "info"]
MatchKind = Literal["request", "cookie", "storage"]
#: Whether a service needs consent (``scanner.rules.need_of``).
ConsentNeed = Literal["required", "depends", "exempt"]
SiteVerdictId = Literal[
    "access-limited", "violations", "consent-not-tested", "issues", "no-issues-found"
]
ServiceVerdictId = Literal[
    "exempt", "tracks-before-consent", "tracks-after-reject", "waits-for-consent", "not-tested"
]

# Descriptions come from the attribute docstrings below; unknown keys are ignored, so a 1.x
# reader accepts any 1.y result.
MODEL_CONFIG = ConfigDict(use_attribute_docstrings=True, extra="ignore")


@dataclass(frozen=True, config=MODEL_CONFIG)
class Carried:
    """A stored identifier found in a request (its value is never kept, only where it was)."""

    source: Literal["cookie", "storage"]
    """Where the identifier was stored: a cookie, or a localStorage/sessionStorage key."""
    name: str
    """The cookie's name or the storage key."""
    owner: str
    """The cookie's domain, or the storage key's origin."""
    where: Literal["url", "body"]
    """Found in the request's URL (WebSocket: its URL or a sent frame) or body."""
    encoding: Literal["plain", "url", "base64"] = "plain"
    """How the value was written: as stored, URL-encoded or base64-encoded."""


@dataclass(frozen=True, config=MODEL_CONFIG)
class Request:
    """One request the browser made while a page was open."""

    url: str
    """The full URL requested."""
    method: str
    """HTTP method."""
    resource_type: str
    """Playwright resource type: document, script, image, xhr, fetch, ping, sub_frame…"""
    host: str
    """The URL's host name."""
    party: Party
    """Whether the host belongs to the scanned site (its registrable domain or a listed
    first_party domain)."""
    time_ms: float
    """Milliseconds since the start of the page's navigation."""
    status: int | None = None
    """HTTP status of the response; null when none came."""
    frame_url: str | None = None
    """URL of the frame that made it."""
    is_main_frame: bool = False
    """Made by the page's main frame."""
    initiator: str | None = None
    """Who started the request (Chromium DevTools): the URL of the script whose code made it
    (the page's URL for an inline script), or of the document or stylesheet whose parser did;
    a redirect hop keeps the first request's initiator. Where DevTools did not see the request
    (service workers, cross-origin iframes, trace_initiators off), the Referer header (often
    only an origin, by the default referrer policy)."""
    initiator_type: str | None = None
    """How: the page's Resource Timing kind when it has one (script, img, fetch,
    xmlhttprequest, beacon, iframe, css, link…), else the DevTools initiator type (parser,
    script = JavaScript, preload, other…), or service-worker, websocket, referrer (nothing
    said)."""
    redirect_chain: tuple[str, ...] = ()
    """URLs that redirected to this one, oldest first."""
    service_worker: str | None = None
    """The service worker's URL, for requests a service worker made."""
    failure: str | None = None
    """Why the request failed (a network error text), when it did."""
    carries: tuple[Carried, ...] = ()
    """Identifiers stored by the site or its third parties (cookie and storage values that
    look like identifiers) found in this request's URL or body: plain, URL-encoded or
    base64 (docs/behaviour.md)."""
    body_keys: tuple[str, ...] | None = None
    """The top-level keys of the request body when it is a JSON object (the values are never
    kept; at most 50 keys of up to 100 characters), e.g. ["n", "u", "d"] for a Plausible
    event; null when there is no body or it is not a JSON object."""

    def evidence(self) -> dict[str, Any]:
        """What a finding keeps of this request as its evidence (JSON-ready)."""
        return {
            "url": self.url,
            "host": self.host,
            "party": self.party,
            "time_ms": self.time_ms,
            "resource_type": self.resource_type,
            "status": self.status,
        }


@dataclass(frozen=True, config=MODEL_CONFIG)
class Cookie:
    """A cookie a page set, merged from every place it was seen."""

    name: str
    """The cookie's name."""
    domain: str
    """Domain the cookie belongs to (a leading dot: sent to subdomains too)."""
    path: str
    """Path the cookie is sent for."""
    party: Party
    """First party (the scanned site's) or third party."""
    lifetime_days: float | None
    """Days from setting to expiry as the browser stored it; null for a session cookie."""
    requested_lifetime_days: float | None = None
    """The lifetime the site asked for when the browser stored a shorter one (Chromium caps
    cookies at 400 days); null otherwise."""
    expires: float | None = None
    """Expiry as a Unix timestamp."""
    secure: bool = False
    """Sent over HTTPS only."""
    http_only: bool = False
    """Hidden from JavaScript."""
    same_site: str | None = None
    """SameSite attribute: Strict, Lax or None."""
    partition_key: str | None = None
    """The top-level site of a partitioned (CHIPS) cookie."""
    sources: tuple[CookieSource, ...] = ()
    """Where it was seen: wire (Set-Cookie header), jar (browser cookie store), js
    (document.cookie / cookieStore)."""
    set_by: str | None = None
    """The script that wrote it through JavaScript, or the response that set it."""
    value_sha256: str | None = None
    """First 16 hex digits of the SHA-256 of the value."""
    value_length: int = Field(default=0, ge=0)
    """Length of the value in characters."""
    value: str | None = None
    """The value itself, only when the scan was asked to keep it (include_cookie_values)."""
    time_ms: float | None = None
    """When it was set, in milliseconds since the page's navigation started."""
    blocked_reason: str | None = None
    """Why the browser refused to store it, when it did."""
    host_only: bool | None = None
    """true: set without a Domain attribute, sent to ``domain`` only; false: set with
    Domain=, sent to its subdomains too; null when unknown (older scans)."""
    identifier: bool | None = None
    """The value looks like an identifier (8+ characters, random enough, not a date, a
    number of the clock, a boolean or a word: docs/behaviour.md); null when unknown."""

    @property
    def is_session(self) -> bool:
        return self.lifetime_days is None


@dataclass(frozen=True, config=MODEL_CONFIG)
class StorageItem:
    """A key in localStorage or sessionStorage of one frame origin, after the page."""

    kind: Literal["local", "session"]
    """local (localStorage) or session (sessionStorage)."""
    origin: str
    """The frame origin that owns the key."""
    key: str
    """The storage key."""
    party: Party
    """First party (the scanned site's) or third party."""
    value_length: int = Field(default=0, ge=0)
    """Length of the stored value in characters."""
    time_ms: float | None = None
    """When this page wrote the key, from the start of page load; null when the key was
    already there (set on an earlier page of the phase) and this page did not write it."""
    set_by: str | None = None
    """The script that wrote the key on this page, when known."""
    identifier: bool | None = None
    """The value looks like an identifier (as for cookies: docs/behaviour.md); null when
    unknown."""


@dataclass(frozen=True, config=MODEL_CONFIG)
class ApiUse:
    """What one script did with one fingerprinting-prone API on a page (the init script
    ``collect/fingerprint.js`` saw it; the judge applies the criteria, docs/behaviour.md)."""

    api: Literal["canvas", "canvas-font", "webgl", "audio", "navigator"]
    """canvas (drawing and readback), canvas-font (font probing with measureText), webgl
    (renderer parameters), audio (AudioContext / OfflineAudioContext rendering), navigator
    (reads of navigator and screen properties)."""
    script: str
    """URL of the script that made the calls (the document's URL for an inline script)."""
    host: str
    """The script's host name."""
    party: Party
    """First party (the scanned site's) or third party."""
    time_ms: float | None = None
    """When the first call was made, in milliseconds since the page's navigation started."""
    calls: dict[str, int] = dataclasses.field(default_factory=dict)
    """How many times each API was called, e.g. {"HTMLCanvasElement.toDataURL": 1}."""
    facts: dict[str, Any] = dataclasses.field(default_factory=dict)
    """What the criteria need. canvas: readbacks [{method, width, height, chars, colours,
    format, avoided}] (avoided: save, restore or addEventListener were called on that canvas);
    canvas-font: fonts (distinct fonts set), measures; webgl: unmasked (the UNMASKED_*
    parameters read); audio: oscillator, compressor, analyser, rendered (booleans); navigator:
    properties (the distinct properties read)."""


@dataclass(frozen=True, config=MODEL_CONFIG)
class CookieRead:
    """Cookie names one script read through ``document.cookie`` in one frame (the names in
    the string the browser gave it; the values are never kept)."""

    script: str
    """URL of the script that read them (the document's URL for an inline script)."""
    host: str
    """The script's host name."""
    party: Party
    """First party (the scanned site's) or third party: the script's."""
    frame_origin: str
    """The origin of the frame whose document.cookie was read (its cookies)."""
    names: tuple[str, ...] = ()
    """The cookie names the script got, in the order first read (at most 500 per frame)."""
    time_ms: float | None = None
    """When the first of these reads was made, in milliseconds since the page's navigation
    started."""


@dataclass(frozen=True, config=MODEL_CONFIG)
class PageError:
    """Something that went wrong on a page; the crawl goes on."""

    kind: str
    """navigation, http, redirect-loop, download, dialog, popup, crash, tls, unreachable,
    timeout, proxy, aborted or internal."""
    message: str
    """What went wrong, as the browser said it."""


@dataclass(frozen=True, config=MODEL_CONFIG)
class Visit:
    """One page visited in one phase, and everything seen while it was open."""

    url: str
    """The URL asked for."""
    final_url: str
    """Where the browser ended after redirects."""
    depth: Annotated[int, Field(ge=0)]
    """Link distance from the start URL."""
    phase: Phase
    started_at: str
    """ISO 8601 time the visit started."""
    duration_ms: float
    """How long the page was open, in milliseconds."""
    status: int | None = None
    """HTTP status of the main document."""
    title: str | None = None
    """The page's title."""
    requests: tuple[Request, ...] = ()
    """Every request the page made, in all frames."""
    cookies: tuple[Cookie, ...] = ()
    """Every cookie the page set."""
    storage: tuple[StorageItem, ...] = ()
    """localStorage and sessionStorage keys after the page, per frame origin."""
    errors: tuple[PageError, ...] = ()
    """What went wrong on the page."""
    links_found: int = Field(default=0, ge=0)
    """Links found on the page."""
    api_uses: tuple[ApiUse, ...] = ()
    """Uses of fingerprinting-prone APIs, per script and API (canvas, fonts, WebGL, audio,
    navigator/screen)."""
    clock: Clock | None = None
    """The clock the page's dwell ran on. virtual: page time ran ahead of the wall clock up to
    the dwell (timers, animation frames and idle callbacks ran as soon as the page had nothing
    else to do; the clock stood still while the page waited for the network). real: page time
    followed the wall clock: asked for (clock real), on the start page of a consent phase, or
    as a fallback when the page's network kept the virtual clock still or its scripts froze
    under it. null: no dwell ran (dwell 0, or the page failed before it), or the scan predates
    this field. The time_ms of requests, cookies and storage keys are page times (a cookie or
    key written while the virtual clock ran gets the page time of the network event before
    it); duration_ms is wall-clock time."""
    interactions: tuple[str, ...] = ()
    """What the scan did on the page as a visitor before the dwell ended: scroll (to the bottom,
    in steps), pointer (moved across the page). Empty: none (interact off, or the page failed
    before)."""
    routes: tuple[str, ...] = ()
    """URLs the page put in the address bar itself (history.pushState/replaceState, as the
    browser reported them), queued like links."""
    cookie_reads: tuple[CookieRead, ...] = ()
    """Which script read which cookie names through document.cookie, per frame origin (a
    third-party script reading a first-party identifier cookie is worth a look)."""

    def readers(self, name: str, domain: str) -> tuple[str, ...]:
        """The scripts that read cookie ``name`` of ``domain`` on this page: in a frame whose
        host the cookie is sent to (its domain or a subdomain), first read first.

        Example: ``visit.readers("_ga", ".example.com")`` ->
        ``("https://widgets.example.net/widget.js",)``.
        """
        domain = domain.lstrip(".").lower()
        out: dict[str, float] = {}
        for read in self.cookie_reads:
            host = urlsplit(read.frame_origin).hostname or ""
            if name in read.names and (host == domain or host.endswith("." + domain)):
                out.setdefault(read.script, read.time_ms or 0.0)
        return tuple(sorted(out, key=lambda script: out[script]))


@dataclass(frozen=True, config=MODEL_CONFIG)
class ConsentAction:
    """How the consent banner was operated in a phase (filled by the consent room)."""

    action: Literal["accept-all", "reject-all"]
    """The choice asked for."""
    outcome: Literal["done", "not-found", "failed"]
    """done: clicked; not-found: no banner or no such button; failed: found but the click did
    not work."""
    method: str | None = None
    """How the button was found (a named rule or the heuristic)."""
    selector: str | None = None
    """CSS selector of the clicked button."""
    text: str | None = None
    """The button's visible text."""
    page: str | None = None
    """The page the banner was operated on."""
    time: str | None = None
    """ISO 8601 time of the click."""
    details: dict[str, Any] = dataclasses.field(default_factory=dict)
    """Free-form extras. Known keys: time_ms (click time since the page's navigation start),
    screenshot_before / screenshot_after (the page around the click, as a PNG: in memory, in
    the history and in JSON written with --embed-screenshots a data:image/png;base64 URI; in
    JSON written to a file r.json, the path of a PNG file relative to the JSON file's folder,
    "r.screenshots/<phase>-before.png" / "-after.png", read back from that folder only; left
    out of JSON on stdout), banner, tcf_before / tcf_after (IAB TCF), gpp_before / gpp_after
    (IAB GPP)."""


@dataclass(frozen=True, config=MODEL_CONFIG)
class PhaseResult:
    """All visits of one consent phase, made in one fresh browser context."""

    phase: Phase
    visits: tuple[Visit, ...] = ()
    """One entry per page visited, in the order they were found."""
    consent: ConsentAction | None = None
    """How the banner was operated; null in the no-interaction phase."""
