"""Exceptions raised by the scanner, and how they are quoted in results and messages.

::

    CookiescanError
    ├── ConfigError         bad input: URL, scheme, option values
    ├── BrowserNotFound     no usable Chromium; the message names the install command
    ├── BrowserError        Chromium failed to start or died
    ├── ScanError           the scan broke (not a page: the journal, a callback); pages kept
    └── ScheduleError       a schedule that cannot be added, found or run (also a ValueError)

Example::

    try:
        scan(config)
    except CookiescanError as exc:
        print(first_line(exc))
"""

from __future__ import annotations

__all__ = [
    "BrowserError",
    "BrowserNotFound",
    "ConfigError",
    "CookiescanError",
    "ScanError",
    "ScheduleError",
    "first_line",
]


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


class ScheduleError(CookiescanError, ValueError):
    """A schedule that cannot be added, found or run; the message says why.

    Also a ``ValueError``, as it was before it joined this tree.
    """


def first_line(exc: BaseException, default: str | None = None) -> str:
    """The first line of ``exc``'s message; ``default`` (the class name unless given) when the
    message is empty.

    Browser errors carry a long call log after their first line; results and messages quote
    only that line.

    >>> first_line(ValueError("bad URL\\ncall log: ..."))
    'bad URL'
    >>> first_line(TimeoutError()), first_line(TimeoutError(), default="")
    ('TimeoutError', '')
    """
    text = str(exc).strip()
    if text:
        return text.splitlines()[0]
    return type(exc).__name__ if default is None else default
