"""The judge on hand-built results: each finding type, its evidence, and the verdicts."""

from __future__ import annotations

from dataclasses import replace

import pytest

from scanner.analyse.judge import MAX_LIFETIME_DAYS, judge
from scanner.analyse.verdict import access_limited, verdict_of
from scanner.model import (
    ConsentAction,
    Cookie,
    Match,
    PageError,
    PhaseResult,
    Request,
    ScanResult,
    StorageItem,
    Visit,
)
from scanner.rules import need_of

START = "https://shop.example.com/"
PAGE2 = "https://shop.example.com/p2"
SERVICES = {
    "mailjet": {
        "id": "mailjet",
        "name": "Mailjet",
        "category": "analytics",
        "compliance": {"consent_required": True},
    },
    "matomo": {
        "id": "matomo",
        "name": "Matomo",
        "category": "analytics",
        "compliance": {"consent_required": "depends"},
    },
    "fonts": {"id": "fonts", "name": "Fonts", "category": "cdn", "compliance": {}},
    "cmp": {"id": "cmp", "name": "A CMP", "category": "consent"},
}
PIXEL = "https://mjt.lu/oo/x.gif"


def request(url: str, time_ms: float = 100.0, party: str = "third") -> Request:
    host = url.split("/")[2]
    return Request(url, "GET", "image", host, party, time_ms)  # type: ignore[arg-type]


def visit(url: str, phase: str, started_at: str = "2025-01-01T00:00:00.000+00:00", **kw) -> Visit:
    return Visit(url, url, 0, phase, started_at, 1000.0, status=200, **kw)  # type: ignore[arg-type]


def action(name: str, outcome: str = "done", **details) -> ConsentAction:
    details.setdefault("time_ms", 500.0)
    return ConsentAction(
        name,  # type: ignore[arg-type]
        outcome,  # type: ignore[arg-type]
        method="heuristic",
        page=START,
        time="2025-01-01T00:00:01.000+00:00",
        details=details,
    )


def result(phases, matches=(), complete=True, accepted=True) -> ScanResult:
    return ScanResult(
        start_url=START,
        first_party=("example.com",),
        tool_version="0",
        browser_version="0",
        user_agent="ua",
        config={},
        started_at="2025-01-01T00:00:00+00:00",
        finished_at="2025-01-01T00:01:00+00:00",
        phases=tuple(phases),
        services=SERVICES,
        # clean_phases() has the Mailjet pixel after "accept all": matched here once for all
        matches=((m("accept-all", PIXEL),) if accepted else ()) + tuple(matches),
        complete=complete,
    )


def m(phase: str, value: str, service: str = "mailjet", kind: str = "request", page=START):
    pattern = {"request": "host:mjt.lu", "cookie": f"cookie:{value}", "storage": "storage:k"}[kind]
    return Match(phase, page, kind, value, service, pattern)  # type: ignore[arg-type]


def kinds(findings) -> set[tuple]:
    return {
        (f.type, f.phase, f.service["id"] if f.service else None)
        for f in findings
        if f.type != "verdict"
    }


def site_verdict(findings) -> str:
    (v,) = [f for f in findings if f.type == "verdict"]
    return v.evidence[0]["verdict"]


def clean_phases(after_reject=()):
    return [
        PhaseResult("no-interaction", (visit(START, "no-interaction"),)),
        PhaseResult(
            "accept-all",
            (visit(START, "accept-all", requests=(request(PIXEL),)),),
            action("accept-all"),
        ),
        PhaseResult(
            "reject-all",
            (visit(START, "reject-all", requests=tuple(after_reject)),),
            action("reject-all"),
        ),
    ]


def test_need_of_categories_and_facts():
    assert need_of(SERVICES["mailjet"]) == "required"
    assert need_of(SERVICES["matomo"]) == "depends"
    assert need_of(SERVICES["fonts"]) == "exempt"
    assert need_of(SERVICES["cmp"]) == "exempt"
    assert need_of({"category": "marketing"}) == "depends"
    assert need_of({"category": "security", "compliance": {"consent_required": True}}) == "exempt"
    assert need_of({"category": "analytics", "compliance": {"consent_required": False}}) == "exempt"
    assert need_of(None) == "exempt"


def test_gated_site_has_no_finding_and_no_compliance_claim():
    r = result(clean_phases())
    findings = judge(r)
    assert kinds(findings) == set()
    assert site_verdict(findings) == "no-issues-found"
    services = {s.service_id: s for s in verdict_of(r, list(findings)).services}
    assert services["mailjet"].verdict == "waits-for-consent"


def test_tracking_before_consent_keeps_the_evidence():
    phases = clean_phases()
    phases[0] = PhaseResult(
        "no-interaction",
        (
            visit(
                START,
                "no-interaction",
                requests=(request(PIXEL, 42.0),),
                cookies=(Cookie("mj.preferences", "shop.example.com", "/", "first", 180.0),),
            ),
        ),
    )
    r = result(
        phases,
        [m("no-interaction", PIXEL), m("no-interaction", "mj.preferences", kind="cookie")],
    )
    findings = judge(r)
    assert kinds(findings) == {("tracking_before_consent", "no-interaction", "mailjet")}
    (f,) = [f for f in findings if f.type == "tracking_before_consent"]
    assert f.severity == "high" and f.pages == (START,)
    assert f.service == {"id": "mailjet", "name": "Mailjet", "category": "analytics"}
    request_evidence = next(e for e in f.evidence if e["kind"] == "request")
    assert request_evidence["url"] == PIXEL
    assert request_evidence["time_ms"] == 42.0
    assert request_evidence["pattern"] == "host:mjt.lu"
    assert request_evidence["phase"] == "no-interaction"
    assert site_verdict(findings) == "violations"


def test_depends_is_medium_and_exempt_is_ignored():
    phases = clean_phases()
    phases[0] = PhaseResult(
        "no-interaction",
        (visit(START, "no-interaction", requests=(request("https://m.example.net/m.js"),)),),
    )
    r = result(
        phases,
        [
            m("no-interaction", "https://m.example.net/m.js", "matomo"),
            m("no-interaction", "https://m.example.net/m.js", "fonts"),
        ],
    )
    findings = judge(r)
    assert kinds(findings) == {("tracking_before_consent", "no-interaction", "matomo")}
    assert next(f for f in findings if f.service).severity == "medium"
    assert site_verdict(findings) == "issues"


def test_after_reject_only_counts_what_follows_the_click():
    before, after = request(PIXEL + "?before", 200.0), request(PIXEL + "?after", 900.0)
    phases = clean_phases(after_reject=[before, after])
    phases[2] = replace(
        phases[2],
        visits=(
            *phases[2].visits,
            visit(PAGE2, "reject-all", "2025-01-01T00:00:02.000+00:00", requests=(request(PIXEL),)),
            # opened before the click (pages run in parallel): not "after" the refusal
            visit(
                START + "early",
                "reject-all",
                "2025-01-01T00:00:00.500+00:00",
                requests=(request(PIXEL),),
            ),
        ),
    )
    matches = [
        m("reject-all", before.url),
        m("reject-all", after.url),
        m("reject-all", PIXEL, page=PAGE2),
        m("reject-all", PIXEL, page=START + "early"),
    ]
    findings = judge(result(phases, matches))
    (f,) = [f for f in findings if f.type == "tracking_after_reject"]
    assert f.phase == "reject-all" and f.severity == "high"
    assert {e["url"] for e in f.evidence} == {after.url, PIXEL}
    assert f.pages == (START, PAGE2)
    start_item = next(e for e in f.evidence if e["page"] == START)
    assert start_item["after_choice_ms"] == 400.0


def test_untimed_storage_on_the_click_page_is_not_after_reject():
    phases = clean_phases()
    phases[2] = replace(
        phases[2],
        visits=(
            visit(START, "reject-all", storage=(StorageItem("local", START, "k", "first", 3),)),
        ),
    )
    findings = judge(result(phases, [m("reject-all", "k", kind="storage")]))
    assert kinds(findings) == set()


def test_no_after_reject_judgement_when_reject_was_not_done():
    phases = clean_phases(after_reject=[request(PIXEL, 900.0)])
    phases[2] = replace(phases[2], consent=action("reject-all", "failed"))
    findings = judge(result(phases, [m("reject-all", PIXEL)]))
    assert kinds(findings) == set()
    assert site_verdict(findings) == "consent-not-tested"


def test_no_banner_with_trackers_is_a_finding_and_never_compliant():
    phases = [
        PhaseResult(
            "no-interaction", (visit(START, "no-interaction", requests=(request(PIXEL),)),)
        ),
        PhaseResult("accept-all", (visit(START, "accept-all"),), action("accept-all", "not-found")),
        PhaseResult("reject-all", (visit(START, "reject-all"),), action("reject-all", "not-found")),
    ]
    findings = judge(result(phases, [m("no-interaction", PIXEL)]))
    assert kinds(findings) == {
        ("no_consent_banner", None, None),
        ("tracking_before_consent", "no-interaction", "mailjet"),
    }
    banner = next(f for f in findings if f.type == "no_consent_banner")
    assert banner.severity == "high" and {e["phase"] for e in banner.evidence} == {
        "accept-all",
        "reject-all",
    }


def test_no_banner_without_trackers_is_only_untested():
    phases = [
        PhaseResult("no-interaction", (visit(START, "no-interaction"),)),
        PhaseResult("reject-all", (visit(START, "reject-all"),), action("reject-all", "not-found")),
    ]
    findings = judge(result(phases, accepted=False))
    assert kinds(findings) == set()
    assert site_verdict(findings) == "consent-not-tested"


def test_only_no_interaction_says_consent_not_tested():
    findings = judge(result([PhaseResult("no-interaction", (visit(START, "no-interaction"),))]))
    assert site_verdict(findings) == "consent-not-tested"
    assert "did not run" in findings[-1].message


def test_blocked_site_is_access_limited_not_clean():
    blocked = visit(START, "no-interaction")
    blocked = replace(blocked, status=403, errors=(PageError("http", "HTTP 403 Forbidden"),))
    phases = [
        PhaseResult("no-interaction", (blocked,)),
        PhaseResult(
            "reject-all",
            (replace(blocked, phase="reject-all"),),
            action("reject-all", "not-found"),
        ),
    ]
    r = result(phases)
    assert access_limited(r)
    findings = judge(r)
    assert kinds(findings) == set()
    assert site_verdict(findings) == "access-limited"
    bot = replace(visit(START, "no-interaction"), title="Just a moment...")
    assert access_limited(result([PhaseResult("no-interaction", (bot,))]))


def test_no_reject_on_first_layer():
    phases = clean_phases()
    banner = {"selector": "div#cmp", "buttons": {"accept": ["Alle akzeptieren"], "settings": ["x"]}}
    phases[2] = replace(phases[2], consent=action("reject-all", banner=banner))
    findings = judge(result(phases))
    assert kinds(findings) == {("no_reject_on_first_layer", "reject-all", None)}
    f = next(f for f in findings if f.type == "no_reject_on_first_layer")
    assert f.severity == "medium"
    assert f.evidence[0]["first_layer"]["accept"] == ["Alle akzeptieren"]
    assert site_verdict(findings) == "issues"


def test_consent_stored_before_choice_from_tcf():
    phases = clean_phases()
    tcf = {"cmp_id": 7, "tc_string": "CP...", "purpose_consents": [1, 2], "vendor_consent_count": 3}
    phases[1] = replace(phases[1], consent=action("accept-all", tcf_before=tcf))
    phases[2] = replace(
        phases[2], consent=action("reject-all", tcf_before={"purpose_consents": []})
    )
    findings = judge(result(phases))
    assert kinds(findings) == {("consent_stored_before_choice", "accept-all", None)}
    f = next(f for f in findings if f.type == "consent_stored_before_choice")
    assert f.evidence[0]["tc_string"] == "CP..." and f.evidence[0]["purpose_consents"] == [1, 2]


@pytest.mark.parametrize(
    ("stored", "requested", "flagged"),
    [(400.0, 730.0, True), (395.0, None, False), (MAX_LIFETIME_DAYS + 1, None, True)],
)
def test_cookie_lifetime_uses_the_requested_lifetime(stored, requested, flagged):
    phases = clean_phases()
    cookie = Cookie("_ga", ".shop.example.com", "/", "first", stored, requested)
    phases[0] = PhaseResult("no-interaction", (visit(START, "no-interaction", cookies=(cookie,)),))
    findings = judge(result(phases, [m("no-interaction", "_ga", kind="cookie")]))
    lifetime = [f for f in findings if f.type == "cookie_lifetime_over_13_months"]
    assert bool(lifetime) is flagged
    if flagged:
        assert lifetime[0].severity == "medium" and lifetime[0].service["id"] == "mailjet"
        assert lifetime[0].evidence[0]["pattern"] == "cookie:_ga"


def test_unknown_third_party_is_kept_for_review():
    phases = clean_phases()
    phases[0] = PhaseResult(
        "no-interaction",
        (
            visit(
                START,
                "no-interaction",
                requests=(
                    request("https://who.example.net/t.js"),
                    request("https://shop.example.com/app.js", party="first"),
                ),
            ),
        ),
    )
    findings = judge(result(phases))
    assert kinds(findings) == {("unknown_third_party", "no-interaction", None)}
    f = next(f for f in findings if f.type == "unknown_third_party")
    assert f.severity == "info" and f.evidence[0]["host"] == "who.example.net"


def test_incomplete_scan_says_so():
    findings = judge(result(clean_phases(), complete=False))
    assert "incomplete" in findings[-1].evidence[0]["reasons"]
