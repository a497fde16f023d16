"""The services of the demo report and a stand-in for the signature matcher.

``SERVICES`` holds the facts of each service as a scan records them (legal basis, risk,
transfers…); ``matches_of`` matches a result's requests and cookies against ``RULES``, and
``service_ref`` and ``service_verdict`` shape a finding's service and a service's verdict as
``scanner.analyse.judge`` does.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from scanner.model import PHASES, Match, PhaseResult

SERVICES: dict[str, dict[str, Any]] = {
    "google-analytics-4": {
        "id": "google-analytics-4",
        "name": "Google Analytics 4",
        "category": "analytics",
        "description": "Google's web analytics: counts visits and events with a client ID.",
        "website": "https://marketingplatform.google.com/about/analytics/",
        "vendor": {"name": "Google LLC", "parent": "Alphabet Inc.", "country": "US"},
        "cookies": [
            {
                "name": "_ga",
                "match": "exact",
                "duration_days": 730,
                "purpose": "Random client ID that recognises the same browser across visits.",
            },
            {
                "name": "_ga_",
                "match": "prefix",
                "duration_days": 730,
                "purpose": "Session number and timing for one GA4 property.",
            },
        ],
        "compliance": {
            "consent_required": True,
            "risk": "medium",
            "server_locations": ["United States", "European Union"],
            "data_transfers_outside_eu": True,
            "sample_consent_text": "With your consent we use Google Analytics to count visits. "
            "It sets cookies with a random identifier and sends usage data to Google, "
            "including to the United States.",
            "legal_bases": [
                {
                    "use": "Audience measurement",
                    "basis": "consent",
                    "conditions": "Prior opt-in; no hits before consent.",
                }
            ],
            "transfers": [
                {"destination": "United States", "safeguards": ["EU-US Data Privacy Framework"]}
            ],
            "alternatives": ["Matomo", "Plausible"],
        },
    },
    "google-tag-manager": {
        "id": "google-tag-manager",
        "name": "Google Tag Manager",
        "category": "tag-manager",
        "vendor": {"name": "Google LLC", "country": "US"},
        "compliance": {
            "consent_required": "depends",
            "risk": "low",
            "data_transfers_outside_eu": True,
        },
    },
    "google-fonts": {
        "id": "google-fonts",
        "name": "Google Fonts",
        "category": "cdn",
        "vendor": {"name": "Google LLC", "country": "US"},
        "compliance": {
            "consent_required": "depends",
            "risk": "low",
            "server_locations": ["Worldwide (Google CDN)"],
            "data_transfers_outside_eu": True,
            "notes": "Self-host the fonts to avoid sending visitor IPs to Google.",
        },
    },
    "mailjet": {
        "id": "mailjet",
        "name": "Mailjet",
        "category": "marketing",
        "description": "Email marketing platform; its signup widget and tracked links.",
        "website": "https://www.mailjet.com/",
        "vendor": {"name": "Mailjet SAS", "parent": "Sinch AB", "country": "FR"},
        "compliance": {
            "consent_required": True,
            "risk": "medium",
            "server_locations": ["European Union"],
            "data_transfers_outside_eu": False,
            "sample_consent_text": "We use Mailjet to send our newsletter and to see whether "
            "it is opened. You can unsubscribe from every email.",
            "legal_bases": [
                {
                    "use": "Newsletter, open and click tracking",
                    "basis": "consent",
                    "conditions": "Opt-in; withdrawal in every email.",
                }
            ],
        },
    },
}

RULES = {  # (kind, how, pattern, service) the fixture's stand-in for the signature matcher
    ("request", "host", "google-analytics.com", "google-analytics-4"),
    ("request", "host", "googletagmanager.com", "google-tag-manager"),
    ("request", "host", "fonts.googleapis.com", "google-fonts"),
    ("request", "host", "fonts.gstatic.com", "google-fonts"),
    ("request", "host", "mjt.lu", "mailjet"),
    ("request", "host", "mailjet.com", "mailjet"),
    ("cookie", "exact", "_ga", "google-analytics-4"),
    ("cookie", "prefix", "_ga_", "google-analytics-4"),
}


def rule_for(kind: str, value: str) -> tuple[str, str] | None:
    for k, how, pattern, service in sorted(RULES):
        if k != kind:
            continue
        host = urlsplit(value).hostname or "" if kind == "request" else ""
        if how == "host" and (host == pattern or host.endswith("." + pattern)):
            return service, pattern
        if (how == "exact" and value == pattern) or (how == "prefix" and value.startswith(pattern)):
            return service, pattern
    return None


def matches_of(phases: list[PhaseResult]) -> list[Match]:
    out = []
    for p in phases:
        for v in p.visits:
            items = [("request", r.url) for r in v.requests] + [
                ("cookie", c.name) for c in v.cookies
            ]
            for kind, value in items:
                hit = rule_for(kind, value)
                if hit:
                    out.append(Match(p.phase, v.url, kind, value, hit[0], hit[1]))
    return out


def service_ref(service_id: str) -> dict[str, Any]:
    facts = SERVICES[service_id]
    return {"id": service_id, "name": facts["name"], "category": facts["category"]}


def service_verdict(sid: str, need: str, verdict: str, issues: list[str]) -> dict[str, Any]:
    phases = {"mailjet": ["accept-all", "reject-all"]}.get(sid, list(PHASES))
    return {
        "kind": "verdict",
        "scope": "service",
        "service_id": sid,
        "name": SERVICES[sid]["name"],
        "category": SERVICES[sid]["category"],
        "consent": need,
        "verdict": verdict,
        "issues": issues,
        "phases": phases,
    }
