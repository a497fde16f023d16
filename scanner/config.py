"""``ScanConfig``: every option of a scan and its default, in one place.

The CLI takes its option defaults from here (``tests/test_docs.py`` checks the two agree).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from scanner.model import PHASES, Phase

CONSENT_ENGINES = ("autoconsent", "heuristic")

# A current desktop Chrome on Linux. Playwright's default says "HeadlessChrome", which real
# consent banners and bot walls react to.
DEFAULT_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)


@dataclass(frozen=True)
class ScanConfig:
    """What to scan and how.

    Example::

        ScanConfig(url="https://www.example.com/", max_pages=20, first_party=("example.net",))
    """

    url: str
    #: Extra registrable domains that belong to the same owner (sister sites, CDNs).
    first_party: tuple[str, ...] = ()
    #: Consent phases to run, each in a fresh browser context.
    phases: tuple[Phase, ...] = PHASES
    #: How consent phases find the banner, tried in order: ``autoconsent`` (DuckDuckGo's rules
    #: for known consent platforms) and ``heuristic`` (our multilingual text heuristic).
    consent_engines: tuple[str, ...] = CONSENT_ENGINES
    #: Seconds to look for a consent banner on the start page of a consent phase.
    consent_timeout: float = 6.0
    #: Keep screenshots of the banner before and after the click (PNG data URIs).
    consent_screenshots: bool = True
    #: Pages the consent phases revisit (the first ones the first phase visited); 0 = all.
    consent_max_pages: int = 0
    max_pages: int = 20
    max_depth: int = 3
    #: Total time budget in seconds for crawling one phase; 0 means no limit.
    time_budget: float = 600.0
    #: At most this many pages that share one URL shape (e.g. /events/2024/01 vs /2024/02).
    max_pages_per_pattern: int = 5
    #: Regular expressions; a URL must match one include (if any) and no exclude.
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    use_sitemap: bool = True
    #: Pages open at once per phase; 0 picks a default from the number of cores.
    concurrency: int = 0
    #: Seconds to stay on a page after ``load`` (scrolling), so delayed trackers fire.
    dwell: float = 3.5
    #: Longest wait in seconds for the network to go quiet after ``load``.
    idle_timeout: float = 5.0
    #: Navigation timeout in seconds.
    page_timeout: float = 30.0
    #: Chromium executable; empty means autodetect (COOKIESCAN_BROWSER, Playwright, Debian).
    browser: str = ""
    proxy: str = ""
    ignore_https_errors: bool = False
    user_agent: str = DEFAULT_USER_AGENT
    browser_args: tuple[str, ...] = ()
    #: Keep cookie values in the result (they can be personal data); off by default.
    include_cookie_values: bool = False
    #: Record which script or document started each request (a DevTools session per page;
    #: off by default: it costs about 2% of pages/s, see docs/scaling.md).
    trace_initiators: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for phase in self.phases:
            if phase not in PHASES:
                raise ValueError(f"unknown phase {phase!r}; choose from {', '.join(PHASES)}")
        for engine in self.consent_engines:
            if engine not in CONSENT_ENGINES:
                raise ValueError(
                    f"unknown consent engine {engine!r}; choose from {', '.join(CONSENT_ENGINES)}"
                )

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}

    def replace(self, **changes: Any) -> ScanConfig:
        return dataclasses.replace(self, **changes)
