"""The hostile result: every string a script-injection attempt, and its "changes" dict.

``hostile_result()`` puts a payload (and a spreadsheet formula) in every string of a
``ScanResult``; ``hostile_changes()`` is a "changes since the previous scan" dict to go with it.
Every payload sets ``window.__pwned`` and opens a dialog if it ever runs.
"""

from __future__ import annotations

from typing import Any

from report_builders import SITE, cookie, req, visit

from scanner.model import (
    ConsentAction,
    Cookie,
    Finding,
    Match,
    PageError,
    PhaseResult,
    Request,
    ScanResult,
    StorageItem,
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
