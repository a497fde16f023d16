"""Parsing Set-Cookie headers and document.cookie writes."""

from __future__ import annotations

import time

import pytest

from scanner.collect.cookies import from_jar, merge, parse_set_cookie, value_digest
from scanner.collect.recorder import script_from_stack


def test_max_age_domain_flags():
    c = parse_set_cookie(
        "sid=abc; Max-Age=86400; Domain=.Example.com; Path=/shop; Secure; HttpOnly; SameSite=none",
        "www.example.com",
    )
    assert (c.name, c.value, c.domain, c.path) == ("sid", "abc", "example.com", "/shop")
    assert c.lifetime_days == pytest.approx(1.0, abs=0.01)
    assert c.secure and c.http_only and c.same_site == "None" and not c.host_only


def test_session_expires_and_defaults():
    assert parse_set_cookie("a=1", "x.com").lifetime_days is None
    c = parse_set_cookie("a=1; Expires=Wed, 21 Oct 2099 07:28:00 GMT", "x.com", "/a/b")
    assert c.lifetime_days > 365 * 50 and c.path == "/a" and c.host_only
    # Max-Age wins over Expires
    c = parse_set_cookie("a=1; Expires=Wed, 21 Oct 2099 07:28:00 GMT; Max-Age=60", "x.com")
    assert c.lifetime_days < 0.01
    assert parse_set_cookie("a=1; Max-Age=0", "x.com").deleted
    assert parse_set_cookie("a=1; Max-Age=nonsense", "x.com").lifetime_days is None
    assert parse_set_cookie("", "x.com") is None


def test_jar_merge_keeps_requested_lifetime():
    seen = parse_set_cookie("_ga=1; Max-Age=63072000", "www.example.com")
    seen.sources.add("js")
    jar = from_jar(
        {
            "name": "_ga",
            "value": "1",
            "domain": "www.example.com",
            "path": "/",
            "expires": time.time() + 400 * 86400,
            "httpOnly": False,
            "secure": False,
            "sameSite": "Lax",
        }
    )
    merged = merge(seen, jar)
    assert merged.sources == {"js", "jar"}
    assert merged.lifetime_days == pytest.approx(400, abs=0.1)
    assert merged.requested_days == pytest.approx(730, abs=0.1)


def test_value_digest_is_stable_and_short():
    assert value_digest("abc") == value_digest("abc") != value_digest("abd")
    assert len(value_digest("abc")) == 16


def test_script_from_stack():
    stack = "    at set (<anonymous>:12:9)\n    at https://app.mailjet.com/w.js:4:19\n"
    assert script_from_stack(stack) == "https://app.mailjet.com/w.js"
    assert script_from_stack("    at f (https://a.com/x.js?v=1:1:2)") == "https://a.com/x.js?v=1"
    assert script_from_stack("no urls") is None
