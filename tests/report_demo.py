"""The demo result: a realistic three-phase scan of www.example.com, and an empty one.

``demo_result()`` saw Google Analytics, Google Tag Manager, Google Fonts, a Mailjet widget and
an unknown ad pixel; ``empty_result()`` is an interrupted scan that saw nothing.
"""

from __future__ import annotations

from report_builders import SITE, cookie, req, visit
from report_png import BANNER_REJECT, NO_BANNER, tiny_png
from report_services import SERVICES, matches_of, service_ref, service_verdict

from scanner.model import (
    ConsentAction,
    Finding,
    PageError,
    PhaseResult,
    ScanResult,
    StorageItem,
    Visit,
)


def _landing(phase: str, clicked: bool) -> Visit:
    rs = [
        req(SITE, 0, "document", is_main_frame=True),
        req("https://fonts.googleapis.com/css2?family=Inter", 180, "stylesheet"),
        req("https://www.googletagmanager.com/gtag/js?id=G-ABC123", 320),
        req("https://fonts.gstatic.com/s/inter/v13/inter.woff2", 410, "font"),
        req(
            "https://www.google-analytics.com/g/collect?v=2&tid=G-ABC123&en=page_view",
            1240,
            "ping",
            status=204,
            method="POST",
        ),
        req("https://px.adnetwork.example.net/pixel.gif?site=example.com", 1500, "image"),
    ]
    cs = [
        cookie("PHPSESSID", "www.example.com", None, 40, sources=("wire", "jar"), http_only=True),
        cookie(
            "_ga",
            ".example.com",
            400,
            900,
            sources=("js", "jar"),
            set_by="https://www.googletagmanager.com/gtag/js?id=G-ABC123",
            requested_lifetime_days=730,  # gtag asks for 2 years; Chromium keeps 400 days
        ),
        cookie("_ga_ABC123", ".example.com", 400, 905, sources=("js", "jar")),
        cookie(
            "uid",
            ".adnetwork.example.net",
            365,
            1510,
            sources=("wire",),
            secure=True,
            same_site="None",
        ),
    ]
    st: list[StorageItem] = []
    if clicked:
        rs.append(req("https://app.mailjet.com/widget/iframe/5Xk/abc", 2600, "sub_frame"))
        rs.append(req("https://r.mjt.lu/tr/op/abc.gif", 2750, "image"))
        cs.append(cookie("cookie_consent", ".example.com", 182, 2110, sources=("js", "jar")))
        st.append(StorageItem("local", "https://www.example.com", "consent_state", "first", 64))
    return visit(
        phase, SITE, rs, cs, st, title="Example Bakery — fresh bread daily", links_found=14
    )


def _consent(action: str) -> ConsentAction:
    label = "Accept all" if action == "accept-all" else "Reject all"
    return ConsentAction(
        action=action,
        outcome="done",
        method="rule:example-cmp",
        selector="#cmp-" + action,
        text=label,
        page=SITE,
        time="2025-03-04T10:15:02.100000+00:00",
        details={
            "time_ms": 2100,
            "screenshot_before": tiny_png(240, 120, BANNER_REJECT),
            "screenshot_after": tiny_png(240, 120, NO_BANNER),
        },
    )


def demo_result() -> ScanResult:
    newsletter = SITE + "newsletter"
    phases = [
        PhaseResult(
            "no-interaction",
            (
                _landing("no-interaction", clicked=False),
                visit(
                    "no-interaction",
                    SITE + "contact",
                    [req(SITE + "contact", 0, "document", status=404, is_main_frame=True)],
                    status=404,
                    depth=1,
                    title="Not found",
                    errors=(PageError("http", "HTTP 404 Not Found"),),
                ),
                visit(
                    "no-interaction",
                    newsletter,
                    [
                        req(newsletter, 0, "document", is_main_frame=True),
                        req("https://fonts.googleapis.com/css2?family=Inter", 150, "stylesheet"),
                    ],
                    depth=1,
                    title="Newsletter",
                ),
            ),
        ),
        PhaseResult("accept-all", (_landing("accept-all", clicked=True),), _consent("accept-all")),
        PhaseResult("reject-all", (_landing("reject-all", clicked=True),), _consent("reject-all")),
    ]
    ga, mj = service_ref("google-analytics-4"), service_ref("mailjet")
    collect = "https://www.google-analytics.com/g/collect?v=2&tid=G-ABC123&en=page_view"
    ga_cookie = {
        "kind": "cookie",
        "page": SITE,
        "phase": "no-interaction",
        "name": "_ga",
        "domain": ".example.com",
        "party": "first",
        "time_ms": 900,
        "lifetime_days": 400,
        "service_id": "google-analytics-4",
        "pattern": "_ga",
    }
    findings = [  # shaped like scanner.analyse.judge's output
        Finding(
            "tracking_before_consent",
            "high",
            "no-interaction",
            ga,
            (SITE,),
            (
                ga_cookie,
                {
                    "kind": "request",
                    "page": SITE,
                    "phase": "no-interaction",
                    "url": collect,
                    "host": "www.google-analytics.com",
                    "party": "third",
                    "time_ms": 1240,
                    "resource_type": "ping",
                    "status": 204,
                    "service_id": "google-analytics-4",
                    "pattern": "google-analytics.com",
                },
            ),
            "Google Analytics 4 was active before any choice: 1 request, 1 cookie.",
        ),
        Finding(
            "tracking_after_reject",
            "high",
            "reject-all",
            mj,
            (SITE,),
            (
                {
                    "kind": "request",
                    "page": SITE,
                    "phase": "reject-all",
                    "url": "https://r.mjt.lu/tr/op/abc.gif",
                    "host": "r.mjt.lu",
                    "party": "third",
                    "time_ms": 2750,
                    "resource_type": "image",
                    "status": 200,
                    "service_id": "mailjet",
                    "pattern": "mjt.lu",
                },
            ),
            "Mailjet was active after “Reject all” was clicked: 1 request.",
        ),
        Finding(
            "cookie_lifetime_over_13_months",
            "medium",
            "no-interaction",
            ga,
            (SITE,),
            (
                {**ga_cookie},  # a copy: each finding owns its evidence
            ),
            "_ga lives 400 days, more than the 13 months the CNIL recommends.",
        ),
        Finding(
            "unknown_third_party",
            "info",
            "no-interaction",
            None,
            (SITE,),
            (
                {
                    "kind": "request",
                    "page": SITE,
                    "phase": "no-interaction",
                    "url": "https://px.adnetwork.example.net/pixel.gif?site=example.com",
                    "host": "px.adnetwork.example.net",
                    "party": "third",
                    "time_ms": 1500,
                },
            ),
            "px.adnetwork.example.net matches no signature: review it by hand.",
        ),
        Finding(
            "verdict",
            "info",
            None,
            None,
            (SITE,),
            (
                {
                    "kind": "verdict",
                    "scope": "site",
                    "verdict": "violations",
                    "reasons": [],
                    "consent": {"accept-all": "done", "reject-all": "done"},
                    "findings": {
                        "tracking_before_consent": 1,
                        "tracking_after_reject": 1,
                        "cookie_lifetime_over_13_months": 1,
                        "unknown_third_party": 1,
                    },
                },
                service_verdict(
                    "google-analytics-4",
                    "required",
                    "tracks-before-consent",
                    ["tracking_before_consent"],
                ),
                service_verdict("google-fonts", "exempt", "exempt", []),
                service_verdict("google-tag-manager", "exempt", "exempt", []),
                service_verdict(
                    "mailjet", "required", "tracks-after-reject", ["tracking_after_reject"]
                ),
            ),
            "Violations found",
        ),
    ]
    return ScanResult(
        start_url=SITE,
        first_party=("example.com",),
        tool_version="0.1.0",
        browser_version="Chromium 131.0.6778.85",
        user_agent="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
        config={
            "url": SITE,
            "phases": ["no-interaction", "accept-all", "reject-all"],
            "max_pages": 20,
            "max_depth": 3,
            "dwell": 3.5,
        },
        started_at="2025-03-04T10:14:58+00:00",
        finished_at="2025-03-04T10:16:12+00:00",
        phases=tuple(phases),
        services=dict(SERVICES),
        matches=tuple(matches_of(phases)),
        findings=tuple(findings),
    )


def empty_result() -> ScanResult:
    """An interrupted scan: one phase, one unreachable page, nothing matched."""
    v = visit(
        "no-interaction",
        "https://down.example.org/",
        [],
        status=None,
        duration_ms=30000.0,
        errors=(PageError("navigation", "net::ERR_NAME_NOT_RESOLVED"),),
        final_url="",
    )
    return ScanResult(
        start_url="https://down.example.org/",
        first_party=(),
        tool_version="0.1.0",
        browser_version="",
        user_agent="",
        config={},
        started_at="2025-03-04T10:00:00+00:00",
        finished_at=None,
        phases=(PhaseResult("no-interaction", (v,)),),
        complete=False,
    )
