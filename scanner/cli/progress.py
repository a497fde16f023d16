"""How a long scan shows its progress on stderr: bars, plain lines, NDJSON, or nothing.

``--progress auto`` (the default) draws a bar per consent phase on a terminal — pages done of
pages found, pages per second and the time left, drawn by **rich** — and writes plain lines
when stderr is not a terminal (a log file, CI). ``plain`` always writes lines; ``json`` writes
one JSON object per event (NDJSON: ``{"event": "page", "phase": …, "done": 3, "found": 12,
…}``) for a wrapper to read; ``-q`` silences all of it. The events come from the scan as
``scanner.collect.events.Event`` strings, so a plain ``print`` still works as a callback.

Example::

    with progress_display("auto", quiet=False) as progress:
        result = scan(config, progress=progress)
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

import click

from scanner.collect.events import Event
from scanner.errors import printable, redact_url

MODES = ("auto", "plain", "json")
Progress = Callable[[str], None]

progress_option = click.option(
    "--progress",
    "progress_mode",
    type=click.Choice(MODES),
    default="auto",
    show_default=True,
    help="auto: bars on a terminal, lines otherwise; plain: lines; json: one JSON event a line "
    "(NDJSON) on stderr, for wrappers. -q silences progress.",
)


@contextmanager
def progress_display(
    mode: str, *, quiet: bool = False, stream: TextIO | None = None
) -> Iterator[Progress]:
    """A progress callback for ``mode``; bars are cleared up when the block ends."""
    out = stream or sys.stderr
    if quiet:
        yield lambda _line: None
    elif mode == "json":
        yield lambda line: _json_line(out, line)
    elif mode == "auto" and _is_terminal(out):
        with Bars(out) as bars:
            yield bars.update
    else:
        yield lambda line: _plain_line(out, line)


def _is_terminal(out: TextIO) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False


def shown(line: str) -> str:
    """A line for a terminal or a log: URL credentials hidden, control characters escaped."""
    return printable(redact_url(str(line)))


def _plain_line(out: TextIO, line: str) -> None:
    out.write(shown(line) + "\n")
    out.flush()


def _json_line(out: TextIO, line: str) -> None:
    raw = line.to_dict() if isinstance(line, Event) else {"event": "note", "text": str(line)}
    data: dict[str, Any] = {k: redact_url(v) if isinstance(v, str) else v for k, v in raw.items()}
    data["time"] = round(time.time(), 3)
    out.write(json.dumps(data, ensure_ascii=True) + "\n")  # ASCII: no raw control characters
    out.flush()


class Bars:
    """One rich progress bar per phase: pages done of found, pages/s and time left."""

    def __init__(self, out: TextIO) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.console = Console(file=out, highlight=False, markup=False)
        self.bars = Progress(
            TextColumn("{task.description:<15}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[unit]}  {task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self.tasks: dict[str, Any] = {}
        self.started: dict[str, float] = {}

    def __enter__(self) -> Bars:
        self.bars.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bars.stop()

    def update(self, line: str) -> None:
        """Take one progress event: move a bar, or print a note above the bars. A batch's
        events (``batch``, ``site-start``, ``site``: ``scanner.fleet.batch``) draw one bar of
        sites done of sites to scan."""
        kind = line.kind if isinstance(line, Event) else "note"
        fields = line.fields if isinstance(line, Event) else {}
        phase = str(fields.get("phase", ""))
        unit = "sites" if kind in ("batch", "site-start", "site") else "pages"
        if kind in ("phase", "batch", "site-start"):
            self._task(phase, unit, fields.get("total"))
        elif kind in ("page", "site"):
            task = self._task(phase, unit)
            elapsed = max(time.monotonic() - self.started[phase], 1e-6)
            done = int(fields.get("done", 0))
            rate = f"{done / elapsed:.1f}/s"
            self.bars.update(task, completed=done, total=int(fields.get("found", done)), rate=rate)
            if fields.get("errors"):
                self.console.print(shown(line))
        else:
            self.console.print(shown(line))

    def _task(self, phase: str, unit: str = "pages", total: int | None = None) -> Any:
        if phase not in self.tasks:
            self.started[phase] = time.monotonic()
            self.tasks[phase] = self.bars.add_task(phase, total=total, rate="", unit=unit)
        return self.tasks[phase]
