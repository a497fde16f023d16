"""The HTML report, read as text: sections, verdict, escaping, links, images, CSP."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re
from html.parser import HTMLParser

import pytest
from report_fixtures import (
    JS_URL,
    SITE,
    XSS,
    demo_result,
    empty_result,
    hostile_changes,
    hostile_result,
)

import reports
from reports.html import build_context
from reports.timeline import build_charts, click_time_ms
from reports.view import ResultView, format_lifetime, png_data_uri, safe_href

ALLOWED_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "header",
    "nav",
    "main",
    "section",
    "div",
    "span",
    "a",
    "h1",
    "h2",
    "h3",
    "h4",
    "p",
    "b",
    "code",
    "table",
    "tr",
    "th",
    "td",
    "dl",
    "dt",
    "dd",
    "br",
    "blockquote",
    "button",
    "details",
    "summary",
    "footer",
    "svg",
    "g",
    "line",
    "rect",
    "text",
    "circle",
    "script",
    "figure",
    "img",
    "figcaption",
}


class Tags(HTMLParser):
    """Every start tag of a document with its attributes, as a browser's tokenizer sees it."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, list[tuple[str, str]]]] = []

    def handle_starttag(self, tag, attrs):
        self.seen.append((tag, [(k, v or "") for k, v in attrs]))

    @property
    def names(self) -> set[str]:
        return {t for t, _ in self.seen}

    def count(self, tag: str) -> int:
        return sum(t == tag for t, _ in self.seen)


@pytest.fixture(scope="module")
def demo_html() -> str:
    return reports.render(demo_result(), "html")  # type: ignore[return-value]


@pytest.fixture(scope="module")
def hostile_html() -> str:
    # with a hostile "changes since the previous scan" section too
    html = reports.render(hostile_result(), "html", changes=hostile_changes())
    assert 'id="changes"' in html
    return html  # type: ignore[return-value]


def test_self_contained(demo_html):
    assert "<style>" in demo_html and "<svg" in demo_html
    # nothing is fetched: no src/href to the network except links a person clicks
    assert not re.search(r"""<(script|link|iframe|img)[^>]+(src|href)=["']?https?:""", demo_html)
    assert "@import" not in demo_html and "url(" not in demo_html


def test_csp_allows_only_our_script(demo_html):
    script = re.search(r"<script>(.*?)</script>", demo_html, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in demo_html
    assert "default-src 'none'" in demo_html


def test_verdict_and_sections(demo_html):
    top = demo_html[: demo_html.index('id="findings"')]
    assert "Violations found" in top
    assert "2 high and 1 medium-severity findings" in top
    assert "Banner found: “Accept all” and “Reject all” clicked" in top
    for heading in [
        "Findings",
        "When each service fired",
        "Services by category",
        "Cookie declaration",
        "Unknown third parties",
        "Consent banner",
        "Pages crawled",
        "How this report was made",
    ]:
        assert f">{heading}<" in demo_html, heading
    # the verdict finding is the headline, not one of the findings
    assert "Findings (4)" in demo_html


def test_findings_show_their_evidence(demo_html):
    section = demo_html[demo_html.index('id="findings"') : demo_html.index('id="timeline"')]
    assert section.index("Tracking before consent") < section.index("Unknown third party")
    assert "https://r.mjt.lu/tr/op/abc.gif" in section and "<code>mjt.lu</code>" in section
    assert "2.75 s" in section and "lifetime_days" in section


def test_services_carry_compliance_facts(demo_html):
    section = demo_html[demo_html.index('id="services"') : demo_html.index('id="declaration"')]
    for text in [
        "Google Analytics 4",
        "Tracks before consent",
        "Audience measurement",
        "EU-US Data Privacy Framework",
        "United States, European Union",
        "With your consent we use Google Analytics",
        "Mailjet SAS (Sinch AB)",
        "Tracks after refusal",
        "Does not need consent",
    ]:
        assert text in section, text
    assert (
        section.index(">Analytics") < section.index(">Marketing") < section.index(">Tag managers")
    )


def test_cookie_declaration_groups_by_category(demo_html):
    section = demo_html[demo_html.index('id="declaration"') : demo_html.index('id="unknown"')]
    analytics = section.index(">Analytics<")
    unclassified = section.index(">Unclassified<")
    assert analytics < section.index(">_ga<") < unclassified < section.index(">uid<")
    assert "Random client ID" in section and "13 months" in section and "session" in section
    assert "Not documented" in section  # unmatched cookies must be described by a person


def test_timeline_marks_the_consent_click():
    view = ResultView(demo_result())
    charts = {c.phase: c for c in build_charts(view)}
    assert set(charts) == {"no-interaction", "accept-all", "reject-all"}
    assert charts["no-interaction"].click_x is None
    reject = charts["reject-all"]
    assert reject.click_ms == 2100
    rows = {r.label: r for r in reject.rows}
    assert rows["Mailjet"].first_ms == 2600 and not rows["Mailjet"].before_click
    assert rows["Google Analytics 4"].before_click
    assert "px.adnetwork.example.net" in rows  # unknown hosts get their own row
    assert [r.first_ms for r in reject.rows] == sorted(r.first_ms for r in reject.rows)
    assert all(reject.label_w <= r.x_first <= reject.width for r in reject.rows)


def test_click_time_falls_back_to_iso_times():
    result = demo_result()
    phase = result.phase("accept-all")
    consent = dataclasses.replace(phase.consent, details={}, time="2025-03-04T10:15:01.5+00:00")
    phase = dataclasses.replace(phase, consent=consent)
    assert click_time_ms(phase, phase.visits[0]) == 1500.0


def test_screenshots_only_from_png_data_uris(demo_html, hostile_html):
    assert demo_html.count('<img src="data:image/png;base64,') == 4
    assert "<img" not in hostile_html  # an SVG and a broken PNG URI: neither is embedded
    assert png_data_uri("data:image/png;base64,iVBORw0KGgo=")
    assert png_data_uri('data:image/png;base64,AA" onerror="x') is None
    assert png_data_uri("data:image/svg+xml;base64,PHN2Zz4=") is None


def test_hostile_strings_are_escaped(hostile_html):
    for payload in XSS[:6]:
        assert payload not in hostile_html, payload
    tags = Tags()
    tags.feed(hostile_html)
    assert tags.count("script") == 1  # ours
    assert tags.names <= ALLOWED_TAGS, tags.names - ALLOWED_TAGS
    for tag, attrs in tags.seen:
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, value)
            if name in ("href", "src", "action", "formaction", "xlink:href"):
                assert value.startswith(("#", "http://", "https://", "data:image/png;")), value
    assert "49" not in re.findall(r">(\d+)<", hostile_html)  # {{7*7}} was not evaluated
    assert "{{7*7}}" in hostile_html


def test_only_http_links_are_clickable(hostile_html, demo_html):
    hrefs = re.findall(r'href="([^"]*)"', hostile_html) + re.findall(r'href="([^"]*)"', demo_html)
    assert hrefs
    for href in hrefs:
        assert href.startswith(("#", "https://", "http://")), href
    assert JS_URL not in re.findall(r'href="([^"]*)"', hostile_html)
    assert safe_href("javascript:alert(1)") is None
    assert safe_href(" https://x") is None and safe_href("https:/x") is None
    assert safe_href("HTTPS://example.com/") == "HTTPS://example.com/"
    assert safe_href(f"{SITE}a b") == f"{SITE}a b"


def test_cookie_values_hidden_by_default():
    result = hostile_result()
    secret = "&lt;script&gt;window.__pwned=1&lt;/script&gt;"
    plain = reports.render(result, "html")
    assert secret not in plain and "sha256:0123456789abcdef (33 chars)" in plain
    assert secret in reports.render(result, "html", include_cookie_values=True)


def test_incomplete_scan_says_so():
    html = reports.render(empty_result(), "html")
    assert "This scan is incomplete" in html and "ERR_NAME_NOT_RESOLVED" in html
    assert "not finished" in html


def test_no_verdict_finding_falls_back_to_counts():
    result = dataclasses.replace(
        demo_result(),
        findings=tuple(f for f in demo_result().findings if f.type != "verdict"),
        verdict=None,
    )
    assert build_context(result)["status"]["headline"] == "Violations found"
    quiet = dataclasses.replace(result, findings=())
    status = build_context(quiet)["status"]
    assert status["level"] == "good" and "No issues found" in status["headline"]


@pytest.mark.parametrize(
    "days, text",
    [
        (None, "session"),
        (0.01, "14 minutes"),
        (0.5, "12 hours"),
        (1, "1 day"),
        (400, "13 months"),
        (730, "2 years"),
        (-1, "expired"),
    ],
)
def test_format_lifetime(days, text):
    assert format_lifetime(days) == text


def test_scan_warnings_are_shown():
    import dataclasses

    from report_fixtures import demo_result

    from reports import render

    result = dataclasses.replace(demo_result(), warnings=("matching skipped: <b>broken</b> pack",))
    html = render(result, "html")
    assert "matching skipped: &lt;b&gt;broken&lt;/b&gt; pack" in html
    assert "matching skipped" in render(result, "md")
