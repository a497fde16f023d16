"""Read a saved result JSON back into a ``ScanResult``, checking it on the way.

The checks are the result model's own (``scanner.model``): a hand-edited or truncated file is
refused here with the first field that is wrong, e.g. ``phases[0].visits[2].requests: expected
a list, got a string``, instead of failing deep inside a renderer. Banner screenshots saved as
files beside the JSON (``r.screenshots/``) are read back as data URIs (``reports.shots``).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from scanner.model import SCHEMA_VERSION, ScanResult, explain

from .shots import resolve_screenshots


class ReportError(Exception):
    """A result file could not be read or a report could not be written."""


def load_result(path: str | Path, *, warn: Callable[[str], None] | None = None) -> ScanResult:
    """The ``ScanResult`` saved as JSON in ``path``; ``ReportError`` if it is not one.

    A screenshot field that names a file is read from ``path``'s own screenshot folder only
    (``reports.shots.resolve_screenshots``); one that cannot be read is left out, and ``warn``
    (default: the ``reports`` logger) gets one line saying why.

    Example::

        result = load_result("result.json")
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ReportError(f"{path}: is a directory, not a result file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"{path}: cannot read: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except RecursionError:
        raise ReportError(f"{path}: nested too deeply to be a cookiescan result") from None
    resolve_screenshots(data, path, warn or logging.getLogger("reports").warning)
    return result_from_data(data, source=str(path))


def result_from_data(data: Any, *, source: str = "result") -> ScanResult:
    """Check ``data`` (parsed JSON) and build the ``ScanResult``; ``ReportError`` if wrong."""
    if not isinstance(data, dict) or "start_url" not in data or "phases" not in data:
        raise ReportError(f"{source}: not a cookiescan result (no 'start_url' and 'phases')")
    version = data.get("schema_version", SCHEMA_VERSION)
    if not isinstance(version, str) or version.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        raise ReportError(
            f"{source}: schema_version {version!r} is not supported "
            f"(this version reads {SCHEMA_VERSION.split('.')[0]}.x)"
        )
    try:
        return ScanResult.from_dict(_storable(data))
    except ValidationError as exc:
        raise ReportError(f"{source}: {explain(exc)}") from None
    except RecursionError:
        raise ReportError(f"{source}: nested too deeply to be a cookiescan result") from None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _storable(value: Any) -> Any:
    """``value`` with every lone surrogate (``"\\ud800"`` in a JSON file written by another
    tool) replaced by U+FFFD, as a scan does where page strings enter the result
    (``scanner.collect.storable``): no renderer or writer then meets one."""
    if isinstance(value, str):
        return value if value.isascii() else _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(v) for v in value]
    return value
