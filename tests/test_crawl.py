"""URL normalisation, scope, limits and traps: pure, no browser."""

from __future__ import annotations

import pytest

from scanner.collect.crawl import (
    Frontier,
    check_start_url,
    extract_sitemap_urls,
    normalize_url,
    sitemaps_from_robots,
    url_pattern,
)
from scanner.collect.parties import FirstParty
from scanner.errors import ConfigError


@pytest.mark.parametrize(
    "url, expected",
    [
        ("HTTPS://WWW.Example.com:443/a/?b=2&a=1#top", "https://www.example.com/a?a=1&b=2"),
        ("http://example.com:80", "http://example.com/"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        ("https://example.com/p?utm_source=x&gclid=1&fbclid=2&id=7", "https://example.com/p?id=7"),
        ("https://example.com/p?PHPSESSID=abc&q=1", "https://example.com/p?q=1"),
        ("https://example.com/a//b/", "https://example.com/a/b"),
        ("https://example.com/shop;jsessionid=ABC?x=1", "https://example.com/shop?x=1"),
    ],
)
def test_normalize_url(url, expected):
    assert normalize_url(url) == expected


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "javascript:alert(1)",
        "data:text/html,hi",
        "file:///etc/passwd",
        "ftp://x.org/",
        "https://",
        "http://exa mple.com/",
        "https://example.com:99999/",
    ],
)
def test_check_start_url_rejects(bad):
    with pytest.raises(ConfigError):
        check_start_url(bad)


def test_check_start_url_adds_scheme_and_keeps_path():
    assert check_start_url("www.example.com") == "https://www.example.com/"
    assert check_start_url("https://example.com/a/#x") == "https://example.com/a/"


def test_url_pattern_groups_calendar_pages():
    a = url_pattern("https://x.com/events/2024/01?page=3")
    b = url_pattern("https://x.com/events/2025/07?page=9")
    assert a == b == "x.com/events/*/*?page"
    assert url_pattern("https://x.com/blog/hello") != url_pattern("https://x.com/blog/world")


def frontier(**kw):
    kw.setdefault("max_pages", 100)
    kw.setdefault("max_depth", 3)
    return Frontier(FirstParty("www.example.com", ["example-cdn.net"]), **kw)


def test_frontier_scope_and_dedup():
    f = frontier()
    assert f.add("https://www.example.com/", 0)
    assert not f.add("https://www.example.com/#top", 1)  # same page
    assert not f.add("https://www.example.com/?utm_source=mail", 1)  # same page
    assert f.add("https://shop.example.com/", 1)  # same site
    assert f.add("https://www.example-cdn.net/about", 1)  # declared first party
    assert not f.add("https://www.example.net/", 1)  # external: never visited
    assert not f.add("https://www.example.com/report.pdf", 1)  # not a page
    assert not f.add("https://www.example.com/deep", 4)  # beyond max depth
    assert f.skipped["external"] == 1


def test_frontier_limits_and_trap_cap():
    f = frontier(max_pages=50, max_per_pattern=3)
    added = sum(f.add(f"https://www.example.com/calendar/{d}", 1) for d in range(1000, 1100))
    assert added == 3
    assert f.skipped["pattern cap"] == 97
    g = frontier(max_pages=5)
    assert sum(g.add(f"https://www.example.com/p{i}", 1) for i in range(20)) == 5


def test_frontier_include_exclude():
    f = frontier(include=(r"/shop/",), exclude=(r"/shop/cart",))
    assert f.add("https://www.example.com/shop/item", 1)
    assert not f.add("https://www.example.com/blog/", 1)
    assert not f.add("https://www.example.com/shop/cart", 1)
    with pytest.raises(ConfigError):
        frontier(include=("(",))


def test_sitemaps():
    xml = "<urlset><url><loc> https://a.com/x?a=1&amp;b=2 </loc></url></urlset>"
    assert extract_sitemap_urls(xml) == (["https://a.com/x?a=1&b=2"], [])
    index = "<sitemapindex><sitemap><loc>https://a.com/s1.xml</loc></sitemap></sitemapindex>"
    assert extract_sitemap_urls(index) == ([], ["https://a.com/s1.xml"])
    robots = "User-agent: *\nSitemap: https://a.com/sm.xml\nsitemap:https://a.com/2.xml\n"
    assert sitemaps_from_robots(robots) == ["https://a.com/sm.xml", "https://a.com/2.xml"]
