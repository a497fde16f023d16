"""A small TOML writer for signature packs (``tomllib`` only reads).

Handles what packs contain: strings, booleans, integers, floats, lists of scalars, tables and
arrays of tables, nested. A JSON string is a valid TOML basic string, so ``json.dumps`` does
the escaping.

Example::

    >>> print(dumps({"pack": {"name": "x"}, "services": [{"id": "a", "hosts": ["a.com"]}]}))
    [pack]
    name = "x"
    <BLANKLINE>
    [[services]]
    id = "a"
    hosts = ["a.com"]
    <BLANKLINE>
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot write {value!r} to TOML")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _emit(table: dict[str, Any], path: list[str], out: list[str]) -> None:
    for key, value in table.items():
        if not isinstance(value, dict) and not _is_table_array(value):
            out.append(f"{_key(key)} = {_scalar(value)}")
    for key, value in table.items():
        sub = [*path, _key(key)]
        if isinstance(value, dict):
            out.append(f"\n[{'.'.join(sub)}]")
            _emit(value, sub, out)
        elif _is_table_array(value):
            for item in value:
                out.append(f"\n[[{'.'.join(sub)}]]")
                _emit(item, sub, out)


def dumps(document: dict[str, Any]) -> str:
    """Return ``document`` as TOML text (top-level tables first-class, in dict order)."""
    out: list[str] = []
    _emit(document, [], out)
    return "\n".join(out).lstrip("\n") + "\n"
