"""What scripts read and send, kept by shape only: the cookie names each script read through
``document.cookie`` or ``cookieStore.get``/``getAll`` (``CookieReads``) and the top-level keys
of a JSON request body (``body_keys``). Values are never kept.

The names arrive from the init script (``page_scripts.cookie_hook``), once per new (script,
name) pair of a frame; they are untrusted and bounded here.

Example::

    reads = CookieReads()
    reads.add("https://www.example.com/", "https://cdn.example.net/t.js", "_ga;sid", 12.0)
    reads.finish(first_party.party)   # (CookieRead(script=..., names=('_ga', 'sid'), ...),)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from scanner.model import CookieRead

#: Limits of what is kept (untrusted input): names per page, characters per name, body keys.
MAX_READ_NAMES, MAX_NAME_CHARS, MAX_BODY_KEYS = 2000, 256, 50


def body_keys(body: str | None) -> tuple[str, ...] | None:
    """The top-level keys of a JSON object body (never the values), else ``None``.

    Example::

        >>> body_keys('{"n":"pageview","u":"https://x/","d":"x"}')
        ('n', 'u', 'd')
        >>> body_keys("a=1&b=2") is None
        True
    """
    if not body or body.lstrip()[:1] != "{":
        return None
    try:
        data = json.loads(body)
    except ValueError:  # not JSON, or cut at 64 KiB
        return None
    if not isinstance(data, dict):
        return None
    return tuple(k[:100] for k in list(data)[:MAX_BODY_KEYS])


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class CookieReads:
    """The cookie names each script read on one page, per frame origin."""

    def __init__(self) -> None:
        #: (frame origin, script) -> [first time, names in the order first read].
        self.reads: dict[tuple[str, str], list[Any]] = {}
        self.count = 0

    def add(self, document: str, script: str, names: str, time_ms: float) -> None:
        """A script in the frame at ``document`` read ``names`` (``;``-separated). A script
        with no http(s) URL (inline, eval) is credited to the document."""
        if not script.startswith(("http://", "https://")) or len(script) > 2048:
            script = document
        entry = self.reads.setdefault((_origin(document), script), [time_ms, {}])
        for name in names.split(";"):
            name = name.strip()[:MAX_NAME_CHARS]
            if name and name not in entry[1] and self.count < MAX_READ_NAMES:
                entry[1][name] = None
                self.count += 1

    def finish(self, party: Callable[[str], Any]) -> tuple[CookieRead, ...]:
        """The reads as model records; ``party`` tells a host's party."""
        out = []
        for (origin, script), (first, names) in sorted(self.reads.items()):
            if names:
                host = urlsplit(script).hostname or ""
                out.append(CookieRead(script, host, party(host), origin, tuple(names), first))
        return tuple(out)
