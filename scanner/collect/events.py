"""Progress events: a line for people that also carries its facts for programs.

A scan reports progress through one callback taking a string (``progress=print`` works).
Each string it passes is an ``Event``: a ``str`` subclass whose ``kind`` and ``fields`` say
the same thing as the text, so the CLI can draw progress bars or write NDJSON
(``--progress json``) without parsing text, and every existing caller still gets its line.

Kinds: ``phase`` (a phase starts: phase, index, phases), ``page`` (a page is done: phase,
done, found, url, requests, cookies, errors), ``note`` (anything else worth saying: phase,
message).

Example::

    def progress(line: str) -> None:
        if isinstance(line, Event) and line.kind == "page":
            bar.update(line.fields["done"], total=line.fields["found"])
        else:
            print(line)
"""

from __future__ import annotations

from typing import Any


class Event(str):
    """A progress line with its facts: ``event.kind`` and ``event.fields``."""

    kind: str
    fields: dict[str, Any]

    def __new__(cls, text: str, kind: str = "note", **fields: Any) -> Event:
        event = super().__new__(cls, text)
        event.kind = kind
        event.fields = fields
        return event

    def to_dict(self) -> dict[str, Any]:
        """The event as plain JSON: ``{"event": kind, ..., "text": line}``."""
        return {"event": self.kind, **self.fields, "text": str(self)}


def phase_started(phase: str, index: int, phases: int) -> Event:
    """Phase ``index`` (1-based) of ``phases`` starts in a fresh context."""
    return Event(f"[{phase}] phase {index} of {phases}", "phase", phase=phase, index=index,
                 phases=phases)  # fmt: skip


def page_done(
    phase: str, done: int, found: int, url: str, requests: int, cookies: int, errors: list[str]
) -> Event:
    """A page of ``phase`` is done: ``done`` of the ``found`` pages so far."""
    error = f", {len(errors)} error(s): {errors[0]}" if errors else ""
    text = f"[{phase}] {done} of {found} found: {url} — {requests} requests, {cookies} cookies"
    return Event(text + error, "page", phase=phase, done=done, found=found, url=url,
                 requests=requests, cookies=cookies, errors=errors)  # fmt: skip


def note(phase: str, message: str) -> Event:
    """Something worth saying during ``phase`` (a refused sitemap, a skipped step)."""
    return Event(f"[{phase}] {message}", "note", phase=phase, message=message)
