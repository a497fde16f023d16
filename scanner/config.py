"""``ScanConfig``: every option of a scan, its default and its checks, declared once.

The CLI takes its option defaults from here (``tests/test_docs.py`` checks the two agree), and
every entry point — the CLI, a batch's TOML file, a schedule, the Python API — builds a
``ScanConfig`` and so gets the same checks with the same messages: a bad value raises
``ConfigError`` with one line naming the field, e.g. ``max_pages: must be at least 1, got 0``.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
from typing import Annotated, Any, Literal

from pydantic import (
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.dataclasses import dataclass

from scanner.errors import ConfigError, redact_url
from scanner.model import PHASES, Phase, location
from scanner.model.observations import Clock

ConsentEngine = Literal["autoconsent", "heuristic"]
CONSENT_ENGINES: tuple[ConsentEngine, ...] = ("autoconsent", "heuristic")
CLOCKS: tuple[Clock, ...] = ("virtual", "real")

# A current desktop Chrome on Linux. Playwright's default says "HeadlessChrome", which real
# consent banners and bot walls react to.
DEFAULT_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)

# Numbers a user types: finite (no nan, no inf) and never negative.
Seconds = Annotated[float, Field(ge=0, allow_inf_nan=False, strict=False)]
Count = Annotated[StrictInt, Field(ge=0)]
Positive = Annotated[StrictInt, Field(ge=1)]
Strings = tuple[StrictStr, ...]


@dataclass(frozen=True, config=ConfigDict(use_attribute_docstrings=True, extra="forbid"))
class ScanConfig:
    """What to scan and how.

    Example::

        ScanConfig(url="https://www.example.com/", max_pages=20, first_party=("example.net",))
    """

    url: StrictStr
    """The start URL."""
    first_party: Strings = ()
    """Extra registrable domains that belong to the same owner (sister sites, CDNs)."""
    phases: tuple[Phase, ...] = PHASES
    """Consent phases to run, each in a fresh browser context."""
    consent_engines: tuple[ConsentEngine, ...] = CONSENT_ENGINES
    """How consent phases find the banner, tried in order: autoconsent (DuckDuckGo's rules for
    known consent platforms) and heuristic (our multilingual text heuristic)."""
    consent_timeout: Seconds = 6.0
    """Seconds to look for a consent banner on the start page of a consent phase."""
    consent_screenshots: StrictBool = True
    """Keep screenshots of the banner before and after the click (PNG data URIs)."""
    consent_max_pages: Count = 0
    """Pages the consent phases revisit (the first ones the first phase visited); 0 = all."""
    max_pages: Positive = 20
    """Pages to visit at most per phase."""
    max_depth: Count = 3
    """Links to follow from the start page at most."""
    time_budget: Seconds = 600.0
    """Total time budget in seconds for crawling one phase; 0 means no limit."""
    max_pages_per_pattern: Positive = 5
    """At most this many pages that share one URL shape (e.g. /events/2024/01 vs /2024/02)."""
    include: Strings = ()
    """Regular expressions; a URL must match one include (if any)…"""
    exclude: Strings = ()
    """…and no exclude."""
    use_sitemap: StrictBool = True
    """Also queue pages from robots.txt and sitemap.xml."""
    ignore_robots: StrictBool = False
    """Visit pages that robots.txt disallows for cookiescan (an audit of one's own site). The
    start URL is visited either way, with a warning when robots.txt disallows it."""
    concurrency: Count = 0
    """Pages open at once per phase; 0 picks a default from the number of cores."""
    dwell: Seconds = 3.5
    """Seconds of page time to stay on a page after ``load`` (scrolling), so delayed trackers
    fire."""
    timers: Seconds = 10.0
    """Seconds of page time after ``load`` that the page's timers get on the virtual clock (at
    least ``dwell``; none when ``dwell`` is 0), so trackers that fire seconds after load are
    seen; page time runs ahead of the wall clock, so this costs little. The real clock waits
    ``dwell``."""
    interact: StrictBool = True
    """Before the dwell ends, scroll to the bottom in steps and move the pointer, as a visitor
    would, so trackers that wait for a scroll or a first pointer move load."""
    idle_timeout: Seconds = 5.0
    """Longest wait in seconds for the network to go quiet after ``load``."""
    clock: Clock = "virtual"
    """virtual: the page's clock runs ahead of the wall clock during the dwell (Chromium's
    virtual time; it stops while the page waits for the network), so a page costs little more
    than its network time; real: the dwell is waited in wall-clock time."""
    page_timeout: Annotated[float, Field(ge=1, allow_inf_nan=False)] = 30.0
    """Navigation timeout in seconds."""
    browser: StrictStr = ""
    """Chromium executable; empty means autodetect (COOKIESCAN_BROWSER, Playwright, Debian)."""
    proxy: StrictStr = ""
    """Proxy URL, e.g. http://proxy:3128 or socks5://host:1080."""
    ignore_https_errors: StrictBool = False
    """Accept invalid certificates (staging sites)."""
    user_agent: StrictStr = DEFAULT_USER_AGENT
    """User agent to send."""
    browser_args: Strings = ()
    """Extra Chromium command-line flags."""
    include_cookie_values: StrictBool = False
    """Keep cookie values in the result (they can be personal data); off by default."""
    trace_initiators: StrictBool = False
    """Record which script or document started each request (a DevTools session per page;
    off by default: it costs about 2% of pages/s, see docs/scaling.md)."""
    device: StrictStr = ""
    """Scan as this device (Playwright's descriptors, e.g. "iPhone 13", "Pixel 7": viewport,
    touch, mobile user agent); empty means a desktop Chrome."""
    locale: StrictStr = ""
    """The visitor's language, e.g. fr-FR (navigator.language and Accept-Language)."""
    timezone: StrictStr = ""
    """The visitor's time zone, an IANA name such as Europe/Paris."""
    geolocation: StrictStr = ""
    """The visitor's position as LAT,LON (granted to the page), e.g. 48.85,2.35."""
    storage_state: StrictStr = ""
    """A Playwright storage-state JSON file (cookies, localStorage) for a logged-in scan."""
    cookies: Strings = ()
    """Cookies to start with, each NAME=VALUE@DOMAIN (values are hidden in results)."""
    headers: Strings = ()
    """Request headers to send, each NAME:VALUE (values are hidden in results)."""
    gpc: StrictBool = False
    """Send Global Privacy Control (the Sec-GPC: 1 header and navigator.globalPrivacyControl),
    an opt-out signal the site should honour."""
    evidence_dir: StrictStr = ""
    """Keep an evidence pack in this folder: a HAR per phase, screenshots, the result and a
    manifest of SHA-256 hashes (signed with ``evidence_key``); empty means none."""
    har_content: StrictBool = False
    """Keep response bodies in the evidence pack's HAR files (large); off: headers only."""
    evidence_key: StrictStr = ""
    """An Ed25519 private key (PEM, ``cookiescan keygen``) that signs the evidence manifest."""
    evidence_pages: Count = 50
    """Pages per phase the evidence pack screenshots after their dwell (the first ones to finish);
    only those with a finding are kept. 0: none."""
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)
    """Free-form settings for library callers; the scan ignores them."""

    @field_validator("phases", "consent_engines")
    @classmethod
    def _once_each(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("name at least one")
        twice = sorted({v for v in value if value.count(v) > 1})
        if twice:
            raise ValueError(f"{twice[0]!r} is given twice")
        return value

    @field_validator("user_agent")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if any(c in value for c in "\r\n\0"):
            raise ValueError("must be one line (no CR, LF or NUL)")
        return value

    @field_validator("timezone")
    @classmethod
    def _time_zone(cls, value: str) -> str:
        if value:
            import zoneinfo

            try:
                zoneinfo.ZoneInfo(value)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise ValueError(
                    f"unknown time zone {value!r} (an IANA name: Europe/Paris)"
                ) from None
        return value

    @field_validator("locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        if value and not _LOCALE.fullmatch(value):
            raise ValueError(f"{value!r} is not a language tag such as fr-FR")
        return value

    @field_validator("geolocation")
    @classmethod
    def _position(cls, value: str) -> str:
        if value:
            parse_geolocation(value)
        return value

    @field_validator("cookies")
    @classmethod
    def _cookies(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for spec in value:
            parse_cookie(spec)
        return value

    @field_validator("headers")
    @classmethod
    def _headers(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for spec in value:
            name, sep, rest = spec.partition(":")
            if not sep or not _TOKEN.fullmatch(name.strip()):
                raise ValueError(f"{_head(spec)!r} is not NAME:VALUE")
            if any(c in rest for c in "\r\n\0"):
                raise ValueError(f"the value of {name.strip()!r} must be one line")
        return value

    @field_validator("storage_state")
    @classmethod
    def _state_file(cls, value: str) -> str:
        if value and not os.path.isfile(value):
            raise ValueError(f"no such file: {value}")
        return value

    @model_validator(mode="wrap")
    @classmethod
    def _one_message(cls, data: Any, handler: Any) -> Any:
        """Every entry point gets the same one-line ``ConfigError``, never a raw traceback."""
        try:
            return handler(data)
        except ValidationError as exc:
            raise ConfigError(_explain(exc)) from None

    def to_dict(self) -> dict[str, Any]:
        """The config as plain JSON (lists for tuples); ``from_dict`` reads it back."""
        data = dataclasses.asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}

    def public_dict(self) -> dict[str, Any]:
        """``to_dict()`` with the credentials of every URL (``url``, ``proxy``, a proxy in
        ``browser_args``…) redacted, and the values of ``cookies`` and ``headers`` (session
        tokens) hidden: what results, stores and logs keep of the config."""
        data = {k: _redact(v) for k, v in self.to_dict().items()}
        data["cookies"] = [_hide_cookie(c) for c in self.cookies]
        data["headers"] = [f"{h.split(':', 1)[0].strip()}: {HIDDEN}" for h in self.headers]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScanConfig:
        """A config from ``to_dict()`` output, a TOML table or JSON (lists become tuples)."""
        if not isinstance(data, dict):
            raise ConfigError(f"expected a table of options, got {type(data).__name__}")
        return cls(**data)

    def replace(self, **changes: Any) -> ScanConfig:
        """A copy with ``changes``, checked like a new config."""
        return dataclasses.replace(self, **changes)


HIDDEN = "(hidden)"
_LOCALE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP header or cookie name


def _head(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "…"


def parse_geolocation(value: str) -> tuple[float, float]:
    """``"LAT,LON"`` as two floats in range; ``ValueError`` with a one-line reason."""
    lat, sep, lon = value.partition(",")
    try:
        latitude, longitude = float(lat), float(lon)
    except ValueError:
        raise ValueError(f"{_head(value)!r} is not LAT,LON such as 48.85,2.35") from None
    if not sep or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError(f"{_head(value)!r} is not LAT,LON (-90..90, -180..180)")
    return latitude, longitude


def parse_cookie(spec: str) -> tuple[str, str, str]:
    """``"NAME=VALUE@DOMAIN"`` as (name, value, domain); ``ValueError`` when malformed."""
    pair, at, domain = spec.rpartition("@")
    name, eq, value = pair.partition("=")
    domain = domain.strip().lower()
    if not (at and eq and _TOKEN.fullmatch(name) and re.fullmatch(r"\.?[a-z0-9.-]+", domain)):
        raise ValueError(f"{_head(spec)!r} is not NAME=VALUE@DOMAIN")
    if any(c in value for c in ";\r\n\0"):
        raise ValueError(f"the value of cookie {name!r} holds ';' or a line break")
    return name, value, domain


def _hide_cookie(spec: str) -> str:
    name, _value, domain = parse_cookie(spec)
    return f"{name}={HIDDEN}@{domain}"


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return redact_url(value)
    if isinstance(value, list):
        return [_redact(v) for v in value]
    if isinstance(value, dict):
        return {k: _redact(v) for k, v in value.items()}
    return value


FIELDS = tuple(f.name for f in dataclasses.fields(ScanConfig))


def _explain(exc: ValidationError) -> str:
    item = exc.errors()[0]
    where, kind = location(item["loc"]), item["type"]
    field = where.split("[")[0]
    given = item.get("input")
    if kind in ("unexpected_keyword_argument", "extra_forbidden"):
        close = difflib.get_close_matches(field, FIELDS, n=1)
        return f"unknown field {field!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
    if kind in ("missing", "missing_argument"):
        return f"{field!r} is missing"
    if kind == "literal_error":
        label, choices = _LITERALS.get(field, ("consent engine", CONSENT_ENGINES))
        return f"unknown {label} {given!r}; choose from {', '.join(choices)}"
    if field in _LISTS:
        if kind.endswith("_type") or kind.endswith("_parsing"):
            return f"{field!r} must be a list of strings"
    if field in _MINIMUM:
        return f"{field!r} must be a whole number >= {_MINIMUM[field]}, got {given!r}"
    if kind.startswith(("float_", "greater_than", "finite_")):
        low = _FLOAT_MINIMUM.get(field, 0.0)
        return f"{field!r} must be a finite number >= {low:g}, got {given!r}"
    if kind.startswith("bool_"):
        return f"{field!r} must be true or false, got {given!r}"
    if kind.startswith("string_"):
        return f"{field!r} must be a string, got {given!r}"
    if kind == "dict_type":
        return f"{field!r} must be a table"
    return f"{field!r}: {str(item['msg']).removeprefix('Value error, ')}"


_TYPES = {f.name: str(f.type) for f in dataclasses.fields(ScanConfig)}
_MINIMUM = {
    name: 1 if tp == "Positive" else 0 for name, tp in _TYPES.items() if tp in ("Positive", "Count")
}
_FLOAT_MINIMUM = {"page_timeout": 1.0}
_LITERALS: dict[str, tuple[str, tuple[str, ...]]] = {
    "phases": ("phase", PHASES),
    "clock": ("clock", CLOCKS),
}
_LISTS = {name for name, tp in _TYPES.items() if tp.startswith(("Strings", "tuple"))}
