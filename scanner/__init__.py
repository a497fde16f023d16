"""cookiescan: which cookies and third parties a site uses, before and after consent.

Public API::

    from scanner import scan, ScanConfig
    result = scan(ScanConfig(url="https://www.example.com/"))
    result = await scan_async(ScanConfig(url="https://www.example.com/"))  # in an event loop

Every error the scanner raises on purpose is a ``CookiescanError``; ``scanner.errors`` draws
the tree.
"""

from typing import Any

from scanner.config import ScanConfig
from scanner.errors import (
    BrowserError,
    BrowserNotFound,
    ConfigError,
    CookiescanError,
    ScanError,
    ScheduleError,
)
from scanner.model import ScanResult

__version__ = "0.1.0"

__all__ = [
    "BrowserError",
    "BrowserNotFound",
    "ConfigError",
    "CookiescanError",
    "ScanConfig",
    "ScanError",
    "ScanResult",
    "ScheduleError",
    "__version__",
    "scan",
    "scan_async",
]


# scanner.pipeline imports the browser (and ``__version__`` from here): it is imported when a
# scan starts, not with the package.
def scan(config: ScanConfig, **kwargs: Any) -> ScanResult:
    """Run a scan and return its ``ScanResult`` (see ``scanner.pipeline.run_scan``).

    Keyword arguments: ``journal`` (a path that receives each page as it finishes) and
    ``progress`` (a callable that receives one line per page).
    """
    from scanner.pipeline import run_scan

    return run_scan(config, **kwargs)


async def scan_async(config: ScanConfig, **kwargs: Any) -> ScanResult:
    """``scan`` for callers inside a running event loop (see ``scanner.pipeline.scan_async``).

    Takes the same keyword arguments as ``scan``.
    """
    from scanner.pipeline import scan_async as run_scan_async

    return await run_scan_async(config, **kwargs)
