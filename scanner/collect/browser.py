"""Finding and launching Chromium. The only module that imports Playwright's launcher.

Discovery order (``find_browser``):

1. an explicit path (``--browser`` / ``ScanConfig.browser``), then ``$COOKIESCAN_BROWSER``;
2. a Playwright-managed Chromium, when one is installed (``playwright install``);
3. Debian's ``chromium-headless-shell``, then the full ``chromium`` binary.

Debian's headless shell stores third-party cookies in a plain ``new_context()`` as a default
desktop Chrome profile does. The full ``chromium`` binary blocks them in every Playwright context
(reason ``UserPreferences``), so a scan on it would silently miss every third-party cookie; it is
used only when nothing else is there, and then each phase runs in a fresh persistent profile
whose settings let third-party cookies behave as for a normal visitor.

Every file the browser writes (Playwright's profile and artifacts, the full binary's profiles:
the scanned site's cookies and storage) goes into one folder of the scan's own,
``cookiescan-run-<pid>-…`` in the temporary directory, removed when the browser closes, on an
error and after Ctrl-C. A scan killed outright cannot clean up: the next launch removes the
folders of processes that no longer run (``sweep_stale_runs``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.errors import BrowserError, BrowserNotFound, first_line

INSTALL_HINT = (
    "install one with: sudo apt-get install -y chromium-headless-shell "
    "(or `make install`), or point --browser / COOKIESCAN_BROWSER at a Chromium binary"
)

HEADLESS_SHELL = "/usr/lib/chromium/chromium-headless-shell"
DEBIAN_CANDIDATES = (
    HEADLESS_SHELL,
    "/usr/bin/chromium-headless-shell",
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
)

#: Seconds for closing the browser, then for stopping Playwright's driver.
CLOSE_TIMEOUT = 15.0

# Flags that make a scan look like a visitor and keep Chromium off the network except for the
# pages it is asked to load.
BASE_ARGS = (
    "--disable-blink-features=AutomationControlled",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
    "--disable-features=Translate,OptimizationHints,MediaRouter",
    "--disable-dev-shm-usage",
)


def _playwright_managed() -> str | None:
    """Path of Playwright's own Chromium when installed, else None."""
    root = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or Path.home() / ".cache/ms-playwright")
    if not root.is_dir():
        return None
    patterns = (
        "chromium_headless_shell-*/chrome-*/headless_shell",
        "chromium_headless_shell-*/chrome-*/chrome-headless-shell",
        "chromium-*/chrome-linux*/chrome",
    )
    for pattern in patterns:
        found = sorted(root.glob(pattern), reverse=True)
        for path in found:
            if os.access(path, os.X_OK):
                return str(path)
    return None


def find_browser(explicit: str = "") -> str:
    """Return the path of a usable Chromium, or raise ``BrowserNotFound``.

    Example::

        >>> find_browser()            # doctest: +SKIP
        '/usr/lib/chromium/chromium-headless-shell'
    """
    for candidate, origin in (
        (explicit, "--browser"),
        (os.environ.get("COOKIESCAN_BROWSER", ""), "COOKIESCAN_BROWSER"),
    ):
        if candidate:
            resolved = shutil.which(candidate) or candidate
            if not (os.path.isfile(resolved) and os.access(resolved, os.X_OK)):
                raise BrowserNotFound(f"{origin}: {candidate} is not an executable file")
            return resolved
    managed = _playwright_managed()
    if managed:
        return managed
    for path in DEBIAN_CANDIDATES:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise BrowserNotFound(f"no Chromium found; {INSTALL_HINT}")


def is_full_chromium(path: str) -> bool:
    """True for a full Chromium/Chrome binary (not a headless shell)."""
    name = Path(path).name
    return "headless" not in name


def client_hints(version: str, user_agent: str) -> tuple[dict[str, str], str] | None:
    """Headers and an init script that make User-Agent Client Hints match a Chrome ``user_agent``.

    Headless Chromium announces itself as ``HeadlessChrome`` in ``Sec-CH-UA`` and
    ``navigator.userAgentData.brands`` even when the user agent string is overridden; real
    consent banners and bot walls read those. Returns ``None`` for a non-Chrome user agent.
    """
    if "Chrome/" not in user_agent:
        return None
    major = (version or "0").split(".")[0]
    brands = [("Chromium", major), ("Google Chrome", major), ("Not:A-Brand", "24")]
    header = ", ".join(f'"{b}";v="{v}"' for b, v in brands)
    listing = json.dumps([{"brand": b, "version": v} for b, v in brands])
    script = (
        "(() => { if (!self.NavigatorUAData) return;"
        f" const brands = {listing};"
        " Object.defineProperty(NavigatorUAData.prototype, 'brands',"
        " { configurable: true, get() { return brands.map(b => ({...b})); } }); })();"
    )
    return {"sec-ch-ua": header}, script


#: The scan's own temporary folder: ``cookiescan-run-<pid>-<random>``.
RUN_PREFIX = "cookiescan-run-"
_RUN_DIR = re.compile(re.escape(RUN_PREFIX) + r"(\d+)-")
#: Held while Playwright's driver starts with ``TMPDIR`` pointing at the scan's folder.
_ENV_LOCK = threading.Lock()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


def sweep_stale_runs(directory: str | None = None) -> list[str]:
    """Remove the run folders of scans whose process is gone (killed, the machine lost
    power); returns their paths. A folder of a live process is left alone."""
    root = Path(directory or tempfile.gettempdir())
    removed: list[str] = []
    try:
        entries = list(root.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _RUN_DIR.match(entry.name)
        if match and entry.is_dir() and not _alive(int(match.group(1))):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(str(entry))
    return removed


async def _start_playwright(run_dir: str) -> Any:
    """Start Playwright's driver with ``TMPDIR=run_dir``: the driver makes its profiles and
    artifacts there, and Chromium its temporary files.

    The driver copies ``os.environ`` when it starts, so the variable is set around the start
    only, under a lock (scans in other threads wait; Python's own ``tempfile`` keeps the
    directory it already chose).
    """
    from playwright.async_api import async_playwright

    tempfile.gettempdir()  # fixed before TMPDIR changes
    while not _ENV_LOCK.acquire(blocking=False):  # polled: a cancelled wait holds nothing
        await asyncio.sleep(0.05)
    old = os.environ.get("TMPDIR")
    try:
        os.environ["TMPDIR"] = run_dir
        return await async_playwright().start()
    finally:
        if old is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = old
        _ENV_LOCK.release()


def _allow_third_party_cookies(profile: str) -> None:
    """Give a fresh full-Chromium profile a default visitor's cookie settings.

    Measured with Debian's chromium 156: without this, every context, persistent or not,
    blocks third-party cookies; with ``cookie_controls_mode = 0`` they are stored as in the
    headless shell (tests/test_browser.py proves it).
    """
    default = Path(profile) / "Default"
    default.mkdir(parents=True, exist_ok=True)
    prefs = {"profile": {"cookie_controls_mode": 0, "block_third_party_cookies": False}}
    (default / "Preferences").write_text(json.dumps(prefs))


@dataclass
class LaunchedBrowser:
    """A running browser plus what a result needs to record about it."""

    playwright: Any
    browser: Any
    executable: str
    version: str
    persistent_dir: str | None = None
    launch_options: dict[str, Any] = field(default_factory=dict)
    #: The scan's temporary folder (profiles, artifacts), removed by ``close``.
    run_dir: str | None = None

    async def new_context(self, **options: Any) -> Any:
        """A fresh, isolated context (cookies, storage, cache) for one consent phase.

        With a Chrome ``user_agent``, the client hints say Chrome too (see ``client_hints``).
        """
        hints = client_hints(self.version, options.get("user_agent", ""))
        if hints:
            headers, script = hints
            options["extra_http_headers"] = {**headers, **options.get("extra_http_headers", {})}
        context = await self._new_context(**options)
        if hints:
            await context.add_init_script(script)
        return context

    async def _new_context(self, **options: Any) -> Any:
        if self.persistent_dir is not None:
            # Full Chromium: a persistent profile per context keeps a normal visitor's
            # third-party-cookie behaviour (incognito-style contexts block them).
            profile = tempfile.mkdtemp(prefix="cookiescan-profile-", dir=self.persistent_dir)
            _allow_third_party_cookies(profile)
            return await self.playwright.chromium.launch_persistent_context(
                profile, **self.launch_options, **options
            )
        return await self.browser.new_context(**options)

    async def close(self) -> None:
        """Close the browser and stop Playwright, each within ``CLOSE_TIMEOUT`` seconds.

        Never raises: after Ctrl-C in a terminal the driver is already gone, and a browser
        that will not close must not hold the scan (the driver kills it when it stops).
        """
        try:
            if self.browser is not None:
                await asyncio.wait_for(self.browser.close(), CLOSE_TIMEOUT)
        except Exception:  # noqa: BLE001 - TimeoutError, or the browser or driver is gone
            pass
        finally:
            try:
                await asyncio.wait_for(self.playwright.stop(), CLOSE_TIMEOUT)
            except Exception:  # noqa: BLE001 - the driver is gone or will not stop
                pass
            for folder in (self.persistent_dir, self.run_dir):
                if folder:
                    shutil.rmtree(folder, ignore_errors=True)


async def launch(
    executable: str = "", *, args: tuple[str, ...] = (), proxy: str = ""
) -> LaunchedBrowser:
    """Start Playwright and Chromium. Raises ``BrowserNotFound`` or ``BrowserError``.

    Whatever happens before the browser is handed back (an error, Ctrl-C), the scan's
    temporary folder is removed; after that, ``LaunchedBrowser.close`` removes it.
    """
    from playwright.async_api import Error as PlaywrightError

    path = find_browser(executable)
    launch_args = [*BASE_ARGS, *args]
    if os.geteuid() == 0:
        launch_args.append("--no-sandbox")
    options: dict[str, Any] = {"executable_path": path, "headless": True, "args": launch_args}
    if proxy:
        options["proxy"] = {"server": proxy}
    sweep_stale_runs()
    run_dir = tempfile.mkdtemp(prefix=f"{RUN_PREFIX}{os.getpid()}-")
    pw: Any = None
    try:
        pw = await _start_playwright(run_dir)
        if is_full_chromium(path):
            # Probe a throwaway persistent context for the version, keep options for later.
            profile_root = tempfile.mkdtemp(prefix="profiles-", dir=run_dir)
            launched = LaunchedBrowser(pw, None, path, "", profile_root, options, run_dir)
            ctx = await launched._new_context()
            launched.version = ctx.browser.version if ctx.browser else "chromium"
            await ctx.close()
            return launched
        browser = await pw.chromium.launch(**options)
        return LaunchedBrowser(pw, browser, path, browser.version, run_dir=run_dir)
    except BaseException as exc:
        if pw is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(pw.stop(), CLOSE_TIMEOUT)
        shutil.rmtree(run_dir, ignore_errors=True)
        if isinstance(exc, PlaywrightError):
            raise BrowserError(
                f"could not start {path}: {first_line(exc, default=repr(exc))}"
            ) from None
        raise
