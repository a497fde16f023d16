"""Google Consent Mode read off Google's requests (scanner/analyse/consent_mode.py)."""

from __future__ import annotations

import pytest

from scanner.analyse.consent_mode import parse_gcd, parse_gcs, read_url

GA = "https://www.google-analytics.com/g/collect?v=2&tid=G-ABC123&en=page_view"


@pytest.mark.parametrize(
    ("query", "storage", "analytics"),
    [
        ("&gcs=G111", "granted", "granted"),
        ("&gcs=G100", "denied", "denied"),
        ("&gcs=G101", "granted", "granted"),  # ad denied, analytics granted
        ("&gcs=G110", "granted", "denied"),
        ("&gcd=13p3p3p3p5", "denied", "denied"),  # denied by default, no update
        ("&gcd=13r3r3r3r5", "granted", "granted"),  # denied by default, granted by update
        ("&gcd=13v3v3v3v5", "granted", "granted"),
        ("&gcd=13q3q3q3q5", "denied", "denied"),
        ("&gcs=G111&gcd=13p3p3p3p5", "denied", "denied"),  # v2 is finer and wins
        ("&gcd=11l1l1l1l1", "unknown", "unknown"),
    ],
)
def test_states(query, storage, analytics):
    state = read_url(GA + query)
    assert state is not None
    assert state.storage == storage
    assert state.signals.get("analytics_storage", "unknown") == analytics


def test_no_consent_mode_and_odd_values():
    assert read_url(GA) is None
    assert parse_gcs("G2") == {} and parse_gcd("zz") == {}
    state = read_url(GA + "&gcs=garbage")
    assert state is not None and state.storage == "unknown"


def test_batched_body():
    body = "en=page_view&gcs=G100\nen=scroll&gcs=G100"
    state = read_url("https://region1.google-analytics.com/g/collect?v=2&tid=G-X", body)
    assert state is not None and state.storage == "denied"


# -- in the judge -------------------------------------------------------------------------------

GA4 = {"id": "google-analytics-4", "name": "Google Analytics 4", "category": "analytics",
       "compliance": {"consent_required": True}}  # fmt: skip


def _judged(*urls: str, gpc: bool = False):
    from dataclasses import replace

    from test_judge import clean_phases, m, request, result, visit

    from scanner.analyse.judge import judge
    from scanner.model import PhaseResult

    phases = clean_phases()
    phases[0] = PhaseResult(
        "no-interaction",
        (
            visit(
                "https://shop.example.com/",
                "no-interaction",
                requests=tuple(request(u) for u in urls),
            ),
        ),  # fmt: skip
    )
    base = result(phases, [m("no-interaction", u, "google-analytics-4") for u in urls])
    base = replace(base, services={**base.services, "google-analytics-4": GA4},
                   config={"gpc": gpc})  # fmt: skip
    (finding,) = [f for f in judge(base) if f.type == "tracking_before_consent"]
    return finding


def test_granted_before_any_choice_is_a_plain_violation_and_says_so():
    finding = _judged(GA + "&gcs=G111")
    assert finding.severity == "high" and "storage consent was granted" in finding.message
    assert finding.evidence[0]["consent_mode"] == {"gcs": "G111", "gcd": None,
                                                    "storage": "granted"}  # fmt: skip


def test_denied_pings_are_reported_one_level_lower():
    finding = _judged(GA + "&gcs=G100", GA + "&gcd=13p3p3p3p5&en=scroll")
    assert finding.severity == "medium" and "denied" in finding.message
    plain = _judged(GA)  # no Consent Mode at all: the full severity
    assert plain.severity == "high" and "Consent Mode" not in plain.message


def test_gpc_is_named_when_the_site_tracks_anyway():
    assert "Global Privacy Control" in _judged(GA, gpc=True).message
