"""Read a saved result JSON back into a ``ScanResult``, checking its shape on the way.

``ScanResult.from_dict`` trusts its input; a hand-edited or truncated file would otherwise fail
deep inside a renderer. ``check_shape`` walks the dataclass type hints and names the first field
that is wrong, e.g. ``phases[0].visits[2].requests: expected a list, got str``.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from pathlib import Path
from typing import Any

from scanner.model import SCHEMA_VERSION, ScanResult


class ReportError(Exception):
    """A result file could not be read or a report could not be written."""


def load_result(path: str | Path) -> ScanResult:
    """The ``ScanResult`` saved as JSON in ``path``; ``ReportError`` if it is not one.

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
    problem = check_shape(ScanResult, data)
    if problem:
        raise ReportError(f"{source}: {problem}")
    try:
        return ScanResult.from_dict(data)
    except (TypeError, ValueError, KeyError) as exc:  # pragma: no cover - check_shape first
        raise ReportError(f"{source}: {exc}") from None


def check_shape(cls: type, data: Any, where: str = "") -> str | None:
    """The first problem in ``data`` as a dataclass ``cls`` would read it, or ``None``."""
    if not isinstance(data, dict):
        return f"{where or 'top level'}: expected an object, got {_kind(data)}"
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        path = f"{where}.{f.name}" if where else f.name
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if f.name not in data:
            if required:
                return f"{path}: missing"
            continue
        problem = _check(hints[f.name], data[f.name], path)
        if problem:
            return problem
    return None


def _check(tp: Any, value: Any, path: str) -> str | None:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return None
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        problems = [_check(a, value, path) for a in inner]
        return None if any(p is None for p in problems) else problems[0]
    if origin is typing.Literal:
        return None if value in args else f"{path}: expected one of {list(args)}, got {value!r}"
    if origin is tuple:
        if not isinstance(value, list):
            return f"{path}: expected a list, got {_kind(value)}"
        for i, v in enumerate(value):
            problem = _check(args[0], v, f"{path}[{i}]")
            if problem:
                return problem
        return None
    if origin is dict or tp is dict:
        return (
            None if isinstance(value, dict) else f"{path}: expected an object, got {_kind(value)}"
        )
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return check_shape(tp, value, path)
    if tp is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return None if ok else f"{path}: expected a number, got {_kind(value)}"
    if tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else f"{path}: expected an integer, got {_kind(value)}"
    if tp in (str, bool):
        ok = isinstance(value, tp)
        return None if ok else f"{path}: expected {tp.__name__}, got {_kind(value)}"
    return None


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), type(value).__name__)
