"""cookiescan: which cookies and third parties a site uses, before and after consent.

Public API::

    from scanner import scan, ScanConfig
    result = scan(ScanConfig(url="https://www.example.com/"))
"""

from typing import Any

from scanner.config import ScanConfig
from scanner.model import ScanResult

__version__ = "0.1.0"

__all__ = ["ScanConfig", "ScanResult", "__version__", "scan"]


def scan(config: ScanConfig, **kwargs: Any) -> ScanResult:
    """Run a scan and return its ``ScanResult`` (see ``scanner.pipeline.run_scan``).

    Keyword arguments: ``journal`` (a path that receives each page as it finishes) and
    ``progress`` (a callable that receives one line per page).
    """
    from scanner.pipeline import run_scan

    return run_scan(config, **kwargs)
