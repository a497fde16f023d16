"""The hostile test sites whose pages never give their renderer back (``while(true){}`` after
load, in the reject button's click handler, a ``location.replace`` loop), the fast waits their
scans use, and a visit's errors by kind."""

from __future__ import annotations

from scanner.model import Visit

BUSY = "https://busy.example.com/"
BUSY_REJECT = "https://busy-reject.example.com/"
REPLACE_LOOP = "https://replace-loop.example.com/"
# Fast waits: the per-page deadline is then page_timeout + idle_timeout + dwell + margin.
FAST = {"page_timeout": 3.0, "idle_timeout": 1.0, "dwell": 0.5, "consent_timeout": 2.0}


def errors_of(visit: Visit) -> dict[str, str]:
    return {e.kind: e.message for e in visit.errors}
