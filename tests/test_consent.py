"""Consent phases on the local test sites: each banner operated, exactly the expected findings.

Every site is scanned once (all three phases, real Chromium) and the result shared by the
tests of this module. Sites (``tests/sites/<host>/``): a banner that gates its trackers
(gated), trackers and a pre-ticked TCF consent before any choice (leaky), a tracker that
ignores "reject" (ignores-reject), French and German custom banners (fr, de: reject only in
the settings layer), no banner (nobanner), a Spanish banner in a shadow root (shadow), an
Italian banner in a consent platform's iframe (framed) and a banner autoconsent knows (cc).
"""

from __future__ import annotations

from collections import Counter

import pytest
from conftest import scan_local

from scanner.model import PHASES, ScanResult

pytestmark = pytest.mark.browser

BEFORE, AFTER = "tracking_before_consent", "tracking_after_reject"
LIFETIME = "cookie_lifetime_over_13_months"
GA, MJ = "google-analytics-4", "mailjet"

# site -> (pages to scan, expected findings as (type, phase, service id) with multiplicity)
SCENARIOS: dict[str, tuple[int, list[tuple[str, str | None, str | None]]]] = {
    "gated": (2, []),
    "leaky": (
        2,
        [
            (BEFORE, "no-interaction", GA),
            (BEFORE, "no-interaction", MJ),
            (AFTER, "reject-all", GA),
            (AFTER, "reject-all", MJ),
            ("consent_stored_before_choice", "accept-all", None),
            (LIFETIME, "no-interaction", GA),  # _ga
            (LIFETIME, "no-interaction", GA),  # _ga_DEMO123
        ],
    ),
    "ignores-reject": (2, [(AFTER, "reject-all", MJ)]),
    "fr": (1, []),
    "de": (1, [("no_reject_on_first_layer", "reject-all", None)]),
    "nobanner": (
        1,
        [
            ("no_consent_banner", None, None),
            (BEFORE, "no-interaction", GA),
            (BEFORE, "no-interaction", MJ),
            (LIFETIME, "no-interaction", GA),
            (LIFETIME, "no-interaction", GA),
        ],
    ),
    "shadow": (1, []),
    "framed": (1, [("unknown_third_party", "no-interaction", None)]),  # cmp.example.net
    "cc": (1, []),
}
BANNER_SITES = [s for s in SCENARIOS if s != "nobanner"]
# Sites whose banner gates Mailjet: seen after "accept all", never after "reject all".
GATING_SITES = ["gated", "fr", "de", "shadow", "framed", "cc"]


@pytest.fixture(scope="module")
def scanned(localweb):
    """``scanned(site)`` -> the site's ScanResult, scanned once per module."""
    cache: dict[str, ScanResult] = {}

    def get(site: str) -> ScanResult:
        if site not in cache:
            pages, _ = SCENARIOS[site]
            cache[site] = scan_local(
                localweb,
                f"https://{site}.example.com/",
                phases=PHASES,
                dwell=1.0,
                max_pages=pages,
                concurrency=1,
            )
        return cache[site]

    return get


def found(result: ScanResult) -> Counter:
    return Counter(
        (f.type, f.phase, f.service["id"] if f.service else None)
        for f in result.findings
        if f.type != "verdict"
    )


def services_in(result: ScanResult, phase: str) -> set[str]:
    return {m.service_id for m in result.matches if m.phase == phase}


@pytest.mark.parametrize("site", list(SCENARIOS))
def test_exactly_the_expected_findings(scanned, site):
    result = scanned(site)
    assert not result.warnings
    assert found(result) == Counter(SCENARIOS[site][1])
    assert result.findings[-1].type == "verdict"


@pytest.mark.parametrize("site", BANNER_SITES)
def test_banner_accepted_and_rejected(scanned, site):
    result = scanned(site)
    for phase in ("accept-all", "reject-all"):
        action = result.phase(phase).consent
        assert action is not None and action.action == phase
        assert action.outcome == "done", (phase, action.details.get("reason"))
        assert action.text and action.selector and action.time
        assert isinstance(action.details["time_ms"], float)
        assert action.details["screenshot_before"].startswith("data:image/png;base64,")
        assert action.details["screenshot_after"].startswith("data:image/png;base64,")
        expected = "autoconsent:cookieconsent3" if site == "cc" else "heuristic"
        assert action.method == expected


@pytest.mark.parametrize("site", GATING_SITES)
def test_the_choice_is_kept_across_pages(scanned, site):
    """Accept lets Mailjet in, reject keeps it out: the click really registered."""
    result = scanned(site)
    assert MJ in services_in(result, "accept-all")
    assert MJ not in services_in(result, "no-interaction")
    assert MJ not in services_in(result, "reject-all")


def test_gated_site_consent_persists_on_later_pages(scanned):
    result = scanned("gated")
    later = [v for v in result.phase("accept-all").visits if v.url.endswith("/page2.html")]
    assert later and any(r.host == "mjt.lu" for r in later[0].requests)
    verdict = result.findings[-1]
    assert verdict.evidence[0]["verdict"] == "no-issues-found"
    assert {e.get("service_id"): e["verdict"] for e in verdict.evidence[1:]} == {
        MJ: "waits-for-consent"
    }


def test_banner_evidence_per_language_and_place(scanned):
    fr = scanned("fr").phase("reject-all").consent
    assert fr.text == "Tout refuser"
    assert fr.details["banner"]["buttons"]["accept"] == ["Tout accepter"]
    de = scanned("de").phase("reject-all").consent
    kinds = [c["kind"] for c in de.details["clicks"]]
    assert kinds == ["settings", "toggle-off", "save"], de.details["clicks"]
    assert de.text == "Auswahl speichern"
    assert scanned("de").phase("accept-all").consent.text == "Alle akzeptieren"
    shadow = scanned("shadow").phase("accept-all").consent
    assert shadow.text == "Aceptar todo" and shadow.details["banner"]["shadow_dom"]
    assert ">>>" in shadow.selector
    framed = scanned("framed").phase("reject-all").consent
    assert framed.text == "Rifiuta tutti" and framed.details["banner"]["in_iframe"]
    assert framed.details["banner"]["frame"] == "https://cmp.example.net/banner.html"


def test_ignored_reject_evidence_is_timed_after_the_click(scanned):
    result = scanned("ignores-reject")
    (finding,) = [f for f in result.findings if f.type == AFTER]
    start = [e for e in finding.evidence if e["page"] == "https://ignores-reject.example.com/"]
    assert start, finding.evidence
    assert all(e["after_choice_ms"] > 0 and e["pattern"] == "host:mjt.lu" for e in start)


def test_tcf_data_is_recorded(scanned):
    action = scanned("leaky").phase("reject-all").consent
    assert action.details["tcf_before"]["cmp_id"] == 4242
    assert action.details["tcf_before"]["purpose_consents"] == [1, 2, 3, 4, 7, 9, 10]
    assert action.details["tcf_after"]["purpose_consents"] == []


def test_no_banner_is_not_found_and_not_compliant(scanned):
    result = scanned("nobanner")
    for phase in ("accept-all", "reject-all"):
        assert result.phase(phase).consent.outcome == "not-found"
    verdict = result.findings[-1]
    assert verdict.evidence[0]["verdict"] == "violations"


def test_the_heuristic_alone_handles_a_known_platform(localweb):
    result = scan_local(
        localweb,
        "https://cc.example.com/",
        phases=("reject-all",),
        consent_engines=("heuristic",),
        max_pages=1,
    )
    action = result.phase("reject-all").consent
    assert (action.outcome, action.method, action.text) == ("done", "heuristic", "Reject all")
    assert result.findings[-1].evidence[0]["verdict"] == "no-issues-found"
