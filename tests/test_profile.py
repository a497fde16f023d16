"""Visitor profiles (scanner/collect/profile.py): the site sees the device, language, time zone,
position, cookies, storage and headers asked for; the result records the profile without its
secrets; bad profiles are refused before any page."""

from __future__ import annotations

import json

import pytest

from scanner import ScanConfig, scan
from scanner.collect.profile import context_options, device_options
from scanner.config import DEFAULT_USER_AGENT
from scanner.errors import ConfigError
from tests.conftest import scan_local, visit_of

URL = "https://visitor.example.com/"


def _seen(result) -> dict[str, str]:
    from urllib.parse import unquote

    visit = visit_of(result, URL)
    return {c.name: unquote(c.value or "") for c in visit.cookies}


@pytest.mark.browser
def test_the_site_sees_the_visitor_asked_for(localweb, tmp_path):
    state = tmp_path / "state.json"
    state.write_text(
        json.dumps(
            {
                "cookies": [],
                "origins": [
                    {
                        "origin": "https://visitor.example.com",
                        "localStorage": [{"name": "state_key", "value": "from-state"}],
                    }
                ],
            }
        )
    )
    result = scan_local(
        localweb,
        URL,
        phases=("no-interaction",),
        max_pages=1,
        use_sitemap=False,
        include_cookie_values=True,
        device="Pixel 7",
        locale="fr-FR",
        timezone="Asia/Tokyo",
        geolocation="48.85,2.35",
        cookies=("sid=s3cret-session@visitor.example.com",),
        headers=("X-Audit: cookiescan-test",),
        storage_state=str(state),
        gpc=True,
    )
    seen = _seen(result)
    assert seen["lang"] == "fr-FR"
    assert seen["tz"] == "Asia/Tokyo"
    assert seen["touch"] == "true" and int(seen["width"]) < 600  # a phone, not 1366 px
    assert seen["geo"] == "48.85,2.35"
    assert seen["saw_sid"] == "s3cret-session"
    assert "Android" in result.user_agent
    assert "Android" in localweb.client_headers["visitor.example.com"]["user-agent"]  # the wire
    headers = localweb.client_headers["visitor.example.com"]
    assert headers["x-audit"] == "cookiescan-test"
    assert headers["accept-language"].startswith("fr-FR")
    assert headers["sec-gpc"] == "1" and seen["gpc"] == "true"  # Global Privacy Control
    if not localweb_is_full_chromium(result):  # full Chromium's profiles take cookies only
        assert seen["saw_state"] == "from-state"
    # the profile is in the result, its secrets are not
    assert result.config["device"] == "Pixel 7" and result.config["locale"] == "fr-FR"
    assert result.config["cookies"] == ["sid=(hidden)@visitor.example.com"]
    assert result.config["headers"] == ["X-Audit: (hidden)"]
    assert "cookiescan-test" not in json.dumps(result.config)


def localweb_is_full_chromium(result) -> bool:
    return "HeadlessChrome" not in (result.browser_version or "") and "Chrome/" in (
        result.browser_version or ""
    )


@pytest.mark.browser
def test_an_unknown_device_is_refused_before_any_page(localweb):
    config = ScanConfig(url=URL, device="iPhone 99 Pro Ultra", **localweb.scan_options())
    with pytest.raises(ConfigError, match=r"unknown device 'iPhone 99 Pro Ultra' \(did you mean"):
        scan(config)


def test_device_options_and_defaults():
    devices = {"Pixel 7": {"user_agent": "Android UA", "viewport": {"width": 412, "height": 839},
                           "is_mobile": True, "has_touch": True, "device_scale_factor": 2.6,
                           "default_browser_type": "chromium"}}  # fmt: skip
    assert device_options("pixel 7", devices)["is_mobile"] is True
    assert "default_browser_type" not in device_options("Pixel 7", devices)
    desktop = context_options(ScanConfig(url=URL))
    assert desktop["user_agent"] == DEFAULT_USER_AGENT and desktop["viewport"]["width"] == 1366
    phone = context_options(ScanConfig(url=URL, device="Pixel 7"), devices)
    assert phone["user_agent"] == "Android UA"
    mine = context_options(ScanConfig(url=URL, device="Pixel 7", user_agent="Mine/1"), devices)
    assert mine["user_agent"] == "Mine/1"  # an explicit user agent wins over the device's


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("cookies", ("novalue",), "is not NAME=VALUE@DOMAIN"),
        ("cookies", ("a=b; Path=/@x.com",), "holds ';'"),
        ("headers", ("X-A\r\nInjected: 1",), "is not NAME:VALUE"),
        ("headers", ("X-A: one\ntwo",), "must be one line"),
        ("timezone", "Mars/Olympus", "unknown time zone"),
        ("geolocation", "91,0", "LAT,LON"),
        ("geolocation", "nan,nan", "LAT,LON"),
        ("locale", "fr FR", "language tag"),
        ("storage_state", "/no/such/state.json", "no such file"),
    ],
)
def test_bad_profiles_are_one_line_config_errors(field, value, message):
    with pytest.raises(ConfigError, match=message) as caught:
        ScanConfig(url=URL, **{field: value})
    assert "\n" not in str(caught.value)


def test_diff_of_two_profiles_names_the_visitors():
    from dataclasses import replace

    from scanner.analyse.diff import diff_results, format_text
    from tests.report_fixtures import demo_result

    desktop = demo_result()
    phone = replace(desktop, config={**desktop.config, "device": "Pixel 7", "proxy": "http://us"})
    changes = diff_results(desktop, phone)
    assert changes["new"]["visitor"] == {"device": "Pixel 7", "proxy": "http://us"}
    assert "visitor: desktop (default) -> device=Pixel 7, proxy=http://us" in format_text(changes)
    assert "visitor:" not in format_text(diff_results(desktop, desktop))


@pytest.mark.browser
def test_a_storage_state_reaches_a_page_behind_a_login(localweb, tmp_path):
    state = tmp_path / "logged-in.json"
    cookie = {"name": "session", "value": "ok", "domain": "visitor.example.com", "path": "/",
              "expires": -1, "httpOnly": False, "secure": True, "sameSite": "Lax"}  # fmt: skip
    state.write_text(json.dumps({"cookies": [cookie], "origins": []}))
    account = "https://visitor.example.com/account.html"
    options = {"phases": ("no-interaction",), "max_pages": 1, "use_sitemap": False}
    out = scan_local(localweb, account, **options)
    assert visit_of(out, account).final_url.endswith("/login.html")  # not logged in
    inside = scan_local(localweb, account, storage_state=str(state), **options)
    assert visit_of(inside, account).final_url == account  # logged in: the page itself
