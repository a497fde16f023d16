"""Hand-built ``ScanResult`` objects for the report tests, gathered from the modules by subject.

``demo_result()`` is a realistic three-phase scan of www.example.com (Google Analytics, Google
Tag Manager, Google Fonts, a Mailjet widget, an unknown ad pixel); ``hostile_result()`` is full
of script-injection payloads, and ``hostile_changes()`` a "changes since the previous scan" dict
to go with it; ``empty_result()`` is an interrupted scan that saw nothing. They live in
``report_demo.py`` and ``report_hostile.py``, built from ``report_builders.py`` (a request, a
cookie, a visit), ``report_services.py`` (the services and their matcher) and
``report_png.py`` (the banner pictures); import them from here.

Run as a script to render the demo report (and screenshot it with Chromium)::

    .venv/bin/python tests/report_fixtures.py demo.html --screenshot docs/report-screenshot.png
"""

from __future__ import annotations

import sys

from report_builders import SITE, cookie, req, visit
from report_demo import demo_result, empty_result
from report_hostile import JS, JS_URL, XSS, hostile_changes, hostile_result
from report_png import BANNER, BANNER_REJECT, NO_BANNER, screenshot_html, tiny_png
from report_services import RULES, SERVICES

__all__ = [
    "BANNER",
    "BANNER_REJECT",
    "JS",
    "JS_URL",
    "NO_BANNER",
    "RULES",
    "SERVICES",
    "SITE",
    "XSS",
    "cookie",
    "demo_result",
    "empty_result",
    "hostile_changes",
    "hostile_result",
    "req",
    "tiny_png",
    "visit",
]

if __name__ == "__main__":  # pragma: no cover - manual helper
    import argparse

    import reports

    ap = argparse.ArgumentParser()
    ap.add_argument("html")
    ap.add_argument("--screenshot")
    ap.add_argument("--width", type=int, default=1200)
    args = ap.parse_args()
    reports.write(demo_result(), "html", args.html)
    if args.screenshot:
        screenshot_html(args.html, args.screenshot, args.width)
    sys.exit(0)
