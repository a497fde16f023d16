"""cookiescan: which cookies and third parties a site uses, before and after consent.

Public API::

    from scanner import scan, ScanConfig
    result = scan(ScanConfig(url="https://www.example.com/"))
"""

from .config import ScanConfig
from .models import ScanResult

__version__ = "0.1.0"

__all__ = ["ScanConfig", "ScanResult", "__version__", "scan"]


def scan(config: ScanConfig, **kwargs):  # type: ignore[no-untyped-def]
    """Run a scan and return its ``ScanResult`` (see ``scanner.phases.run_scan``)."""
    from .phases import run_scan

    return run_scan(config, **kwargs)
