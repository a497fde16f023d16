"""The demo shop scanned in real Chromium: everything a browser does is recorded."""

from __future__ import annotations

import pytest
from conftest import scan_local, visit_of

pytestmark = pytest.mark.browser
HOME = "https://www.example.com/"


def requests_to(visit, host):
    return [r for r in visit.requests if r.host == host]


def cookie(visit, name):
    found = [c for c in visit.cookies if c.name == name]
    assert found, f"cookie {name} not recorded on {visit.url}: {[c.name for c in visit.cookies]}"
    return found[0]


def test_mailjet_requests_recorded_as_third_party(demo_result):
    home = visit_of(demo_result, HOME)
    for host, kind in (
        ("app.mailjet.com", "script"),
        ("mjt.lu", "image"),
        ("api.mailjet.com", "fetch"),
    ):
        found = requests_to(home, host)
        assert found, f"no request to {host}"
        assert found[0].party == "third"
        assert found[0].resource_type == kind
        assert found[0].status == 200
        assert found[0].is_main_frame


def test_mailjet_cookie_first_party_six_months_set_by_widget(demo_result):
    mj = cookie(visit_of(demo_result, HOME), "mj.preferences")
    assert mj.party == "first"
    assert mj.domain == "www.example.com"
    assert 179 <= mj.lifetime_days <= 181
    assert "js" in mj.sources and "jar" in mj.sources
    assert mj.set_by == "https://app.mailjet.com/statics/js/widget.modal.js"
    assert mj.value is None and mj.value_sha256 and mj.value_length > 0


def test_third_party_cookie_from_set_cookie_in_iframe(demo_result):
    # Chromium's default policy is a normal visitor's: third-party cookies are stored.
    partner = cookie(visit_of(demo_result, HOME), "partner_uid")
    assert partner.party == "third"
    assert partner.domain == "widget.example.net"
    assert partner.sources == ("wire", "jar")
    assert partner.set_by == "https://widget.example.net/frame.html"
    assert partner.secure and partner.same_site == "None"
    assert partner.blocked_reason is None
    assert 364 <= partner.lifetime_days <= 366


def test_browser_cap_keeps_requested_lifetime(demo_result):
    ga = cookie(visit_of(demo_result, HOME), "_ga")
    assert ga.lifetime_days == pytest.approx(400, abs=1)  # Chromium's ceiling
    assert ga.requested_lifetime_days == pytest.approx(730, abs=1)


def test_redirect_chain(demo_result):
    final = requests_to(visit_of(demo_result, HOME), "px.example.net")
    assert final and final[0].redirect_chain == (
        "https://redirect.example.net/r1",
        "https://redirect.example.net/r2",
    )
    hops = requests_to(visit_of(demo_result, HOME), "redirect.example.net")
    assert [r.status for r in hops] == [302, 302]


def test_beacon_service_worker_and_delayed_tracker(demo_result):
    home = visit_of(demo_result, HOME)
    beacon = requests_to(home, "collect.example.net")
    assert beacon and beacon[0].resource_type == "ping" and beacon[0].method == "POST"
    sw = requests_to(home, "sw-tracker.example.net")
    assert sw and sw[0].service_worker == "https://www.example.com/sw.js"
    delayed = requests_to(home, "delayed.example.net")
    assert delayed and delayed[0].time_ms >= 3000


def test_tracker_three_links_deep(demo_result):
    deep = visit_of(demo_result, "https://www.example.com/a/b/c.html")
    assert deep.depth == 3
    assert requests_to(deep, "deep.example.net")
    home = visit_of(demo_result, HOME)
    assert not requests_to(home, "deep.example.net")


def test_storage_per_frame_origin(demo_result):
    home = visit_of(demo_result, HOME)
    items = {(s.kind, s.origin, s.key, s.party) for s in home.storage}
    assert ("local", "https://www.example.com", "ajs_anonymous_id", "first") in items
    assert ("session", "https://www.example.com", "shop_visit", "first") in items
    assert ("local", "https://widget.example.net", "partner_seen", "third") in items


def test_crawl_scope_sitemap_and_dedup(demo_result):
    urls = [v.url for v in demo_result.phase("no-interaction").visits]
    assert urls[0] == HOME
    assert "https://www.example.com/only-in-sitemap.html" in urls  # from robots.txt Sitemap:
    assert not any("elsewhere.example.net" in u for u in urls)  # external: never visited
    assert len(urls) == len(set(urls)) == 8  # '#team' and utm_ variants are the same pages


def test_cookies_credited_to_the_page_that_set_them(demo_result):
    sitemap_page = visit_of(demo_result, "https://www.example.com/only-in-sitemap.html")
    assert not sitemap_page.cookies
    about = visit_of(demo_result, "https://www.example.com/about.html")
    assert [c.name for c in about.cookies] == ["mj.preferences"]


def test_provenance(demo_result):
    assert demo_result.schema_version == "1.0"
    assert demo_result.browser_version.split(".")[0].isdigit()
    assert "HeadlessChrome" not in demo_result.user_agent
    assert demo_result.config["url"] == HOME
    assert demo_result.started_at < demo_result.finished_at
    assert demo_result.complete
    assert demo_result.first_party == ("example.com",)


def test_initiator_types_from_resource_timing(demo_result):
    home = visit_of(demo_result, HOME)
    types = {r.host: r.initiator_type for r in home.requests}
    assert types["app.mailjet.com"] == "script"
    assert types["mjt.lu"] == "img"
    assert types["api.mailjet.com"] == "fetch"
    assert types["www.google-analytics.com"] == "beacon"
    assert types["sw-tracker.example.net"] == "service-worker"
    assert types["widget.example.net"] == "iframe"
    assert home.requests[1].initiator == HOME


@pytest.fixture(scope="module")
def traced_home(localweb):
    """The demo's home page scanned with DevTools initiators (off by default: they cost)."""
    result = scan_local(
        localweb, HOME, phases=("no-interaction",), max_pages=1, dwell=3.5, trace_initiators=True
    )
    return visit_of(result, HOME)


def initiator(visit, host):
    found = requests_to(visit, host)
    assert found, f"no request to {host}"
    return found[0].initiator, found[0].initiator_type


def test_script_initiators_from_devtools(traced_home):
    home = traced_home
    assert home.requests[0].initiator_type == "other"  # the navigation itself
    # Written in the HTML: the page's parser loaded it.
    assert initiator(home, "mjt.lu") == (HOME, "img")
    # An inline script of the page.
    assert initiator(home, "api.mailjet.com") == (HOME, "fetch")
    # Third-party scripts that call home: the script, not the page, is the initiator.
    gtag = "https://www.googletagmanager.com/gtag/js?id=G-DEMO123"
    assert initiator(home, "www.google-analytics.com") == (gtag, "beacon")
    segment = "https://cdn.segment.com/analytics.js/v1/demo/analytics.min.js"
    assert initiator(home, "api.segment.io") == (segment, "fetch")
    # A timer's callback is still the page's inline script.
    assert initiator(home, "delayed.example.net") == (HOME, "fetch")
    # Every redirect hop keeps the initiator of the request that started the chain; hops
    # that Resource Timing does not list keep DevTools' type.
    assert initiator(home, "px.example.net") == (HOME, "parser")
    assert [(r.initiator, r.initiator_type) for r in requests_to(home, "redirect.example.net")] == [
        (HOME, "img"),
        (HOME, "parser"),
    ]


def test_without_trace_initiators_the_referer_is_kept(demo_result):
    # The default scan opens no DevTools session: the beacon only knows its Referer (the page).
    assert demo_result.config["trace_initiators"] is False
    home = visit_of(demo_result, HOME)
    assert initiator(home, "www.google-analytics.com") == (HOME, "beacon")
    assert requests_to(home, "www.example.com")[0].initiator_type == "referrer"


def test_scanner_looks_like_desktop_chrome(demo_result, localweb):
    # Real banners hide from "HeadlessChrome": neither the user agent nor the client hints
    # may say so, first party and third party alike.
    # Service workers get neither per-context override: the browser-wide --user-agent covers
    # them (sw-tracker.example.net is only ever contacted by the demo's service worker).
    for host in ("www.example.com", "app.mailjet.com", "sw-tracker.example.net"):
        seen = localweb.client_headers[host]
        assert "HeadlessChrome" not in seen["user-agent"]
        assert "HeadlessChrome" not in seen.get("sec-ch-ua", "")
    assert "Google Chrome" in localweb.client_headers["app.mailjet.com"]["sec-ch-ua"]


def test_websocket_recorded(demo_result):
    sockets = requests_to(visit_of(demo_result, HOME), "ws.example.net")
    assert sockets and sockets[0].resource_type == "websocket"
    assert sockets[0].url == "wss://ws.example.net/live" and sockets[0].party == "third"


def test_storage_writes_are_timed_and_attributed(demo_result):
    home = visit_of(demo_result, HOME)
    segment = [s for s in home.storage if s.key == "ajs_anonymous_id"][0]
    assert segment.set_by == "https://cdn.segment.com/analytics.js/v1/demo/analytics.min.js"
    assert segment.time_ms is not None and segment.time_ms > 0
    # Later pages still see the key, but did not write it.
    about = visit_of(demo_result, "https://www.example.com/about.html")
    kept = [s for s in about.storage if s.key == "ajs_anonymous_id"][0]
    assert kept.time_ms is None and kept.set_by is None
