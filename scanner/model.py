"""The result model: what a scan saw, as frozen dataclasses.

Every other room (signatures aside) reads these types and nothing of the scanner's internals.
A ``ScanResult`` turns into plain JSON with ``to_dict()`` and back with ``ScanResult.from_dict``,
so a result saved years ago renders again without the scanner or the signature database that
produced it.

Shape of a result::

    ScanResult
    ├── provenance: tool/browser version, user agent, config, start and end times
    ├── phases: PhaseResult("no-interaction" | "accept-all" | "reject-all")
    │   ├── consent: ConsentAction | None   (what was clicked, filled by the consent room)
    │   └── visits: Visit (one per page)
    │       ├── requests: Request   (every request the browser made, all frames)
    │       ├── cookies:  Cookie    (what the page set: wire, jar and JavaScript)
    │       ├── storage:  StorageItem (localStorage / sessionStorage keys per origin)
    │       └── errors:   PageError
    ├── services: {service id -> facts}     (copied from the signature database)
    ├── matches:  Match   (observation -> service, with the exact pattern that matched)
    └── findings: Finding (the verdicts, with their evidence)

Anything in here that came from the scanned site (URLs, names, titles, messages) is untrusted
data: renderers must escape it.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from typing import Any, Literal

SCHEMA_VERSION = "1.0"

Phase = Literal["no-interaction", "accept-all", "reject-all"]
PHASES: tuple[Phase, ...] = ("no-interaction", "accept-all", "reject-all")

Party = Literal["first", "third"]
CookieSource = Literal["wire", "jar", "js"]
Severity = Literal["high", "medium", "low", "info"]
MatchKind = Literal["request", "cookie", "storage"]


@dataclass(frozen=True)
class Request:
    """One request the browser made while a page was open.

    ``time_ms`` counts from the start of the page's navigation. ``redirect_chain`` lists the
    URLs that redirected to this one, oldest first.

    ``initiator`` is who started the request, from Chromium's DevTools protocol: the URL of the
    script whose code made it (the page's own URL for an inline script), or the document or
    stylesheet whose parser did. A redirect hop keeps the initiator of the chain's first
    request. Where DevTools did not see the request (service workers, cross-origin iframes,
    scans with ``trace_initiators`` off) it is the ``Referer`` header (often only an origin,
    by the default referrer policy).

    ``initiator_type`` is how, first from the page's Resource Timing, the element or API that
    fetched it (``script``, ``img``, ``fetch``, ``xmlhttprequest``, ``beacon``, ``iframe``,
    ``css``, ``link``…); else DevTools' initiator type (``parser``: the HTML parser,
    ``script``: JavaScript, ``preload``, ``other``: e.g. the page's own navigation…);
    ``service-worker`` for requests a service worker made (``service_worker`` is its URL),
    ``websocket``, or ``referrer`` when nothing said.
    """

    url: str
    method: str
    resource_type: str
    host: str
    party: Party
    time_ms: float
    status: int | None = None
    frame_url: str | None = None
    is_main_frame: bool = False
    initiator: str | None = None
    initiator_type: str | None = None
    redirect_chain: tuple[str, ...] = ()
    service_worker: str | None = None
    failure: str | None = None


@dataclass(frozen=True)
class Cookie:
    """A cookie a page set, merged from every place it was seen.

    ``sources`` says where: ``wire`` (a ``Set-Cookie`` response header), ``jar`` (the
    browser's cookie store after the page) and ``js`` (``document.cookie`` or
    ``cookieStore``). ``lifetime_days`` is what the browser stored (``None`` for a session
    cookie); ``requested_lifetime_days`` is what the site asked for when the browser cut it
    short (Chromium caps lifetimes at 400 days). The value itself is
    kept only when the scan was asked to (``include_cookie_values``): otherwise only its
    SHA-256 (first 16 hex digits) and length.
    """

    name: str
    domain: str
    path: str
    party: Party
    lifetime_days: float | None
    requested_lifetime_days: float | None = None
    expires: float | None = None
    secure: bool = False
    http_only: bool = False
    same_site: str | None = None
    partition_key: str | None = None
    sources: tuple[CookieSource, ...] = ()
    set_by: str | None = None
    value_sha256: str | None = None
    value_length: int = 0
    value: str | None = None
    time_ms: float | None = None
    blocked_reason: str | None = None

    @property
    def is_session(self) -> bool:
        return self.lifetime_days is None


@dataclass(frozen=True)
class StorageItem:
    """A key in localStorage or sessionStorage of one frame origin, after the page.

    ``time_ms`` and ``set_by`` say when and by which script the key was written while this
    page was open; both are ``None`` when the key was already there (set on an earlier page
    of the phase) and this page did not write it again.
    """

    kind: Literal["local", "session"]
    origin: str
    key: str
    party: Party
    value_length: int = 0
    time_ms: float | None = None
    set_by: str | None = None


@dataclass(frozen=True)
class PageError:
    """Something that went wrong on a page; the crawl goes on.

    ``kind`` is one of: ``navigation`` (unreachable host, TLS, timeout…), ``http`` (4xx/5xx
    status), ``redirect-loop``, ``download``, ``dialog``, ``popup``, ``crash``, ``internal``.
    """

    kind: str
    message: str


@dataclass(frozen=True)
class Visit:
    """One page visited in one phase, and everything seen while it was open."""

    url: str
    final_url: str
    depth: int
    phase: Phase
    started_at: str
    duration_ms: float
    status: int | None = None
    title: str | None = None
    requests: tuple[Request, ...] = ()
    cookies: tuple[Cookie, ...] = ()
    storage: tuple[StorageItem, ...] = ()
    errors: tuple[PageError, ...] = ()
    links_found: int = 0


@dataclass(frozen=True)
class ConsentAction:
    """How the consent banner was operated in a phase (filled by the consent room)."""

    action: Literal["accept-all", "reject-all"]
    outcome: Literal["done", "not-found", "failed"]
    method: str | None = None
    selector: str | None = None
    text: str | None = None
    page: str | None = None
    time: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PhaseResult:
    """All visits of one consent phase, made in one fresh browser context."""

    phase: Phase
    visits: tuple[Visit, ...] = ()
    consent: ConsentAction | None = None


@dataclass(frozen=True)
class Match:
    """An observation tied to a service, with the exact rule that matched.

    ``kind`` is ``request``, ``cookie`` or ``storage``; ``value`` the URL, cookie name or
    storage key; ``pattern`` the signature's pattern that matched it.
    """

    phase: Phase
    page: str
    kind: MatchKind
    value: str
    service_id: str
    pattern: str
    confidence: float = 1.0


@dataclass(frozen=True)
class Finding:
    """A verdict with its evidence. ``type`` values are stable (documented in the schema)."""

    type: str
    severity: Severity
    phase: Phase | None
    service: dict[str, Any] | None
    pages: tuple[str, ...]
    evidence: tuple[dict[str, Any], ...]
    message: str = ""


@dataclass(frozen=True)
class ScanResult:
    """A whole scan: provenance, the visits of every phase, and what they mean."""

    start_url: str
    first_party: tuple[str, ...]
    tool_version: str
    browser_version: str
    user_agent: str
    config: dict[str, Any]
    started_at: str
    finished_at: str | None
    phases: tuple[PhaseResult, ...] = ()
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    matches: tuple[Match, ...] = ()
    findings: tuple[Finding, ...] = ()
    complete: bool = True
    #: Scan-level problems that did not stop the scan (e.g. the signature database failed).
    warnings: tuple[str, ...] = ()
    schema_version: str = SCHEMA_VERSION

    def phase(self, name: Phase) -> PhaseResult | None:
        """The result of phase ``name``, or ``None`` when it was not run."""
        return next((p for p in self.phases if p.phase == name), None)

    @property
    def error_count(self) -> int:
        return sum(len(v.errors) for p in self.phases for v in p.visits)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (tuples become lists)."""
        return to_dict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScanResult:
        """Rebuild a result from ``to_dict()`` output (e.g. a saved JSON file)."""
        return from_dict(cls, data)


def to_dict(obj: Any) -> Any:
    """``dataclasses.asdict`` with tuples as lists, ready for ``json.dumps``."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _jsonable(dataclasses.asdict(obj))
    return _jsonable(obj)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def from_dict(cls: type, data: dict[str, Any]) -> Any:
    """Build dataclass ``cls`` from a dict, recursing into nested dataclasses and tuples.

    Unknown keys are ignored so that older readers accept newer results of the same major
    schema version.
    """
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        kwargs[f.name] = _convert(hints[f.name], data[f.name])
    return cls(**kwargs)


def _convert(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is tuple:
        return tuple(_convert(args[0], v) for v in value)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        inner = [a for a in args if a is not type(None)]
        return _convert(inner[0], value) if len(inner) == 1 else value
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return from_dict(tp, value)
    return value
