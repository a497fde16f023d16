"""Browser discovery order and launch."""

from __future__ import annotations

import os
import stat

import pytest

from scanner import browser
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
