"""How one dashboard is set up: the databases it reads, where it listens, what it may do.

Example::

    settings = Settings(db="history.sqlite", host="0.0.0.0", token=os.environ["TOKEN"])
    settings.check()        # ConfigError when it listens beyond loopback without a token
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.errors import ConfigError

TOKEN_ENV = "COOKIESCAN_SERVE_TOKEN"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address to bind) is reachable from this machine only.

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host.strip("[]").lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name other than localhost may resolve anywhere


@dataclass(frozen=True)
class Settings:
    """One dashboard's settings; ``cookiescan serve`` builds it from its options."""

    db: str | None = None
    """The history database (a path or a SQLAlchemy URL; None: the default one)."""
    store: str | None = None
    """The schedule store (a path or a SQLAlchemy URL; None: the default one, if it exists)."""
    host: str = "127.0.0.1"
    """Where it listens."""
    port: int = 8765
    read_only: bool = False
    """Hide and refuse every action (pause, run now, scan): only show."""
    token: str | None = None
    """Required from every request when set (``Authorization: Bearer`` or the cookie that
    ``/?token=...`` sets); required to listen beyond loopback."""
    scan_defaults: dict[str, Any] = field(default_factory=dict)
    """``ScanConfig`` fields given to every scan started here (the tests point them at the
    local web with ``browser_args``)."""
    out_dir: str | None = None
    """Where scans started here keep their files (default: ``dashboard/`` in the data dir)."""
    workers: int = 1
    """Scans started here that may run at once; the others wait their turn."""

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)

    def check(self) -> None:
        """Refuse to listen beyond loopback without a token (``ConfigError``)."""
        if not self.loopback and not self.token:
            raise ConfigError(
                f"listening on {self.host} needs a token: set {TOKEN_ENV} (or listen on 127.0.0.1)"
            )

    def allowed_hosts(self) -> list[str]:
        """Host headers accepted: on loopback only loopback names (against DNS rebinding)."""
        if self.loopback:
            return ["127.0.0.1", "localhost", "::1", "[::1]"]
        return ["*"]  # beyond loopback, the token protects

    def scans_dir(self) -> Path:
        from scanner.fleet.history import data_dir

        return Path(self.out_dir) if self.out_dir else data_dir() / "dashboard"
