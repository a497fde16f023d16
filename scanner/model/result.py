"""A whole scan: provenance, the phases, the matches, the findings and the verdict.

``ScanResult`` is the root of the result model (``scanner.model``); ``json_schema()`` is the
JSON Schema generated from this declaration (committed as reports/schema/result.schema.json).
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from pydantic import Field, ValidationError
from pydantic.dataclasses import dataclass

from scanner.model.codec import adapter, to_dict
from scanner.model.observations import (
    MODEL_CONFIG,
    SCHEMA_VERSION,
    ConsentNeed,
    MatchKind,
    Phase,
    PhaseResult,
    ServiceVerdictId,
    Severity,
    SiteVerdictId,
)

#: Stable finding type ids and what each means (documented in the JSON schema).
FINDING_TYPES: dict[str, str] = {
    "tracking_before_consent": "A service that needs consent sent requests or set "
    "cookies/storage before the visitor made any choice.",
    "tracking_after_reject": "A service that needs consent was still active after the "
    "visitor rejected all.",
    "no_consent_banner": "The site uses services that need consent but no consent banner "
    "was found.",
    "no_reject_on_first_layer": "The banner offers accept on its first layer but no equally "
    "easy reject.",
    "consent_stored_before_choice": "A consent cookie or storage key claimed consent before "
    "the visitor chose.",
    "consent_signal_after_reject": "After the visitor clicked “reject all”, the page's IAB TCF "
    "API or the TCF EU v2 section of its GPP API still told vendors that consent was given "
    "(the GPP's US opt-out sections are not judged).",
    "cookie_lifetime_over_13_months": "A cookie lives longer than 13 months (the CNIL's "
    "recommended maximum for consent-based cookies).",
    "fingerprinting": "A script used canvas, font, WebGL, audio or navigator/screen APIs the "
    "way fingerprinting scripts do (published criteria, docs/behaviour.md); one finding per "
    "phase and service (a known service, or the script's registrable domain).",
    "unknown_third_party": "A third-party host that matches no signature: review it by hand.",
    "verdict": "Exactly one, severity info: the judge's summary, the same as the result's "
    "`verdict` (kept for readers of older results). Its message is the site verdict; its "
    "evidence holds one item {kind: verdict, scope: site, verdict, reasons, consent, "
    "findings}, then one item per service {kind: verdict, scope: service, service_id, name, "
    "category, consent, verdict, issues, phases}.",
}

_FINDING_TYPE_SCHEMA: list[Any] = [{"const": k, "description": v} for k, v in FINDING_TYPES.items()]


@dataclass(frozen=True, config=MODEL_CONFIG)
class Match:
    """One observation tied to a service, with the exact signature pattern that matched."""

    phase: Phase
    page: str
    """The page it was seen on."""
    kind: MatchKind
    """What matched: request, cookie or storage."""
    value: str
    """The URL, cookie name or storage key."""
    service_id: str
    """The service's id in the signature database."""
    pattern: str
    """The signature's pattern that matched, e.g. host:app.mailjet.com."""
    confidence: float = Field(default=1.0, ge=0, le=1)
    """How sure the match is, from 0 to 1."""


@dataclass(frozen=True, config=MODEL_CONFIG)
class Finding:
    """A finding with its evidence. ``type`` values are stable (``FINDING_TYPES``)."""

    type: Annotated[str, Field(json_schema_extra={"oneOf": _FINDING_TYPE_SCHEMA})]
    severity: Severity
    """high, medium, low or info."""
    phase: Phase | None
    """The phase it was seen in; null when it concerns the whole scan."""
    service: dict[str, Any] | None
    """{id, name, category} of the service concerned, null when none."""
    pages: tuple[str, ...]
    """The pages where it was seen."""
    evidence: tuple[dict[str, Any], ...]
    """What was observed. Usual keys: kind (request, cookie, storage, banner, api), url, name,
    key, host, domain, page, phase, time_ms, lifetime_days, party, pattern (the rule that
    matched: a signature's, behaviour:<signal> for an unknown tracker, fingerprinting:<technique>
    for a script's API use); signal and carries (behaviour); api, script, calls and facts
    (fingerprinting)."""
    message: str = ""
    """The finding in a sentence."""

    def to_dict(self) -> dict[str, Any]:
        """The finding as plain JSON (for diffs, webhooks and history rows)."""
        return to_dict(self)


@dataclass(frozen=True, config=MODEL_CONFIG)
class ServiceVerdict:
    """The verdict for one matched service."""

    service_id: str
    """The service's id in the signature database."""
    name: str
    """The service's name."""
    category: str | None
    """The service's category."""
    consent: ConsentNeed
    """Whether the service needs consent (``scanner.rules.need_of``)."""
    verdict: ServiceVerdictId
    """exempt: needs no consent; tracks-before-consent; tracks-after-reject;
    waits-for-consent (seen only after accept, both choices made); not-tested (needs consent,
    never seen before a choice, but the refusal was not tested)."""
    issues: tuple[str, ...] = ()
    """The finding types raised against it."""
    phases: tuple[Phase, ...] = ()
    """The phases it was seen in."""


@dataclass(frozen=True, config=MODEL_CONFIG)
class Verdict:
    """The judge's honest summary: never "compliant", only what the scan saw."""

    verdict: SiteVerdictId
    """access-limited (the site blocked the scan), violations (a high finding),
    consent-not-tested (no refusal could be made), issues (medium or low findings only),
    no-issues-found (on the pages visited; not a certificate of compliance)."""
    message: str
    """The verdict in a sentence, with its reasons."""
    reasons: tuple[str, ...] = ()
    """Why, when the verdict needs explaining (e.g. what blocked the scan, incomplete)."""
    consent: dict[str, str] = dataclasses.field(default_factory=dict)
    """Outcome of the banner click per consent phase (done, not-found, failed, not-run)."""
    findings: dict[str, int] = dataclasses.field(default_factory=dict)
    """Number of findings per type."""
    services: tuple[ServiceVerdict, ...] = ()
    """One verdict per matched service."""

    @classmethod
    def from_finding(cls, finding: Finding) -> Verdict | None:
        """The typed verdict of a result saved before it had one (from its verdict finding)."""
        site = next((e for e in finding.evidence if e.get("scope") == "site"), None)
        if site is None:
            return None
        services = [
            {k: v for k, v in e.items() if k not in ("kind", "scope")}
            for e in finding.evidence
            if e.get("scope") == "service"
        ]
        data = {k: v for k, v in site.items() if k not in ("kind", "scope")}
        try:
            return adapter(Verdict).validate_python(
                {**data, "message": finding.message, "services": services}
            )
        except ValidationError:
            return None  # an unreadable old verdict: the reports say "no verdict"


@dataclass(frozen=True, config=MODEL_CONFIG)
class ScanResult:
    """The canonical record of one cookiescan scan (schema_version 1.x), as written by
    `cookiescan scan` and read back by `cookiescan report`. Readers ignore unknown keys, so a
    1.x reader accepts any 1.y result; a new major version means an incompatible change.
    Every string that came from the scanned site (URLs, titles, cookie names, error messages)
    is untrusted data."""

    start_url: str
    """The URL the scan started from."""
    first_party: tuple[str, ...]
    """Registrable domains counted as first party (the start URL's own and the listed
    ones)."""
    tool_version: str
    """cookiescan version that made the scan."""
    browser_version: str
    """Browser name and version, e.g. "Chromium 156.0.8078.108"."""
    user_agent: str
    """User-Agent header the browser sent."""
    config: dict[str, Any]
    """The ScanConfig the scan ran with (see scanner/config.py)."""
    started_at: str
    """ISO 8601 time the scan started."""
    finished_at: str | None
    """ISO 8601 time the scan ended; null when it was interrupted."""
    phases: tuple[PhaseResult, ...] = ()
    """One entry per consent phase that was run, each in a fresh browser context."""
    services: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    """Facts of every matched service, keyed by service id and copied from the signature
    database (same keys as signatures/services/<id>.toml), so the result renders without that
    database."""
    matches: tuple[Match, ...] = ()
    """Every observation tied to a service, with the exact rule that matched."""
    findings: tuple[Finding, ...] = ()
    """What the judge found, each with its evidence and rule."""
    complete: bool = True
    """false when the scan stopped early (time budget, crash, interrupt): absence of a finding
    then proves nothing."""
    warnings: tuple[str, ...] = ()
    """Scan-level problems that did not stop the scan, e.g. matching or judging skipped
    because the signature database failed to load."""
    schema_version: str = Field(default=SCHEMA_VERSION, pattern=r"^1\.[0-9]+$")
    """Version of this format, "1.0" today."""
    verdict: Verdict | None = None
    """The site's and each service's verdict; null before the scan was judged."""

    def __post_init__(self) -> None:
        if self.verdict is None:  # a result saved before the typed verdict: read the finding
            found = next((f for f in self.findings if f.type == "verdict"), None)
            if found is not None and (typed := Verdict.from_finding(found)) is not None:
                object.__setattr__(self, "verdict", typed)

    def phase(self, name: Phase) -> PhaseResult | None:
        """The result of phase ``name``, or ``None`` when it was not run."""
        return next((p for p in self.phases if p.phase == name), None)

    @property
    def error_count(self) -> int:
        return sum(len(v.errors) for p in self.phases for v in p.visits)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (tuples become lists)."""
        return to_dict(self)

    def to_json(self, *, indent: int | None = 2) -> str:
        """The result as JSON text (what ``cookiescan scan -o result.json`` writes)."""
        return adapter(ScanResult).dump_json(self, indent=indent).decode("utf-8")

    @classmethod
    def from_json(cls, text: str | bytes) -> ScanResult:
        """Read (and validate) a result from its JSON text; faster than ``from_dict``."""
        return adapter(cls).validate_json(text)

    @classmethod
    def from_dict(cls, data: Any) -> ScanResult:
        """Rebuild (and validate) a result from ``to_dict()`` output, e.g. a saved JSON file.

        Raises ``pydantic.ValidationError``; ``explain()`` turns it into one line.
        """
        return adapter(cls).validate_python(data)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a result, generated from this declaration."""
    schema = adapter(ScanResult).json_schema(mode="serialization")
    schema.pop("title", None)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://cookiescan.invalid/schema/result-{SCHEMA_VERSION}.json",
        "title": "cookiescan scan result",
        **schema,
    }
