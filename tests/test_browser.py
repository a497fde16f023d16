"""Browser discovery order and launch."""

from __future__ import annotations

import os
import stat

import pytest

from scanner.collect import browser
from scanner.errors import BrowserNotFound


def make_exe(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_explicit_then_env_then_playwright(tmp_path, monkeypatch):
    explicit = make_exe(tmp_path / "mine" / "chrome")
    from_env = make_exe(tmp_path / "env" / "chrome")
    managed = make_exe(
        tmp_path / "pw" / "chromium_headless_shell-1200" / "chrome-linux" / "headless_shell"
    )
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "pw"))
    monkeypatch.setenv("COOKIESCAN_BROWSER", from_env)
    assert browser.find_browser(explicit) == explicit
    assert browser.find_browser() == from_env
    monkeypatch.delenv("COOKIESCAN_BROWSER")
    assert browser.find_browser() == managed


def test_debian_fallback_and_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("COOKIESCAN_BROWSER", raising=False)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "none"))
    shell = make_exe(tmp_path / "usr" / "chromium-headless-shell")
    monkeypatch.setattr(browser, "DEBIAN_CANDIDATES", (str(tmp_path / "missing"), shell))
    assert browser.find_browser() == shell
    monkeypatch.setattr(browser, "DEBIAN_CANDIDATES", (str(tmp_path / "missing"),))
    with pytest.raises(BrowserNotFound, match="apt-get install -y chromium-headless-shell"):
        browser.find_browser()
    with pytest.raises(BrowserNotFound, match="not an executable"):
        browser.find_browser(str(tmp_path))


def test_real_browser_is_found():
    # The test command installs a browser when none is found: a missing one is a failure.
    path = browser.find_browser()
    assert os.access(path, os.X_OK)


FULL_CHROMIUM = "/usr/lib/chromium/chromium"


@pytest.mark.browser
def test_full_chromium_keeps_third_party_cookies(localweb):
    # `./run test` installs Debian's full chromium too, so this runs in CI: a scanner on the
    # full binary must see third-party cookies as a normal visitor's browser stores them.
    from conftest import scan_local

    assert os.access(FULL_CHROMIUM, os.X_OK), "Debian's chromium is missing: run ./run test"
    result = scan_local(
        localweb,
        "https://www.example.com/",
        browser=FULL_CHROMIUM,
        phases=("no-interaction",),  # the phase read below
        max_pages=1,
        use_sitemap=False,
        dwell=0.5,
    )
    home = result.phase("no-interaction").visits[0]
    partner = [c for c in home.cookies if c.name == "partner_uid"]
    assert partner and partner[0].sources == ("wire", "jar") and partner[0].party == "third"


def test_client_hints_follow_a_chrome_user_agent():
    headers, script = browser.client_hints("156.0.8078.79", "Mozilla/5.0 … Chrome/156.0.0.0 …")
    assert headers["sec-ch-ua"].startswith('"Chromium";v="156", "Google Chrome";v="156"')
    assert "NavigatorUAData" in script and "HeadlessChrome" not in script
    assert browser.client_hints("156", "Mozilla/5.0 (Macintosh) Firefox/130.0") is None
