# ruff: noqa: F811 - the fixture db imported from signature_helpers is redefined as an argument
"""The signature matcher: hosts, URL rules, cookie tiers and domains, storage keys, and the
``Match`` that keeps the exact rule."""

import pytest
from signature_helpers import build, db, no_user_packs, service  # noqa: F401

from signatures import Match
from signatures.matcher import host_of

# --- matcher --------------------------------------------------------------------------------


def test_host_suffix_walk_keeps_the_rule(db):
    m = db.match_request("https://a.b.mjt.lu/lnk/xyz?x=1")
    assert m == Match("mailjet", "host:mjt.lu", db.service("mailjet"), "request", 1.0)
    assert db.match_request("https://APP.Mailjet.com./widget.js").pattern == "host:app.mailjet.com"
    assert db.match_host("a.b.mjt.lu").pattern == "host:mjt.lu"
    assert db.match_request("https://notmjt.lu/") is None
    assert db.match_request("https://mjt.lu.evil.example/") is None


def test_url_rules_only_for_their_host_and_before_the_host_rule():
    recaptcha = service(
        id="recaptcha",
        category="security",
        urls=[{"host": "google.com", "path": "/recaptcha/"}],
    )
    gtag = service(
        id="ga",
        urls=[{"host": "gtm.example", "path": "/gtag/js", "resource": "script"}],
    )
    gtm = service(id="gtm", category="tag-manager", hosts=["gtm.example"])
    regex = service(id="rx", urls=[{"host": "cdn.example", "regex": r"/px\.gif\?id=\d+"}])
    db = build(recaptcha, gtag, gtm, regex)
    m = db.match_request("https://www.google.com/recaptcha/api.js")
    assert (m.signature_id, m.pattern) == ("recaptcha", "url:google.com/recaptcha/")
    assert db.match_request("https://www.google.com/maps/") is None
    assert db.match_request("https://google.com.evil.example/recaptcha/") is None
    m = db.match_request("https://www.gtm.example/gtag/js?id=G-1", "script")
    assert m.pattern == "url:gtm.example/gtag/js resource:script"
    assert db.match_request("https://www.gtm.example/gtag/js?id=G-1", "image").signature_id == "gtm"
    assert db.match_request("https://cdn.example/px.gif?id=42").pattern.startswith(
        "url:cdn.example"
    )
    assert db.match_request("https://cdn.example/px.gif?id=x") is None


def test_cookie_tiers_exact_then_longest_prefix_then_regex():
    s = service(
        cookies=[
            {"name": "_ga", "match": "exact"},
            {"name": "_ga_", "match": "prefix"},
            {"name": "_ga_X", "match": "prefix"},
            {"name": r"^_pk_id\.\d+\.", "match": "regex"},
        ]
    )
    db = build(s)
    assert db.match_cookie("_ga").pattern == "cookie:_ga"
    assert db.match_cookie("_ga_ABC").pattern == "cookie-prefix:_ga_"
    assert db.match_cookie("_ga_XYZ").pattern == "cookie-prefix:_ga_X"
    m = db.match_cookie("_pk_id.1.abcd")
    assert (m.pattern, m.kind, m.confidence) == (r"cookie-regex:^_pk_id\.\d+\.", "cookie", 0.7)
    assert db.match_cookie("_gat") is None


def test_cookie_domain_agreement_and_domain_required():
    ads = service(
        id="ads",
        cookies=[{"name": "uid", "domain": ".ads.example", "domain_required": True}],
    )
    other = service(id="other", cookies=[{"name": "sync", "domain": "other.example"}])
    db = build(ads, other)
    m = db.match_cookie("uid", ".ads.example")
    assert (m.signature_id, m.confidence) == ("ads", 1.0)
    assert m.pattern == "cookie:uid domain:ads.example"
    assert db.match_cookie("uid", "x.ads.example").confidence == 1.0
    assert db.match_cookie("uid", ".example.com") is None
    assert db.match_cookie("uid") is None
    assert db.match_cookie("sync").confidence == 0.9
    assert db.match_cookie("sync", "other.example").confidence == 1.0
    assert db.match_cookie("sync", "www.example.com").confidence == 0.6


def test_agreeing_domain_beats_disagreeing_rule_of_same_rank():
    a = service(id="a", cookies=[{"name": "sid2", "domain": "a.example"}])
    b = service(id="b", cookies=[{"name": "sid2", "domain": "b.example"}])
    db = build(a, b)
    assert db.match_cookie("sid2", ".b.example").signature_id == "b"
    assert db.match_cookie("sid2", ".a.example").signature_id == "a"
    assert db.match_cookie("sid2").signature_id == "a"  # load order


def test_storage_keys(db):
    m = db.match_storage("ajs_anonymous_id")
    assert (m.signature_id, m.pattern, m.kind) == ("segment", "storage:ajs_anonymous_id", "storage")
    assert db.match_storage("ajs_user_traits").pattern == "storage-prefix:ajs_"
    assert db.match_storage("ajs_anonymous_id", kind="session").pattern == "storage-prefix:ajs_"
    assert db.match_storage("nothing_here") is None


def test_match_is_frozen_and_hashable(db):
    m = db.match_cookie("mj.preferences", "www.example.com")
    with pytest.raises(AttributeError):
        m.pattern = "x"  # type: ignore[misc]
    assert {m, m} == {m}


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://user:pw@A.B.example:8443/p?q#f", ("a.b.example", "/p?q#f")),
        ("http://example.org?x=1", ("example.org", "?x=1")),
        ("wss://[::1]:9000/socket", ("[::1]", "/socket")),
        ("cdn.segment.com", ("cdn.segment.com", "")),
    ],
)
def test_host_of(url, expected):
    assert host_of(url) == expected
