"""Plain JSON in and out of the model, and validation errors in words.

``to_dict`` and ``from_dict`` work on any model class (pydantic's ``TypeAdapter``, built once
per class); ``explain`` turns a ``ValidationError`` into the one line a user reads, naming the
field, e.g. ``phases[0].visits[2].requests: expected a list, got a string``.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter, ValidationError
from pydantic_core import PydanticSerializationError

_ADAPTERS: dict[type, TypeAdapter[Any]] = {}


def adapter(cls: type) -> TypeAdapter[Any]:
    if cls not in _ADAPTERS:
        _ADAPTERS[cls] = TypeAdapter(cls)
    return _ADAPTERS[cls]


def to_dict(obj: Any) -> Any:
    """Any model object (or ``None``) as plain JSON-ready data (tuples become lists)."""
    if obj is None:
        return None
    try:
        return adapter(type(obj)).dump_python(obj, mode="json")
    except PydanticSerializationError:  # a value no JSON can hold: fall back to its text
        return adapter(type(obj)).dump_python(obj, mode="json", fallback=str)


def from_dict(cls: type, data: Any) -> Any:
    """Build model class ``cls`` from plain data, validating it."""
    return adapter(cls).validate_python(data)


def explain(error: ValidationError, *, limit: int = 1) -> str:
    """A validation error in words: ``where: what`` for the first ``limit`` problems.

    Example::

        >>> try:
        ...     PageError(kind="http", message=None)  # type: ignore[arg-type]
        ... except ValidationError as exc:
        ...     print(explain(exc))
        message: expected a string, got null
    """
    parts = []
    for item in error.errors()[:limit]:
        parts.append(f"{location(item['loc'])}: {_problem(item)}".lstrip(": "))
    more = len(error.errors()) - limit
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def location(loc: tuple[int | str, ...]) -> str:
    """``("phases", 0, "visits")`` as ``phases[0].visits``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not str(part).startswith(("function-", "literal[")):
            text += ("." if text else "") + str(part)
    return text


_KINDS = {
    "string": "a string",
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "list": "a list",
    "tuple": "a list",
    "dict": "an object",
    "dataclass": "an object",
}


def _problem(item: Any) -> str:
    kind, given = item["type"], item.get("input")
    if kind == "missing":
        return "missing"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "literal_error":
        expected = item.get("ctx", {}).get("expected", "")
        return f"expected one of {expected}, got {given!r}"
    for prefix, words in _KINDS.items():
        if kind.startswith(prefix + "_") and kind.endswith(("_type", "_parsing")):
            return f"expected {words}, got {_kind_of(given)}"
    return str(item["msg"])[0].lower() + str(item["msg"])[1:]


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
