"""robots.txt (protego) and sitemaps (ultimate-sitemap-parser), fed by the browser's fetches.

Issue 14 part 7: ``Disallow`` for cookiescan (its own group, else ``*``) is honoured unless
``--ignore-robots``; the start URL is scanned anyway, with a warning; gzip, text and index
sitemaps are read; a gzip bomb is cut at ``MAX_SITEMAP_BYTES``.
"""

from __future__ import annotations

import gzip
import json

import pytest
from click.testing import CliRunner
from conftest import scan_local

from scanner.cli import cli
from scanner.collect.crawl import (
    MAX_SITEMAP_BYTES,
    Frontier,
    extract_sitemap_urls,
    sitemaps_from_robots,
)
from scanner.collect.discovery import ROBOTS_DISALLOWED, Robots, skip_warnings
from scanner.collect.parties import FirstParty
from scanner.demo.localweb import Reply

ROBOTS = "https://robots.example.com/"
STAR = "https://robots-star.example.com/"
BOMB = "https://robots-bomb.example.com/"

# -- pure ----------------------------------------------------------------------------------


def test_cookiescan_group_wins_over_star():
    text = "User-agent: *\nDisallow: /\n\nUser-agent: cookiescan\nDisallow: /private/\n"
    rules = Robots(text, ROBOTS)
    assert rules.allows(ROBOTS + "open.html")
    assert not rules.allows(ROBOTS + "private/secret.html")
    # Only the star group: it applies to cookiescan too.
    star = Robots("User-agent: *\nDisallow: /admin\n", ROBOTS)
    assert not star.allows(ROBOTS + "admin/x") and star.allows(ROBOTS + "shop")
    # Another origin's pages are not judged by this robots.txt.
    assert star.allows("https://other.example.com/admin/x")
    assert star.allows("http://robots.example.com/admin/x")


def test_frontier_counts_robots_refusals():
    f = Frontier(FirstParty("robots.example.com"), max_pages=10, max_depth=3)
    f.robots = Robots("User-agent: *\nDisallow: /private/\n", ROBOTS).allows
    assert f.add(ROBOTS + "open.html", 1)
    assert not f.add(ROBOTS + "private/a.html", 1)
    assert not f.add(ROBOTS + "private/b.html", 1)
    assert f.skipped[ROBOTS_DISALLOWED] == 2
    (warning,) = skip_warnings("no-interaction", f.skipped)
    assert "2 page(s) not visited: disallowed by robots.txt" in warning


def test_sitemap_formats():
    urlset = (
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://a.example.com/1</loc></url></urlset>"
    )
    assert extract_sitemap_urls(urlset) == (["https://a.example.com/1"], [])
    assert extract_sitemap_urls(gzip.compress(urlset)) == (["https://a.example.com/1"], [])
    text = b"https://a.example.com/t1\n\nfile:///etc/hostname\nhttps://a.example.com/t2\n"
    assert extract_sitemap_urls(text) == (
        ["https://a.example.com/t1", "https://a.example.com/t2"],
        [],
    )
    assert extract_sitemap_urls(b"") == ([], [])
    assert extract_sitemap_urls(b"\x1f\x8bnot gzip at all") == ([], [])
    assert sitemaps_from_robots("Sitemap: https://a.example.com/s.xml.gz\n") == [
        "https://a.example.com/s.xml.gz"
    ]


def test_sitemap_with_entities_is_not_expanded():
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b"<urlset><url><loc>https://a.example.com/&b;</loc></url></urlset>"
    )
    assert extract_sitemap_urls(laughs) == ([], [])


def test_gzip_bomb_is_cut():
    body = b"<urlset>" + b" " * (MAX_SITEMAP_BYTES + 1000)
    body += b"<url><loc>https://a.example.com/after-the-cut</loc></url></urlset>"
    bomb = gzip.compress(body)
    assert len(bomb) < 100_000
    assert extract_sitemap_urls(bomb) == ([], [])


# -- in Chromium ----------------------------------------------------------------------------


def hits_on(web, host):
    return [path for h, path in list(web.hits) if h == host]


def urls_of(result):
    return sorted(v.url for v in result.phase("no-interaction").visits)


@pytest.mark.browser
def test_disallowed_pages_are_not_visited(localweb):
    before = len(hits_on(localweb, "robots.example.com"))
    result = scan_local(localweb, ROBOTS, phases=("no-interaction",), dwell=0.5)
    assert urls_of(result) == [
        ROBOTS,
        ROBOTS + "from-gzip.html",  # from the gzipped sitemap
        ROBOTS + "from-text.html",  # from the text sitemap
        ROBOTS + "open.html",
    ]
    assert not [p for p in hits_on(localweb, "robots.example.com")[before:] if "private" in p]
    assert any("2 page(s) not visited: disallowed by robots.txt" in w for w in result.warnings), (
        result.warnings
    )


@pytest.mark.browser
def test_ignore_robots_visits_them(localweb):
    result = scan_local(localweb, ROBOTS, phases=("no-interaction",), dwell=0.5, ignore_robots=True)
    assert ROBOTS + "private/secret.html" in urls_of(result)
    assert ROBOTS + "private/listed.html" in urls_of(result)
    assert not [w for w in result.warnings if "robots" in w]


@pytest.mark.browser
def test_start_url_disallowed_is_scanned_with_a_warning(localweb):
    result = scan_local(localweb, STAR, phases=("no-interaction",), dwell=0.5)
    assert urls_of(result) == [STAR]  # the start page, not the page it links to
    assert any("disallows the start URL" in w and "scanned anyway" in w for w in result.warnings)
    assert any("1 page(s) not visited" in w for w in result.warnings), result.warnings


@pytest.mark.browser
@pytest.mark.parametrize("encoded", [False, True], ids=["gzip-file", "content-encoding"])
def test_gzip_bomb_sitemap_is_cut(localweb, encoded):
    body = b'<?xml version="1.0"?><urlset><url><loc>' + BOMB.encode() + b"first.html</loc></url>"
    body += b" " * (MAX_SITEMAP_BYTES * 4)
    body += b"<url><loc>" + BOMB.encode() + b"after-the-cut.html</loc></url></urlset>"
    bomb = gzip.compress(body, compresslevel=9)
    if encoded:
        headers = [("Content-Type", "application/xml"), ("Content-Encoding", "gzip")]
    else:
        headers = [("Content-Type", "application/gzip")]
    pages = {"/": b"<title>bomb</title>", "/first.html": b"<title>first</title>"}

    def route(target: str, method: str) -> Reply | None:
        if target == "/sitemap.xml":
            return Reply(200, bomb, headers)
        if target in pages:
            return Reply(200, pages[target], [("Content-Type", "text/html")])
        return Reply(404, b"")

    localweb.routes["robots-bomb.example.com"] = route
    try:
        result = scan_local(localweb, BOMB, phases=("no-interaction",), dwell=0.5)
    finally:
        del localweb.routes["robots-bomb.example.com"]
    assert urls_of(result) == [BOMB, BOMB + "first.html"]


def test_ignore_robots_option_reaches_the_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no cookiescan.toml of the working tree
    runner = CliRunner()
    default = runner.invoke(cli, ["config", "show", "--format", "json"])
    given = runner.invoke(cli, ["config", "show", "--format", "json", "--ignore-robots"])
    assert default.exit_code == 0 and given.exit_code == 0, default.output + given.output
    values = [
        {o["option"]: o["value"] for o in json.loads(out.output)["options"]}
        for out in (default, given)
    ]
    assert values[0]["ignore_robots"] is False and values[1]["ignore_robots"] is True
