"""The visitor a scan pretends to be: browser-context options from a ``ScanConfig``.

A regulator scans as the visitor who matters — an EU visitor on a phone, a logged-in customer.
``context_options`` turns the profile fields of ``ScanConfig`` (``device``, ``locale``,
``timezone``, ``geolocation``, ``storage_state``, ``headers``; the ``user_agent`` and the
viewport) into Playwright ``new_context`` keyword arguments; ``open_context`` opens a
fresh context with them and puts the ``--cookie`` cookies in. Every phase and the sitemap
discovery get the same visitor, so what differs between two scans is the profile alone.

Device names are Playwright's descriptors (``playwright.devices``: viewport, scale, touch,
mobile, user agent); an unknown name is a ``ConfigError`` naming the closest ones.

Example::

    options = context_options(config, launched.playwright.devices)
    context = await open_context(launched, config, accept_downloads=False)
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scanner.config import DEFAULT_USER_AGENT, ScanConfig, parse_cookie, parse_geolocation
from scanner.errors import ConfigError

#: What a browser with Global Privacy Control on says to scripts (the header goes with it).
GPC_JS = """
Object.defineProperty(Navigator.prototype, "globalPrivacyControl", {
  get: () => true, configurable: true, enumerable: true,
});
"""
#: The desktop viewport when no device is named.
DESKTOP_VIEWPORT = {"width": 1366, "height": 768}
#: What Playwright's device descriptors hold that a context takes.
_DEVICE_KEYS = ("user_agent", "viewport", "device_scale_factor", "is_mobile", "has_touch")


def device_options(name: str, devices: Mapping[str, Any]) -> dict[str, Any]:
    """The context options of Playwright's device ``name`` (case-insensitive)."""
    by_lower = {key.lower(): key for key in devices}
    key = by_lower.get(name.strip().lower())
    if key is None:
        close = difflib.get_close_matches(name, list(devices), n=3, cutoff=0.5)
        hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
        raise ConfigError(f"device: unknown device {name!r}{hint}")
    return {k: v for k, v in devices[key].items() if k in _DEVICE_KEYS}


def context_options(config: ScanConfig, devices: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Keyword arguments for ``new_context`` that make the browser this visitor."""
    options: dict[str, Any] = {"viewport": dict(DESKTOP_VIEWPORT), "user_agent": config.user_agent}
    if config.device:
        options.update(device_options(config.device, devices or {}))
        if config.user_agent != DEFAULT_USER_AGENT:  # an explicit user agent wins
            options["user_agent"] = config.user_agent
    if config.locale:
        options["locale"] = config.locale
    if config.timezone:
        options["timezone_id"] = config.timezone
    if config.geolocation:
        latitude, longitude = parse_geolocation(config.geolocation)
        options["geolocation"] = {"latitude": latitude, "longitude": longitude}
        options["permissions"] = ["geolocation"]
    if config.storage_state:
        options["storage_state"] = read_storage_state(config.storage_state)
    headers = {k.strip(): v.strip() for k, v in (h.split(":", 1) for h in config.headers)}
    if config.gpc:
        headers["Sec-GPC"] = "1"
    if headers:
        options["extra_http_headers"] = headers
    return options


def read_storage_state(path: str) -> dict[str, Any]:
    """A Playwright storage-state file (``{"cookies": [...], "origins": [...]}``), checked."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"storage_state: cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"storage_state: {path} is not JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("cookies", []), list):
        raise ConfigError(f"storage_state: {path} is not a Playwright storage state")
    return {"cookies": data.get("cookies", []), "origins": data.get("origins", [])}


def cookies_of(config: ScanConfig) -> list[dict[str, Any]]:
    """The ``--cookie NAME=VALUE@DOMAIN`` cookies, as Playwright's ``add_cookies`` takes them."""
    out = []
    for spec in config.cookies:
        name, value, domain = parse_cookie(spec)
        out.append({"name": name, "value": value, "domain": domain, "path": "/"})
    return out


async def open_context(browser: Any, config: ScanConfig, **extra: Any) -> Any:
    """A fresh context of ``browser`` (a ``LaunchedBrowser``) as this visitor, its cookies in.

    Full Chromium opens a persistent context per phase, which takes no ``storage_state``: its
    cookies are added like ``--cookie`` ones (its localStorage is not; the headless shell
    applies both).
    """
    options = {**context_options(config, devices_of(browser)), **extra}
    cookies = cookies_of(config)
    if getattr(browser, "persistent_dir", None) is not None and "storage_state" in options:
        cookies = options.pop("storage_state")["cookies"] + cookies
    context = await browser.new_context(**options)
    if cookies:
        await context.add_cookies(cookies)
    if config.gpc:
        await context.add_init_script(GPC_JS)
    return context


def devices_of(browser: Any) -> Mapping[str, Any]:
    """Playwright's device descriptors of a launched browser ({} when it has none)."""
    playwright = getattr(browser, "playwright", None)
    return getattr(playwright, "devices", None) or {}


def describe(config: ScanConfig) -> str:
    """The visitor in a few words, for progress lines and reports."""
    parts = [config.device or "desktop"]
    parts += [p for p in (config.locale, config.timezone) if p]
    if config.geolocation:
        parts.append(f"at {config.geolocation}")
    if config.cookies or config.storage_state:
        parts.append("logged in" if config.storage_state else f"{len(config.cookies)} cookie(s)")
    if config.gpc:
        parts.append("Global Privacy Control on")
    if config.proxy:
        parts.append("through a proxy")
    return ", ".join(parts)
