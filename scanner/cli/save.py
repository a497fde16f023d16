"""Where a scan's result goes, so a finished scan is never lost: the destination checked before
the browser starts, the journal's place, and a fallback file when the output cannot be written.

Example::

    check_destination("xlsx", None)          # InputError: --format xlsx is binary ... (exit 2)
    problem = save_result(result, "json", "/dev/full", False)   # "cannot write /dev/full: ..."
    where = save_fallback(result)            # <data dir>/results/www.example.com-2026...json
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scanner.cli.common import InputError, write_output
from scanner.model import ScanResult

__all__ = [
    "check_destination",
    "default_result_path",
    "journal_path",
    "result_name",
    "save_fallback",
    "save_result",
    "screenshots_note",
]


def check_destination(fmt: str, output: str | None, *, embed_screenshots: bool = False) -> None:
    """``InputError`` (one line, exit 2) when ``fmt`` cannot go to ``output`` (stdout when
    None): xlsx to stdout, a directory as a one-file output, a folder that does not exist or
    cannot be written. Runs before the browser starts."""
    import reports

    try:
        reports.check_target(fmt, output, shots=not embed_screenshots)
    except reports.ReportError as exc:
        raise InputError(str(exc)) from None


def journal_path(fmt: str, output: str | None) -> Path:
    """Where the scan streams its pages: ``OUTPUT.partial.jsonl`` beside a file output, else
    (stdout, a CSV folder, a device such as /dev/full) a new file in the data dir."""
    import reports

    if output and not reports.is_dir_target(fmt, output):
        target = Path(output)
        if not target.exists() or target.is_file():
            return Path(output + ".partial.jsonl")
    folder = _data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix="scan-", suffix=".partial.jsonl", dir=folder)
    os.close(fd)
    return Path(name)


def result_name(result: ScanResult) -> str:
    """``<host>-<YYYYmmdd-HHMMSS>.json``, after the site and the start of the scan."""
    host = urlsplit(result.start_url).hostname or "site"
    host = re.sub(r"[^A-Za-z0-9.-]", "_", host).strip(".") or "site"
    try:
        started = datetime.fromisoformat(result.started_at)
    except ValueError:
        started = datetime.now()
    return f"{host}-{started.strftime('%Y%m%d-%H%M%S')}.json"


def default_result_path(result: ScanResult) -> Path:
    """Where ``scan`` on a terminal saves the full JSON: ``cookiescan-<name>`` in the current
    folder, or in the data dir when the current folder cannot be written."""
    folder = Path(".") if os.access(".", os.W_OK | os.X_OK) else _data_dir()
    return _unused(folder / f"cookiescan-{result_name(result)}")


def save_result(
    result: ScanResult,
    fmt: str,
    output: str | None,
    include_cookie_values: bool,
    embed_screenshots: bool = False,
    pack: Any = None,
) -> str | None:
    """Write ``result`` as ``fmt`` to ``output`` (stdout when None); the one-line reason when
    that failed (a full disk, stdout closed…), None when it is written. JSON to a file puts
    the banner screenshots in its sibling folder unless ``embed_screenshots``
    (``screenshots_note``)."""
    try:
        write_output(result, fmt, output, include_cookie_values, None, embed_screenshots, pack)
        if output is None:
            sys.stdout.flush()  # a full stdout fails here, not at exit where nothing can help
    except InputError as exc:
        return exc.message
    except OSError as exc:
        if output is None:
            _stdout_to_devnull()
        return f"cannot write {output or 'the output'}: {exc.strerror or exc}"
    return None


def screenshots_note(fmt: str, output: str | None, embed_screenshots: bool) -> str:
    """`` (banner screenshots in r.screenshots/)`` when JSON written to ``output`` put them
    there, else ``""``: for the line that says where the result was written."""
    import reports

    if fmt != "json" or output is None or embed_screenshots:
        return ""
    folder = reports.shots_folder(output)
    return f" (banner screenshots in {folder}/)" if folder.is_dir() else ""


def save_fallback(result: ScanResult, include_cookie_values: bool = False) -> Path | None:
    """Save ``result`` as JSON in ``<data dir>/results/``, named after the site and time, when
    the chosen output failed; the path, or None when that failed too."""
    import reports

    folder = _data_dir() / "results"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = _unused(folder / result_name(result))
        reports.write(result, "json", path, include_cookie_values=include_cookie_values)
    except (OSError, reports.ReportError):
        return None
    return path


def _unused(path: Path) -> Path:
    """``path``, or ``name-2.json``, ``name-3.json``… when it exists already."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def _stdout_to_devnull() -> None:
    # What is left in stdout's buffer would fail again at exit, with a traceback.
    try:
        sys.stdout.flush()
    except OSError:
        pass
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # not a real file (CliRunner): nothing to redirect
        pass


def _data_dir() -> Path:
    from scanner.fleet.history import data_dir

    return data_dir()
