"""One table of the ``ScanConfig`` options every scanning command offers.

``scan`` takes its defaults from ``ScanConfig`` (and shows them); ``batch`` and ``schedule add``
use the same options with no default, so that only what the user gave overrides a site's own
entry (``given_options``). ``tests/test_docs.py`` checks every ``ScanConfig`` field is here.

Example::

    @click.command()
    @scan_config_options()
    def scan(**options): ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import click

from scanner.config import CLOCKS, CONSENT_ENGINES, ScanConfig
from scanner.model import PHASES

DEFAULTS = ScanConfig(url="")


def _comma_list(
    choices: tuple[str, ...], label: str
) -> Callable[[Any, Any, Any], tuple[str, ...] | None]:
    """Callback turning ``a,b`` into ``("a", "b")``, each one of ``choices`` (a ``label``)."""

    def split(_ctx: Any, _param: Any, value: str | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        items = tuple(v.strip() for v in value.split(",") if v.strip())
        bad = [v for v in items if v not in choices]
        if bad:
            raise click.BadParameter(
                f"unknown {label} {bad[0]!r}; choose from {', '.join(choices)}"
            )
        return items

    return split


@dataclass(frozen=True)
class Spec:
    """A ``ScanConfig`` field as a CLI option."""

    name: str  # the ScanConfig field
    decls: tuple[str, ...]
    help: str
    options: dict[str, Any] = field(default_factory=dict)
    show_default: bool | str = True

    def option(self, given_only: bool) -> Callable[[Any], Any]:
        kwargs = dict(self.options, help=self.help)
        multiple, flag = kwargs.get("multiple"), kwargs.get("is_flag")
        if given_only:
            kwargs["default"] = () if multiple else None
        else:
            default = getattr(DEFAULTS, self.name)
            if "callback" in kwargs:  # a comma-separated list
                default = ",".join(default)
            kwargs["default"] = list(default) if isinstance(default, tuple) else default
            if not (multiple or flag):
                kwargs["show_default"] = self.show_default
        # Every scan option also reads COOKIESCAN_<OPTION> (cookiescan config show).
        kwargs.setdefault("envvar", f"COOKIESCAN_{self.name.upper()}")
        return click.option(*self.decls, self.name, **kwargs)


def _float(low: float) -> dict[str, Any]:
    return {"type": click.FloatRange(low)}


def _int(low: int) -> dict[str, Any]:
    return {"type": click.IntRange(low)}


SCAN_OPTIONS: tuple[Spec, ...] = (
    Spec("first_party", ("-f", "--first-party"),
         "Another domain of the same owner, counted as first party (repeatable).",
         {"multiple": True, "metavar": "DOMAIN"}),
    Spec("phases", ("--phases",),
         f"Comma-separated consent phases to run: {', '.join(PHASES)}.",
         {"callback": _comma_list(PHASES, "phase")}),
    Spec("consent_engines", ("--consent-engines",),
         "How consent phases find the banner, tried in order: autoconsent (rules for known "
         "consent platforms), heuristic (multilingual button text).",
         {"callback": _comma_list(CONSENT_ENGINES, "consent engine")}),
    Spec("consent_timeout", ("--consent-timeout",), "Seconds to look for the consent banner.",
         _float(0)),
    Spec("consent_screenshots", ("--consent-screenshots/--no-consent-screenshots",),
         "Keep screenshots of the banner before and after the click."),
    Spec("consent_max_pages", ("--consent-max-pages",),
         "Pages the consent phases revisit, the first ones found (0: all).", _int(0)),
    Spec("max_pages", ("--max-pages",), "Pages to visit at most.", _int(1)),
    Spec("max_depth", ("--max-depth",), "Links to follow from the start page at most.", _int(0)),
    Spec("time_budget", ("--time-budget",), "Seconds for crawling one phase (0: no limit).",
         _float(0)),
    Spec("max_pages_per_pattern", ("--max-pages-per-pattern",),
         "Pages at most that share one URL shape (escapes calendars and traps).", _int(1)),
    Spec("include", ("--include",), "Visit only URLs matching one of these (repeatable).",
         {"multiple": True, "metavar": "REGEX"}),
    Spec("exclude", ("--exclude",), "Never visit URLs matching these (repeatable).",
         {"multiple": True, "metavar": "REGEX"}),
    Spec("use_sitemap", ("--sitemap/--no-sitemap",),
         "Also queue pages from robots.txt and sitemap.xml."),
    Spec("ignore_robots", ("--ignore-robots",),
         "Visit pages robots.txt disallows (auditing your own site).", {"is_flag": True}),
    Spec("concurrency", ("--concurrency",), "Pages open at once (0: two per core, at most 8).",
         _int(0)),
    Spec("dwell", ("--dwell",),
         "Seconds of page time to stay on each page after load, so delayed trackers fire.",
         _float(0)),
    Spec("timers", ("--timers",),
         "Seconds of page time the page's timers get on the virtual clock (at least the "
         "dwell), so trackers that fire seconds after load are seen.", _float(0)),
    Spec("interact", ("--interact/--no-interact",),
         "Scroll to the bottom in steps and move the pointer on each page, as a visitor."),
    Spec("idle_timeout", ("--idle-timeout",),
         "Longest wait in seconds for the network to go quiet.", _float(0)),
    Spec("clock", ("--clock",),
         "virtual: page timers run ahead of the wall clock during the dwell (fast); real: wait "
         "the dwell in wall-clock time.", {"type": click.Choice(CLOCKS)}),
    Spec("page_timeout", ("--page-timeout",), "Seconds before a page load counts as failed.",
         _float(1)),
    Spec("browser", ("--browser",),
         "Chromium executable (default: $COOKIESCAN_BROWSER, Playwright's, Debian's).",
         {"metavar": "PATH"}, show_default=False),
    Spec("proxy", ("--proxy",),
         "Scan through this proxy, e.g. http://proxy:3128 or socks5://host:1080.",
         {"metavar": "URL"}, show_default=False),
    Spec("ignore_https_errors", ("--ignore-https-errors",),
         "Accept invalid certificates (staging sites).", {"is_flag": True}),
    Spec("user_agent", ("--user-agent",), "User agent to send.",
         show_default="desktop Chrome"),
    Spec("browser_args", ("--browser-arg",), "Extra Chromium command-line flag (repeatable).",
         {"multiple": True, "metavar": "ARG"}),
    Spec("include_cookie_values", ("--include-cookie-values",),
         "Keep cookie values in the result (they may be personal data).", {"is_flag": True}),
    Spec("trace_initiators", ("--trace-initiators/--no-trace-initiators",),
         "Record the script or document that started each request (DevTools)."),
    # The visitor (scanner/collect/profile.py): who the site sees.
    Spec("device", ("--device",),
         "Scan as this device, one of Playwright's (e.g. 'iPhone 13', 'Pixel 7').",
         {"metavar": "NAME"}, show_default="desktop Chrome"),
    Spec("locale", ("--locale",), "The visitor's language, e.g. fr-FR.",
         {"metavar": "TAG"}, show_default=False),
    Spec("timezone", ("--timezone",), "The visitor's time zone, e.g. Europe/Paris.",
         {"metavar": "ZONE"}, show_default=False),
    Spec("geolocation", ("--geolocation",), "The visitor's position, granted to the page.",
         {"metavar": "LAT,LON"}, show_default=False),
    Spec("storage_state", ("--storage-state",),
         "Start logged in: a Playwright storage-state JSON file (cookies, localStorage).",
         {"metavar": "FILE"}, show_default=False),
    Spec("cookies", ("--cookie",),
         "A cookie to start with (repeatable); its value is hidden in results.",
         {"multiple": True, "metavar": "NAME=VALUE@DOMAIN"}),
    Spec("headers", ("--header",),
         "A request header to send (repeatable); its value is hidden in results.",
         {"multiple": True, "metavar": "NAME:VALUE"}),
    Spec("gpc", ("--gpc",),
         "Send Global Privacy Control (Sec-GPC: 1, navigator.globalPrivacyControl): an "
         "opt-out the site should honour.", {"is_flag": True}),
    # The evidence pack (scanner/evidence/): what the browser saw, sealed.
    Spec("evidence_dir", ("--evidence",),
         "Keep an evidence pack in this new folder: a HAR per phase, screenshots, the result "
         "and a manifest of hashes (cookiescan verify DIR checks it).",
         {"metavar": "DIR"}, show_default=False),
    Spec("har_content", ("--har-content",), "Keep response bodies in the HAR files.",
         {"is_flag": True}),
    Spec("evidence_key", ("--evidence-key",),
         "Sign the evidence manifest with this Ed25519 key (cookiescan keygen).",
         {"metavar": "FILE"}, show_default=False),
    Spec("evidence_pages", ("--evidence-pages",),
         "Screenshot at most N pages per phase for the evidence pack; those with a finding "
         "are kept (0: none).", dict(_int(0), metavar="N")),
)  # fmt: skip


def scan_config_options(*, given_only: bool = False) -> Callable[[Any], Any]:
    """Add every ``SCAN_OPTIONS`` option to a click command, in table order."""

    def decorate(fn: Any) -> Any:
        for spec in reversed(SCAN_OPTIONS):
            fn = spec.option(given_only)(fn)
        return fn

    return decorate


def given_options(options: dict[str, Any]) -> dict[str, Any]:
    """The scan options the user gave (plain JSON: lists, not tuples)."""
    given = {k: v for k, v in options.items() if v not in (None, ())}
    return {k: list(v) if isinstance(v, tuple) else v for k, v in given.items()}
