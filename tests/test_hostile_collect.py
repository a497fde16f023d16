"""Hostile sites: what a scanned site must never make the scanner fetch, read or believe.

Issue "Hostile sites and careless input": a robots.txt or sitemap that points at a local file,
a loopback or private address or another site; a page that calls the functions the scanner
exposes to its own init script to forge a Google Analytics cookie.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from conftest import scan_local, visit_of

from scanner import ScanConfig, scan
from scanner.analyse.judge import judge
from scanner.collect.cookies import settable_from
from scanner.collect.crawl import Frontier, fetch_refusal
from scanner.collect.observe import ContextObserver, PageRecorder
from scanner.collect.page_scripts import Channel, cookie_hook
from scanner.collect.parties import FirstParty
from scanner.demo.localweb import Reply
from scanner.model import Cookie, Match, PhaseResult, ScanResult, StorageItem, Visit

SITEMAPS = "https://hostile-sitemap.example.com/"
OFF_SITE = ("127.0.0.1", "10.0.0.1", "evil-sitemaps.example.net", "evil-pages.example.net", "[")


# -- pure: what the frontier and the sitemap reader accept ---------------------------------


@pytest.mark.parametrize(
    "url, reason",
    [
        ("https://www.example.com/a", ""),
        ("HTTP://shop.example.com/b?x=1", ""),
        ("https://static.example-cdn.net/c", ""),  # an extra first-party domain
        ("file:///etc/hostname", "not http(s)"),
        ("data:text/xml,<urlset/>", "not http(s)"),
        ("chrome://version/", "not http(s)"),
        ("javascript:alert(1)", "not http(s)"),
        ("ftp://www.example.com/", "not http(s)"),
        ("https://127.0.0.1/sitemap.xml", "external"),
        ("http://10.0.0.1/sitemap.xml", "external"),
        ("https://[::1]/sitemap.xml", "external"),
        ("https://www.example.net/sitemap.xml", "external"),
        # Python reads the host after "@"; the browser reads "\" as "/" and goes to evil.
        ("https://evil.example.net\\@www.example.com/", "ambiguous"),
        ("https://user:pw@www.example.com/", "ambiguous"),
        ("https://www.example.com:99999/", "ambiguous"),
        ("https://www.example.com/a\x00b", "ambiguous"),
        ("https:///nohost", "ambiguous"),
        # The browser maps these host names before resolving them; Python does not.
        ("https://evil.example.net\uff0f.www.example.com/", "ambiguous"),
        ("https://evil%2enet.example.com/", "ambiguous"),
    ],
)
def test_fetch_refusal(url, reason):
    first_party = FirstParty("www.example.com", ["example-cdn.net"])
    assert fetch_refusal(url, first_party) == reason


@pytest.mark.parametrize(
    "url, reason",
    [
        ("file:///etc/passwd", "not http(s)"),
        ("data:text/html,<a>", "not http(s)"),
        ("https://evil.example.net\\@www.example.com/page", "ambiguous"),
    ],
)
def test_frontier_never_queues_other_schemes_or_ambiguous_urls(url, reason):
    f = Frontier(FirstParty("www.example.com"), max_pages=10, max_depth=3)
    assert not f.add(url, 1)
    assert f.skipped[reason] == 1 and not f.queue


# -- sitemaps, in Chromium ------------------------------------------------------------------


def hits_on(web, host):
    return [path for h, path in list(web.hits) if h == host]


@pytest.mark.browser
def test_sitemaps_stay_on_the_site(localweb):
    lines: list[str] = []
    config = ScanConfig(
        url=SITEMAPS,
        phases=("no-interaction",),
        max_pages=10,
        dwell=0.5,
        idle_timeout=1.0,
        **localweb.scan_options(),
    )
    result = scan(config, progress=lines.append)
    urls = [v.url for v in result.phase("no-interaction").visits]
    # The site's own sitemap index and sitemap still work.
    assert hits_on(localweb, "hostile-sitemap.example.com").count("/sitemap-pages.xml") == 1
    assert SITEMAPS + "listed.html" in urls
    # Nothing else was fetched: no loopback, private or other-site sitemap, no page that only
    # looks same-site to Python.
    for host in OFF_SITE:
        assert not hits_on(localweb, host), f"{host} was contacted: {hits_on(localweb, host)}"
    assert sorted(urls) == [SITEMAPS, SITEMAPS + "listed.html"]
    # What was refused is said, once per sitemap.
    refused = [line for line in lines if "sitemap refused" in line]
    assert any("file:///etc/hostname" in line and "not http(s)" in line for line in refused)
    assert any("https://127.0.0.1/from-index.xml" in line for line in refused)
    assert any("confused-sitemap.xml" in line and "ambiguous" in line for line in refused)
    assert len(refused) == 7, refused
    # …and kept in the result, for the report.
    assert any("sitemap URL(s) refused (not http(s))" in w for w in result.warnings), (
        result.warnings
    )


@pytest.mark.browser
def test_a_sitemap_redirect_to_another_host_is_not_followed(localweb):
    before = len(hits_on(localweb, "evil-sitemaps.example.net"))
    lines: list[str] = []
    config = ScanConfig(
        url="https://hostile-redirect.example.com/",
        phases=("no-interaction",),
        dwell=0.5,
        idle_timeout=1.0,
        **localweb.scan_options(),
    )
    result = scan(config, progress=lines.append)
    assert hits_on(localweb, "hostile-redirect.example.com").count("/moved-sitemap.xml") == 1
    assert len(hits_on(localweb, "evil-sitemaps.example.net")) == before
    assert [v.url for v in result.phase("no-interaction").visits] == [
        "https://hostile-redirect.example.com/"
    ]
    assert any(
        "sitemap refused (external)" in line and "redirected-sitemap.xml" in line for line in lines
    )


@pytest.mark.browser
def test_no_page_from_a_local_file_sitemap(localweb, tmp_path):
    # A "sitemap" on the scanning machine listing a same-site URL that would carry what it
    # read (here a marker) back to the site.
    local = tmp_path / "sitemap.xml"
    local.write_text(
        "<urlset><url><loc>https://hostile-file.example.com/leak?secret=from-local-file"
        "</loc></url></urlset>"
    )
    robots = f"User-agent: *\nSitemap: {local.as_uri()}\n".encode()

    def route(target: str, method: str) -> Reply | None:
        return (
            Reply(200, robots, [("Content-Type", "text/plain")])
            if target == "/robots.txt"
            else None
        )

    localweb.routes["hostile-file.example.com"] = route
    try:
        result = scan_local(
            localweb, "https://hostile-file.example.com/", phases=("no-interaction",), dwell=0.5
        )
    finally:
        del localweb.routes["hostile-file.example.com"]
    assert not [p for p in hits_on(localweb, "hostile-file.example.com") if "secret" in p]
    assert [v.url for v in result.phase("no-interaction").visits] == [
        "https://hostile-file.example.com/"
    ]


# -- forged evidence --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def forged(localweb):
    return scan_local(
        localweb, "https://forge.example.com/", phases=("no-interaction",), max_pages=1, dwell=1.5
    )


@pytest.mark.browser
def test_forged_cookie_is_not_recorded_and_makes_no_finding(forged):
    page = visit_of(forged, "https://forge.example.com/")
    # The page's script ran to its end, and caught none of the scanner's own calls.
    assert page.title and page.title.startswith("Forge:") and page.title.endswith(" 0 caught")
    assert not [r for r in page.requests if "google" in r.host]  # nothing ever went to Google
    assert not [c for c in page.cookies if "google" in c.domain], page.cookies
    assert not [m for m in forged.matches if m.service_id.startswith("google-analytics")]
    assert not [f for f in forged.findings if f.service and "google" in f.service["id"]]
    # The channel still reports what the page really did.
    sniff = [c for c in page.cookies if c.name == "sniff"]
    assert sniff and set(sniff[0].sources) == {"js", "jar"}
    assert sniff[0].set_by == "https://forge.example.com/"


@pytest.mark.browser
def test_forged_storage_write_does_not_change_who_wrote_a_key(forged):
    page = visit_of(forged, "https://forge.example.com/")
    items = {s.key: s for s in page.storage}
    assert set(items) >= {"forge_probe", "sniff_key"}
    assert {s.origin for s in page.storage} == {"https://forge.example.com"}
    # The forged calls claimed Google's script wrote the probe first; the page's inline
    # script did, later.
    assert items["forge_probe"].set_by == "https://forge.example.com/"
    assert items["forge_probe"].time_ms is not None
    assert items["sniff_key"].set_by == "https://forge.example.com/"


# -- the judge: a cookie only page scripts told about is weaker evidence -----------------------

START = "https://shop.example.com/"
GA = {
    "id": "google-analytics-4",
    "name": "Google Analytics",
    "category": "analytics",
    "compliance": {"consent_required": True},
}


def ga_result(*cookies: Cookie, requests=()) -> ScanResult:
    visit = Visit(
        START, START, 0, "no-interaction", "2025-01-01T00:00:00.000+00:00", 1000.0,
        status=200, cookies=cookies, requests=requests,
    )  # fmt: skip
    return ScanResult(
        start_url=START,
        first_party=("example.com",),
        tool_version="0",
        browser_version="0",
        user_agent="ua",
        config={},
        started_at="2025-01-01T00:00:00+00:00",
        finished_at="2025-01-01T00:01:00+00:00",
        phases=(PhaseResult("no-interaction", (visit,)),),
        services={"google-analytics-4": GA},
        matches=tuple(
            Match("no-interaction", START, "cookie", c.name, "google-analytics-4", "cookie:_ga")
            for c in cookies
        ),
    )


def ga_cookie(sources) -> Cookie:
    return Cookie("_ga", "shop.example.com", "/", "first", 400.0, sources=sources)


def tracking(result):
    return [f for f in judge(result) if f.type == "tracking_before_consent"]


def test_js_only_cookie_is_unverified_and_never_high():
    (finding,) = tracking(ga_result(ga_cookie(("js",))))
    assert finding.severity == "medium"
    assert finding.evidence[0]["verified"] is False
    assert "page script" in finding.message
    # The same cookie seen by the browser (jar or wire) keeps the full severity.
    for sources in [("js", "jar"), ("wire",), ("jar",)]:
        (seen,) = tracking(ga_result(ga_cookie(sources)))
        assert seen.severity == "high"
        assert "verified" not in seen.evidence[0]


def test_js_only_cookie_with_other_evidence_stays_high():
    both = ga_result(ga_cookie(("js",)), replace(ga_cookie(("jar",)), name="_ga_X"))
    (finding,) = tracking(both)
    assert finding.severity == "high"
    assert [e.get("verified") for e in finding.evidence] == [False, None]


# -- the channel, without a browser -------------------------------------------------------------


class Frame:
    def __init__(self, url: str, parent: Frame | None = None) -> None:
        self.url, self.parent_frame = url, parent


def recorded(calls) -> tuple[ContextObserver, list[Cookie], list[StorageItem]]:
    """Run ``calls(observer, source)`` against a recorder of https://www.example.com/."""

    async def run():
        observer = ContextObserver()
        page = object()
        recorder = PageRecorder(
            "https://www.example.com/", 0, "no-interaction", FirstParty("www.example.com"), "t"
        )
        observer.recorders[page] = recorder
        source = {"page": page, "frame": Frame("https://www.example.com/shop/item")}
        calls(observer, source)
        recorder.on_storage("https://www.example.com", [["local", "k", 1]])
        visit = recorder.finish(include_values=False)
        return observer, list(visit.cookies), list(visit.storage)

    return asyncio.run(run())


GA_COOKIE = "_ga=GA1.1.1.1; domain=google-analytics.com; max-age=99999999"
GA_STACK = "Error\n    at x (https://www.google-analytics.com/analytics.js:1:1)"


def test_channel_calls_without_the_token_are_dropped():
    def forge(observer, source):
        # The old call shapes, and the new ones with a wrong token.
        observer._on_binding(source, GA_COOKIE, GA_STACK, "https://www.google-analytics.com/")
        observer._on_binding(source, "guess", "_ga=1", GA_STACK, "https://www.example.com/")
        observer._on_storage_binding(source, "https://www.example.com", "local", "k", GA_STACK)
        observer._on_storage_binding(source, "guess", "local", "k", GA_STACK)
        observer._on_worker_binding(source, "https://www.example.com/sw.js")

    observer, cookies, storage = recorded(forge)
    assert cookies == [] and storage[0].set_by is None
    assert observer.forged == 5 and not observer.workers


def test_channel_checks_what_a_genuine_call_claims():
    def calls(observer, source):
        token = observer.channel.token
        # A cookie for another site: the browser refuses it, so do we.
        observer._on_binding(source, token, GA_COOKIE, GA_STACK, "https://www.example.com/")
        # The page's own cookies; the claimed URL is used only when it has the frame's origin.
        observer._on_binding(source, token, "a=1", "", "https://www.google-analytics.com/")
        observer._on_binding(source, token, "b=1; domain=example.com", "", source["frame"].url)
        observer._on_storage_binding(source, token, "local", "k", GA_STACK)
        observer._on_worker_binding(source, token, "https://www.google-analytics.com/sw.js", "", "")

    observer, cookies, storage = recorded(calls)
    assert [(c.name, c.domain, c.path, c.sources) for c in cookies] == [
        ("a", "www.example.com", "/shop", ("js",)),
        ("b", "example.com", "/shop", ("js",)),
    ]
    assert storage[0].origin == "https://www.example.com" and storage[0].time_ms is not None
    assert observer.forged == 0 and not observer.workers


def test_init_script_keeps_no_name_a_page_can_find():
    one, two = Channel.new(), Channel.new()
    assert len({one.cookie, one.storage, one.worker, two.cookie}) == 4
    script = cookie_hook(one)
    assert one.token in script and one.cookie in script
    assert "__cookiescan" not in script and '"use strict"' in script
    assert one.accepts(one.token) and not one.accepts(two.token) and not one.accepts(None)


@pytest.mark.parametrize(
    "domain, host, allowed",
    [
        ("www.example.com", "www.example.com", True),
        ("example.com", "www.example.com", True),
        ("google-analytics.com", "www.example.com", False),
        ("other.example.com", "www.example.com", False),
        ("com", "www.example.com", False),
        ("github.io", "me.github.io", False),  # a public suffix
        ("0.0.1", "10.0.0.1", False),
        ("10.0.0.1", "10.0.0.1", True),
    ],
)
def test_settable_from(domain, host, allowed):
    assert settable_from(domain, host) is allowed


def test_wire_cookie_for_another_domain_is_dropped():
    def calls(observer, source):
        recorder = observer.recorders[source["page"]]
        recorder.on_set_cookie(GA_COOKIE, "https://www.example.com/")
        recorder.on_set_cookie("sid=1", "https://www.example.com/")

    _, cookies, _ = recorded(calls)
    assert [c.name for c in cookies] == ["sid"]
