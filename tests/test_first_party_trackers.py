"""First-party trackers (issue 12 part 4): tracker traffic to the site's own hosts is matched
by what it receives (URL shape, parameters, cookies) and judged like the service it is.

The any-host rules on their own (real database, no browser), then a real scan of
``shop.example.com``: a server-side GTM container on ``metrics.shop.example.com`` and a GA4
proxy under ``/metrics/`` send hits before any consent, beside the shop's own endpoints that
look like tracker endpoints and are not.
"""

from __future__ import annotations

import pytest
from conftest import scan_local, visit_of

import signatures

SHOP = "https://shop.example.com/"


@pytest.fixture(scope="module")
def db():
    return signatures.load()


# (URL on a first-party host, the service its shape belongs to)
FIRST_PARTY = [
    (
        "https://sgtm.shop.example.com/g/collect?v=2&tid=G-SHOP42&cid=1.2&en=page_view",
        "google-analytics-4",
    ),
    ("https://shop.example.com/metrics/g/collect?v=2&tid=G-SHOP42&cid=1.2", "google-analytics-4"),
    ("https://sgtm.shop.example.com/gtm.js?id=GTM-SHOP42", "google-tag-manager"),
    ("https://shop.example.com/metrics/gtm.js?id=GTM-SHOP42&l=dataLayer", "google-tag-manager"),
    ("https://sgtm.shop.example.com/ns.html?id=GTM-SHOP42", "google-tag-manager"),
    ("https://stats.shop.example.com/matomo.php?idsite=3&rec=1", "matomo"),
    ("https://stats.shop.example.com/piwik.php?idsite=3&rec=1", "matomo"),
    ("https://metrics.shop.example.com/b/ss/shopprod/1/JS-2.22.0/s1234?AQB=1", "adobe-analytics"),
    (
        "https://edge.shop.example.com/ee/v1/interact?configId=5651875a-1b2c",
        "adobe-experience-platform-web-sdk",
    ),
    ("https://ea.shop.example.com/col2/-/1712345678?euid-amp=x&url=y", "eulerian"),
    ("https://ea.shop.example.com/dwD12.js?2", "eulerian"),
    ("https://logs.shop.example.com/hit.xiti?s=552987&p=home", "piano-analytics"),
    ("https://pa.shop.example.com/event?s=552987&idclient=8c1e-42", "piano-analytics"),
    ("https://sp.shop.example.com/com.snowplowanalytics.snowplow/tp2", "snowplow"),
    ("https://wt.shop.example.com/123456789012345/wt?p=440,home", "mapp-intelligence"),
    ("https://shop.example.com/dcs2221abc/dcs.gif?dcsuri=/home", "webtrends"),
    ("https://shop.example.com/ruxitagentjs_ICA2NVfghjqrux_10253221019152312.js", "dynatrace-rum"),
    ("https://shop.example.com/rb_55ab56e3-f58b?type=js3&flavor=post&vi=X", "dynatrace-rum"),
    ("https://elq.shop.example.com/visitor/v200/svrGP?pps=3&siteid=123", "oracle-eloqua"),
    ("https://shop.example.com/mtc.js", "mautic"),
    ("https://shop.example.com/cdn-cgi/zaraz/s.js?z=abc", "cloudflare-zaraz"),
    (
        "https://shop.example.com/.well-known/shopify/monorail/unstable/produce_batch",
        "shopify-analytics",
    ),
]

# Endpoints of a shop that look like tracker endpoints but are not.
NOT_TRACKERS = [
    "https://shop.example.com/g/collect?v=1&tid=orders-7",  # no GA4 protocol, no G- ID
    "https://shop.example.com/g/collect?v=2&tid=shop-42",  # v=2 but no measurement ID
    "https://shop.example.com/api/event",  # a generic event API (Plausible's path too)
    "https://shop.example.com/b/ss/stock-report",  # no report suite and version
    "https://shop.example.com/event?id=42",  # no site ID, no idclient
    "https://shop.example.com/col2/news/",  # no /-/<random>?
    "https://shop.example.com/js/app.js?2",  # not Eulerian's letter pattern
    "https://shop.example.com/gtm.js",  # no container ID
    "https://shop.example.com/rb_tree.html",  # no Dynatrace beacon parameters
]


@pytest.mark.parametrize("url, service_id", FIRST_PARTY)
def test_first_party_shapes_are_matched(db, url, service_id):
    found = db.match_request(url)
    assert found is not None, url
    assert (found.signature_id, found.pattern.startswith("url:*")) == (service_id, True)


@pytest.mark.parametrize("url", NOT_TRACKERS)
def test_similar_first_party_endpoints_are_not(db, url):
    assert db.match_request(url) is None


def test_plausible_site_script_needs_its_id(db):
    script = "https://shop.example.com/js/pa-6_srOGVV9SLMWJ1ZpUAbG.js"
    assert db.match_request(script, "script").signature_id == "plausible"
    assert db.match_request("https://shop.example.com/js/pa-app.js", "script") is None


def test_server_side_cookies_are_named(db):
    assert db.match_cookie("FPID", "shop.example.com").signature_id == "google-analytics-4"
    assert db.match_cookie("FPLC", "shop.example.com").signature_id == "google-analytics-4"
    assert db.match_cookie("etuix", "shop.example.com").signature_id == "eulerian"
    assert db.match_cookie("atuserid", "shop.example.com").signature_id == "piano-analytics"


@pytest.fixture(scope="module")
def shop(localweb):
    return scan_local(localweb, SHOP)


@pytest.mark.browser
def test_first_party_ga4_before_consent_is_a_violation(shop):
    visit = visit_of(shop, SHOP)
    hits = {r.url: r for r in visit.requests if "/g/collect?v=2&tid=G-SHOP42" in r.url}
    hosts = {r.host for r in hits.values()}
    assert hosts == {"metrics.shop.example.com", "shop.example.com"}, list(hits)
    assert {r.party for r in hits.values()} == {"first"}

    ga4 = {
        m.value: m.pattern
        for m in shop.matches
        if m.phase == "no-interaction" and m.service_id == "google-analytics-4"
    }
    assert set(hits) <= set(ga4), ga4
    assert all(ga4[url].startswith("url:*") for url in hits)
    assert ga4.get("FPID") == "cookie:FPID"  # set by the first-party tagging server

    gtm = [m for m in shop.matches if m.service_id == "google-tag-manager"]
    assert any(m.value.startswith("https://metrics.shop.example.com/gtm.js?id=GTM-") for m in gtm)

    [finding] = [
        f
        for f in shop.findings
        if f.type == "tracking_before_consent"
        and (f.service or {}).get("id") == "google-analytics-4"
    ]
    assert finding.severity == "high"
    urls = {e.get("url") for e in finding.evidence}
    assert set(hits) <= urls
    assert all(e["party"] == "first" for e in finding.evidence if e.get("url") in hits)


@pytest.mark.browser
def test_similar_first_party_endpoints_stay_unmatched(shop):
    visit = visit_of(shop, SHOP)
    seen = {r.url for r in visit.requests}
    near = [
        "https://shop.example.com/g/collect?v=1&tid=orders-7",
        "https://shop.example.com/api/event",
        "https://shop.example.com/b/ss/stock-report",
    ]
    assert set(near) <= seen, sorted(seen)  # the page really made them
    matched = {m.value for m in shop.matches}
    assert not set(near) & matched
    flagged = {e.get("url") for f in shop.findings for e in f.evidence}
    assert not set(near) & flagged
