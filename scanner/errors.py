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

import re

__all__ = [
    "BrowserError",
    "BrowserNotFound",
    "ConfigError",
    "CookiescanError",
    "ScanError",
    "ScheduleError",
    "first_line",
    "printable",
    "redact_url",
]

# ``scheme://userinfo@`` (or ``//userinfo@``): the userinfo runs to the last ``@`` before the
# path, as URL parsers read it.
_USERINFO = re.compile(r"(?i)((?:\b[a-z][a-z0-9+.\-]*:)?//)([^/?#\s]*)@")
# C0 but tab and newline, DEL, C1, and lone surrogates (which no terminal should receive).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


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


def redact_url(text: str) -> str:
    """``text`` with the password (or a lone user name, often a token) of every URL in it
    replaced by ``***``: for results, stores and messages; the real URL only drives the browser.

    A proxy given without a scheme (``user:pass@host:3128``) is read as a URL too.

    >>> redact_url("http://alice:s3cret@proxy:3128/")
    'http://alice:***@proxy:3128/'
    >>> redact_url("see https://token@example.com/x and http://example.com/")
    'see https://***@example.com/x and http://example.com/'
    >>> redact_url("alice:s3cret@proxy:3128")
    'alice:***@proxy:3128'
    """
    if "@" not in text:
        return text
    if "//" not in text and not any(c.isspace() for c in text):
        return redact_url("//" + text)[2:]
    return _USERINFO.sub(_hide_password, text)


def _hide_password(match: re.Match[str]) -> str:
    user, colon, _password = match.group(2).partition(":")
    return f"{match.group(1)}{user}:***@" if colon else f"{match.group(1)}***@"


def printable(text: str) -> str:
    """``text`` safe for a terminal: every control character but tab and newline (C0, DEL,
    C1: escape sequences, OSC title/clipboard/hyperlink writes) and every lone surrogate
    becomes a visible ``\\xNN`` (or ``\\uNNNN``) escape.

    >>> printable("a\\x1b]0;pwned\\x07b\\tc\\n")
    'a\\\\x1b]0;pwned\\\\x07b\\tc\\n'
    """
    return _CONTROL.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
