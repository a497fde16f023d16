"""Hand-built ``ScanResult`` objects for the report tests.

``demo_result()`` is a realistic three-phase scan of www.example.com (Google Analytics, Google
Tag Manager, Google Fonts, a Mailjet widget, an unknown ad pixel); ``hostile_result()`` is full
of script-injection payloads, and ``hostile_changes()`` a "changes since the previous scan" dict
to go with it; ``empty_result()`` is an interrupted scan that saw nothing.

Run as a script to render the demo report (and screenshot it with Chromium)::

    .venv/bin/python tests/report_fixtures.py demo.html --screenshot docs/report-screenshot.png
"""

from __future__ import annotations

import base64
import hashlib
import struct
import sys
import zlib
from typing import Any
from urllib.parse import urlsplit

from scanner.model import (
    PHASES,
    ConsentAction,
    Cookie,
    Finding,
    Match,
    PageError,
    PhaseResult,
    Request,
    ScanResult,
    StorageItem,
    Visit,
)

SITE = "https://www.example.com/"


def tiny_png(width: int, height: int, boxes: list[tuple[int, int, int, int, tuple]]) -> str:
    """A PNG data URI: a light page with filled rectangles (x, y, w, h, rgb)."""
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            color = (236, 239, 243)
            for bx, by, bw, bh, rgb in boxes:
                if bx <= x < bx + bw and by <= y < by + bh:
                    color = rgb
            row += bytes(color)
        rows.append(bytes(row))

    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    png = b"\x89PNG\r\n\x1a\n" + chunk(
        b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    )
    png += chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b"")
    return "data:image/png;base64," + base64.b64encode(png).decode()


BANNER = [(0, 88, 240, 32, (40, 48, 64)), (150, 96, 38, 16, (46, 160, 90))]
BANNER_REJECT = BANNER + [(104, 96, 38, 16, (200, 205, 212))]
NO_BANNER: list[tuple[int, int, int, int, tuple]] = [(16, 16, 120, 10, (200, 205, 212))]

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


def _rule_for(kind: str, value: str) -> tuple[str, str] | None:
    for k, how, pattern, service in sorted(RULES):
        if k != kind:
            continue
        host = urlsplit(value).hostname or "" if kind == "request" else ""
        if how == "host" and (host == pattern or host.endswith("." + pattern)):
            return service, pattern
        if (how == "exact" and value == pattern) or (how == "prefix" and value.startswith(pattern)):
            return service, pattern
    return None


def req(url: str, t: float, rtype: str = "script", status: int | None = 200, **kw: Any) -> Request:
    host = urlsplit(url).hostname or ""
    party = "first" if host == "example.com" or host.endswith(".example.com") else "third"
    return Request(
        url=url,
        method=kw.pop("method", "GET"),
        resource_type=rtype,
        host=host,
        party=party,
        time_ms=t,
        status=status,
        **kw,
    )


def cookie(name: str, domain: str, days: float | None, t: float, **kw: Any) -> Cookie:
    party = "first" if domain.lstrip(".").endswith("example.com") else "third"
    return Cookie(
        name=name,
        domain=domain,
        path="/",
        party=party,
        lifetime_days=days,
        value_sha256=hashlib.sha256(name.encode()).hexdigest()[:16],
        value_length=len(name) + 20,
        time_ms=t,
        **kw,
    )


def visit(
    phase: str,
    url: str,
    requests: list[Request],
    cookies: list[Cookie] = (),
    storage: list[StorageItem] = (),
    **kw: Any,
) -> Visit:
    return Visit(
        url=url,
        final_url=kw.pop("final_url", url),
        depth=kw.pop("depth", 0),
        phase=phase,
        started_at=kw.pop("started_at", "2025-03-04T10:15:00+00:00"),
        duration_ms=kw.pop("duration_ms", 6200.0),
        status=kw.pop("status", 200),
        requests=tuple(requests),
        cookies=tuple(cookies),
        storage=tuple(storage),
        **kw,
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


def _matches(phases: list[PhaseResult]) -> list[Match]:
    out = []
    for p in phases:
        for v in p.visits:
            items = [("request", r.url) for r in v.requests] + [
                ("cookie", c.name) for c in v.cookies
            ]
            for kind, value in items:
                hit = _rule_for(kind, value)
                if hit:
                    out.append(Match(p.phase, v.url, kind, value, hit[0], hit[1]))
    return out


def _ref(service_id: str) -> dict[str, Any]:
    facts = SERVICES[service_id]
    return {"id": service_id, "name": facts["name"], "category": facts["category"]}


def _service_verdict(sid: str, need: str, verdict: str, issues: list[str]) -> dict[str, Any]:
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
    ga, mj = _ref("google-analytics-4"), _ref("mailjet")
    collect = "https://www.google-analytics.com/g/collect?v=2&tid=G-ABC123&en=page_view"
    findings = [  # shaped like scanner.analyse.judge's output
        Finding(
            "tracking_before_consent",
            "high",
            "no-interaction",
            ga,
            (SITE,),
            (
                {
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
                },
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
                {
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
                },
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
                _service_verdict(
                    "google-analytics-4",
                    "required",
                    "tracks-before-consent",
                    ["tracking_before_consent"],
                ),
                _service_verdict("google-fonts", "exempt", "exempt", []),
                _service_verdict("google-tag-manager", "exempt", "exempt", []),
                _service_verdict(
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
        matches=tuple(_matches(phases)),
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


# Every payload sets window.__pwned and opens a dialog if it ever runs.
JS = "window.__pwned=1;alert(1)"
XSS = [
    "<img src=x onerror=alert(1)>",
    f'<img src=x onerror="{JS}">',
    f'"><script>{JS}</script>',
    f"'><svg onload={JS}>",
    f"</title><script>{JS}</script>",
    f"</textarea></style></script><script>{JS}</script>",
    "{{7*7}}{% raw %}",
]
JS_URL = f"javascript:{JS}"


def hostile_result() -> ScanResult:
    """A site whose every string is a script-injection attempt (and a formula for spreadsheets)."""
    evil_url = 'https://evil.example.net/"><script>window.__pwned=1;alert(1)</script>'
    page = SITE + '?q="><script>window.__pwned=1;alert(1)</script>'
    names = XSS + [
        '=HYPERLINK("http://evil.example.net","x")',
        "+1+1",
        "-2",
        "@SUM(A1)",
        "\tTAB",
        "\rCR",
    ]
    cookies = [
        cookie(n, ".evil.example.net", 30, 100.0 + i, sources=("wire",))
        for i, n in enumerate(names)
    ]
    cookies.append(
        Cookie(
            name="sid",
            domain="www.example.com",
            path="/",
            party="first",
            lifetime_days=None,
            value="<script>window.__pwned=1</script>",
            value_sha256="0123456789abcdef",
            value_length=33,
        )
    )
    requests = [
        req(page, 0, "document", is_main_frame=True),
        req(evil_url, 50),
        Request(
            url=JS_URL,
            method="GET",
            resource_type="other",
            host=XSS[1],
            party="third",
            time_ms=60.0,
        ),
        req("https://track.example.org/" + XSS[2], 70, "image"),
    ]
    storage = [StorageItem("local", "https://evil.example.net", k, "third") for k in XSS[:3]]
    v = visit(
        "no-interaction",
        page,
        requests,
        cookies,
        storage,
        final_url=JS_URL,
        title=XSS[4],
        errors=(PageError(XSS[2], XSS[1]),),
    )
    v2 = visit("no-interaction", JS_URL, [], title=XSS[0], depth=1)
    bad_service = {
        "id": "evil",
        "name": XSS[2],
        "category": XSS[3],
        "description": XSS[0],
        "website": JS_URL,
        "privacy_policy": "data:text/html,<script>alert(1)</script>",
        "vendor": {"name": XSS[1], "country": XSS[5]},
        "cookies": [{"name": XSS[0], "purpose": XSS[2]}],
        "compliance": {
            "consent_required": True,
            "risk": XSS[0],
            "sample_consent_text": XSS[1],
            "server_locations": [XSS[2]],
            "notes": XSS[5],
            "dpia": XSS[6],
            "legal_bases": [{"use": XSS[0], "basis": XSS[1], "conditions": XSS[2]}],
            "transfers": [{"destination": XSS[3], "safeguards": [XSS[4]]}],
        },
    }
    consent = ConsentAction(
        action="reject-all",
        outcome="done",
        method=XSS[0],
        selector=XSS[2],
        text=XSS[1],
        page=JS_URL,
        time=XSS[3],
        details={
            "time_ms": "<b>",
            "cmp": XSS[2],
            "reason": XSS[1],
            "screenshot_before": "data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+",
            "screenshot_after": 'data:image/png;base64,AAAA" onerror="window.__pwned=1',
        },
    )
    reject = visit("reject-all", page, requests[:2], cookies[:3])
    matches = (
        Match("no-interaction", page, "request", evil_url, "evil", XSS[2]),
        Match("no-interaction", page, "cookie", XSS[0], "evil", XSS[1]),
        Match("no-interaction", page, "storage", XSS[0], "evil", XSS[0]),
        Match("reject-all", page, "request", evil_url, "evil", XSS[2]),
    )
    findings = (
        Finding(
            "tracking_before_consent",
            "high",
            "no-interaction",
            {"id": "evil", "name": XSS[0], "category": XSS[1]},
            (page, JS_URL),
            (
                {
                    "kind": XSS[0],
                    "url": evil_url,
                    "page": JS_URL,
                    "pattern": XSS[2],
                    "time_ms": 50,
                    XSS[1]: XSS[3],
                    "nested": {"x": XSS[4]},
                },
            ),
            XSS[5],
        ),
        Finding(
            "unknown_third_party",
            "info",
            "no-interaction",
            None,
            (page,),
            ({"kind": "request", "host": XSS[1], "url": JS_URL, "page": page},),
            XSS[2],
        ),
        Finding(
            "verdict",
            "info",
            None,
            None,
            (page,),
            (
                {"kind": "verdict", "scope": "site", "verdict": XSS[0], "reasons": [XSS[2]]},
                {
                    "kind": "verdict",
                    "scope": "service",
                    "service_id": "evil",
                    "consent": XSS[1],
                    "verdict": XSS[2],
                },
            ),
            XSS[3],
        ),
    )
    return ScanResult(
        start_url=page,
        first_party=(XSS[0],),
        tool_version=XSS[2],
        browser_version=XSS[1],
        user_agent=XSS[4],
        config={"url": page, XSS[0]: [XSS[2]], "proxy": JS_URL},
        started_at=XSS[3],
        finished_at=XSS[5],
        phases=(
            PhaseResult("no-interaction", (v, v2)),
            PhaseResult("reject-all", (reject,), consent),
        ),
        services={"evil": bad_service},
        matches=matches,
        findings=findings,
    )


def hostile_changes() -> dict[str, Any]:
    """A ``diff_results``-shaped dict for ``hostile_result()``: payloads in every string, and
    values of the wrong type where a report might trust them."""
    result = hostile_result()

    def side(n: int) -> dict[str, list[Any]]:
        return {
            "appeared": [
                {"id": XSS[n], "name": XSS[n + 1], "pages": [JS_URL]},
                {"name": XSS[n], "domain": XSS[n + 1], "party": XSS[n + 2], "pages": XSS[n]},
                {"host": XSS[n + 2], "pages": [JS_URL, XSS[n]]},
                XSS[n],
                None,
            ],
            "disappeared": [
                {"type": XSS[n], "severity": XSS[n + 1], "service": XSS[n + 2], "message": JS_URL},
                {"type": "verdict", "severity": "info", "service": "evil", "message": XSS[n]},
                {"type": 7, "severity": "high", "service": ["x"], "message": {"m": XSS[n]}},
            ],
        }

    kinds = ("services", "cookies", "third_party_hosts", "findings")
    return {
        "old": {"start_url": XSS[0], "started_at": XSS[1], "complete": XSS[2]},
        "new": {"start_url": result.start_url, "started_at": result.started_at},
        "changed": XSS[3],
        "totals": XSS[4],
        "phases": {
            "no-interaction": {k: side(i) for i, k in enumerate(kinds)},
            XSS[2]: {k: side(3) for k in kinds},
            "reject-all": XSS[5],
            "scan": {"findings": {"appeared": XSS[6], "disappeared": [XSS[0]]}},
        },
        "phases_only_in": {"old": [XSS[0], 7], "new": XSS[1]},
    }


if __name__ == "__main__":  # pragma: no cover - manual helper
    import argparse

    import reports

    ap = argparse.ArgumentParser()
    ap.add_argument("html")
    ap.add_argument("--screenshot")
    ap.add_argument("--width", type=int, default=1200)
    args = ap.parse_args()
    reports.write(demo_result(), "html", args.html)
    if args.screenshot:
        from pathlib import Path

        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            exe = "/usr/lib/chromium/chromium-headless-shell"
            try:
                from scanner.collect.browser import find_browser  # type: ignore[import-not-found]

                exe = find_browser()
            except ImportError:
                pass
            browser = pw.chromium.launch(executable_path=exe, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": args.width, "height": 900})
            page.goto(Path(args.html).resolve().as_uri())
            page.screenshot(path=args.screenshot, full_page=True)
            browser.close()
    sys.exit(0)
