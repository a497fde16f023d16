"""First or third party, including hosts outside the public suffix list."""

from __future__ import annotations

import pytest

from scanner.collect.parties import FirstParty, is_third_party, site_of


@pytest.mark.parametrize(
    "host, site",
    [
        ("a.b.mjt.lu", "mjt.lu"),
        ("app.mailjet.com", "mailjet.com"),
        ("www.example.co.uk", "example.co.uk"),
        ("user.github.io", "user.github.io"),  # private suffix: its own site
        ("intranet", "intranet"),
        ("wiki.corp.test", "corp.test"),
        ("shop.example", "shop.example"),
        ("app.localhost", "app.localhost"),
        ("10.1.2.3", "10.1.2.3"),
        ("[::1]", "::1"),
        ("WWW.Example.COM.", "example.com"),
    ],
)
def test_site_of(host, site):
    assert site_of(host) == site


def test_first_party_with_sister_domains():
    fp = FirstParty("www.example.com", ["example-cdn.net", "static.example.org"])
    assert fp.party("img.example.com") == "first"
    assert fp.party("a.example-cdn.net") == "first"
    assert fp.party("static.example.org") == "first"
    assert fp.party("www.example.org") == "first"  # same registrable domain as a listed one
    assert is_third_party("app.mailjet.com", fp)
    ip = FirstParty("192.168.1.10")
    assert ip.party("192.168.1.10") == "first" and ip.party("192.168.1.11") == "third"
