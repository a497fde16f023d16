"""Exceptions raised by the scanner.

::

    CookiescanError
    ├── ConfigError         bad input: URL, scheme, option values
    ├── BrowserNotFound     no usable Chromium; the message names the install command
    ├── BrowserError        Chromium failed to start or died
    └── ScanError           the scan broke (not a page: the journal, a callback); pages kept
"""


class CookiescanError(Exception):
    """Base class of every error the scanner raises on purpose."""


class ConfigError(CookiescanError):
    """The scan was asked something impossible (bad URL, unsupported scheme, bad option)."""


class BrowserNotFound(CookiescanError):
    """No Chromium could be found."""


class BrowserError(CookiescanError):
    """Chromium could not be launched or crashed."""


class ScanError(CookiescanError):
    """The scan stopped because of its own machinery (the journal could not be written, the
    progress callback raised), not because of a page; the finished pages are in the journal."""
