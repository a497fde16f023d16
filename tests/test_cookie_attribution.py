"""Cookie attribution (issue 12 part 6, issue 11 part 8): two concurrent pages of one context
writing one cookie name each keep their own value; host-only flag; UTF-8 cookie names."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from conftest import scan_local, visit_of

from scanner.collect.cookies import header_text, merge, parse_set_cookie, value_digest

SITE = "https://cookies.example.com/"


def test_merge_keeps_the_page_value_when_the_jar_holds_another_pages():
    mine = parse_set_cookie("id=mine; Max-Age=600", "www.example.com")
    other = parse_set_cookie("id=other; Max-Age=86400; Domain=example.com", "www.example.com")
    mine.sources.add("wire")
    merged = merge(mine, other)
    assert (merged.value, merged.domain, merged.host_only) == ("mine", "www.example.com", True)
    assert merged.sources == {"wire", "jar"}  # a Set-Cookie the browser took, since replaced
    same = parse_set_cookie("id=mine; Max-Age=600", "www.example.com")
    assert merge(mine, same).value == "mine" and merge(mine, same).sources == {"wire", "jar"}


def test_host_only_flag_from_the_header():
    assert parse_set_cookie("a=1", "shop.example.com").host_only is True
    assert parse_set_cookie("a=1; Domain=shop.example.com", "shop.example.com").host_only is False


def test_utf8_header_read_back():
    assert header_text("caf\u00c3\u00a9=1") == "café=1"
    assert header_text("plain=1") == "plain=1"
    assert header_text("latin=\u00e9") == "latin=\u00e9"  # not UTF-8: left alone


@pytest.fixture(scope="module")
def cookie_scan(localweb):
    # a.html stays open (a slow image) while b.html writes the same names.
    return scan_local(
        localweb, SITE, phases=("no-interaction",), concurrency=3, include_cookie_values=True
    )


@pytest.mark.browser
@pytest.mark.parametrize(
    "page, tag", [("a.html", "aaaaaaaa-{}-1111"), ("b.html", "bbbbbbbb-{}-2222")]
)
def test_concurrent_pages_keep_their_own_value(cookie_scan, page, tag):
    visit = visit_of(cookie_scan, SITE + page)
    cookies = {c.name: c for c in visit.cookies}
    for name, how in (("shared", "wire"), ("js_shared", "js")):
        c = cookies[name]
        assert c.value == tag.format(how), (page, name)
        assert c.value_sha256 == value_digest(tag.format(how))
        assert c.blocked_reason is None
        assert how in c.sources


@pytest.mark.browser
def test_pages_overlapped(cookie_scan):
    # The test above proves something only if b.html ran while a.html was open.
    a = visit_of(cookie_scan, SITE + "a.html")
    b = visit_of(cookie_scan, SITE + "b.html")

    def span(v):
        start = datetime.fromisoformat(v.started_at)
        return start, start + timedelta(milliseconds=v.duration_ms)

    (a0, a1), (b0, b1) = span(a), span(b)
    assert a0 < b1 and b0 < a1, "a.html and b.html did not run at the same time"


@pytest.mark.browser
def test_utf8_name_is_one_cookie_and_host_only_is_kept(cookie_scan):
    visit = visit_of(cookie_scan, SITE + "utf8.html")
    names = {c.name: c for c in visit.cookies}
    assert "cafÃ©" not in names
    assert names["café"].sources == ("wire", "jar") and names["café"].blocked_reason is None
    assert names["hostonly"].host_only is True
    assert names["wide"].host_only is False
