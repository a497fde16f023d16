"""Validate a service file or a pack against the declaration, with messages that help.

pydantic finds every problem (``signatures.schema``); this module reports the first, as a
``SignatureError`` that names the file and the field in the words of the TOML file::

    services/x.toml: 'cookies[1].match' must be one of exact, prefix, regex (got 'glob')
    services/x.toml: unknown key 'cookie' (did you mean 'cookies'?)
    services/x.toml: unknown key 'vendor.hosts' (top-level 'hosts' must come before the first [table] header)
    packs/p.toml: services[3] (ocd-x): 'hosts[0]' must be lowercase (got 'X.com')

Unknown keys come first (a misspelt key often explains the other errors). The wording of a
field's constraint is declared beside it (``vocabulary.Says``); type errors share one wording.
"""  # noqa: E501

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .errors import SignatureError
from .schema import ImportedService, PackFile, ServiceFile
from .vocabulary import Says

Loc = Sequence[int | str]

# Type errors: the same words whatever the field ({kind}: the type of the value; {value}: it).
_TYPE_PROBLEMS = {
    "string_type": "must be a string (got {kind})",
    "bool_type": "must be true or false (got {value})",
    "float_type": "must be a number (got {value})",
    "int_type": "must be a whole number (got {value})",
    "list_type": "must be a list (got {kind})",
    "model_type": "must be a table (got {kind})",
    "model_attributes_type": "must be a table (got {kind})",
    "dict_type": "must be a table (got {kind})",
    "missing": "is required",
}
# Errors for which a field's own wording (``vocabulary.Says``) is the better one.
_CONSTRAINT_PROBLEMS = {
    "string_pattern_mismatch", "string_too_short", "string_too_long", "greater_than_equal",
    "greater_than", "less_than_equal", "less_than", "finite_number", "float_type", "int_type",
}  # fmt: skip


def validate_service(data: Any, where: str, imported: bool = False) -> None:
    """Validate one service table; ``imported`` relaxes what imported packs may not know.

    Example::

        >>> validate_service({"id": "x"}, "services/x.toml")
        Traceback (most recent call last):
        ...
        signatures.errors.SignatureError: services/x.toml: 'name' is required
    """
    model = ImportedService if imported else ServiceFile
    try:
        model.model_validate(data)
    except ValidationError as exc:
        raise SignatureError(_message(exc.errors(), model, data, where)) from None


def validate_pack(data: Any, where: str) -> None:
    """Validate a whole pack (``[pack]`` and every ``[[services]]`` entry).

    An error in an entry names it: ``p.toml: services[1] (bad): 'hosts[0]' must be ...``.

    Example::

        >>> validate_pack({"pack": {"name": "p", "source": "x"}}, "p.toml")
        Traceback (most recent call last):
        ...
        signatures.errors.SignatureError: p.toml: 'pack.licence' is required
    """
    try:
        PackFile.model_validate(data)
    except ValidationError as exc:
        raise SignatureError(_message(exc.errors(), PackFile, data, where)) from None


def _message(errors: list[ErrorDetails], root: type[BaseModel], data: Any, where: str) -> str:
    error = min(errors, key=lambda e: e["type"] != "extra_forbidden")  # the first unknown key
    loc: Loc = error["loc"]
    if root is PackFile and len(loc) >= 2 and loc[0] == "services":
        # An entry of a pack reads like a service file of its own.
        index = loc[1]
        where = f"{where}: services[{index}]"
        entry = data["services"][index]
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            where += f" ({entry['id']})"
        root, loc = ImportedService, loc[2:]
    ctx = error.get("ctx") or {}
    if error["type"] == "extra_forbidden":
        return f"{where}: unknown key '{_dotted(loc)}'{_unknown_key_hint(root, loc)}"
    if ctx.get("at"):  # a table-level check that blames one of its fields
        loc = (*loc, ctx["at"])
    return f"{where}: '{_dotted(loc) or '(top)'}' {_problem(error, root, loc)}"


def _problem(error: ErrorDetails, root: type[BaseModel], loc: Loc) -> str:
    kind, value = error["type"], error["input"]
    annotation, metadata = _field_at(root, loc)
    says = next((m for m in metadata if isinstance(m, Says)), None)
    if says is not None and kind in _CONSTRAINT_PROBLEMS:
        if says.lowercase and isinstance(value, str) and value != value.lower():
            return f"must be lowercase (got {value!r})"
        return f"{says.problem} (got {value!r})" if says.echo else says.problem
    if kind == "list_type" and _is_table(next(iter(get_args(annotation)), None)):
        return f"must be an array of tables (got {type(value).__name__})"
    if kind in _TYPE_PROBLEMS:
        return _TYPE_PROBLEMS[kind].format(kind=type(value).__name__, value=repr(value))
    if kind == "literal_error":
        choices = get_args(annotation) if get_origin(annotation) is Literal else ()
        shown = ", ".join(str(c).lower() if isinstance(c, bool) else str(c) for c in choices)
        return f"must be one of {shown or error['ctx']['expected']} (got {value!r})"
    if kind in ("regex", "signature_rule"):  # our own checks, already in our words
        return error["msg"]
    return f"is invalid: {error['msg'][:1].lower()}{error['msg'][1:]} (got {value!r})"


def _unknown_key_hint(root: type[BaseModel], loc: Loc) -> str:
    owner = _owner_of(root, loc)
    key = str(loc[-1])
    if len(loc) >= 2 and key in root.model_fields and all(isinstance(p, str) for p in loc):
        # TOML puts every key written after "[vendor]" into vendor: a classic slip.
        return f" (top-level '{key}' must come before the first [table] header)"
    near = difflib.get_close_matches(key, list(owner.model_fields) if owner else [], n=1)
    return f" (did you mean '{near[0]}'?)" if near else ""


def _dotted(loc: Loc) -> str:
    """``("cookies", 1, "match")`` -> ``cookies[1].match``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _owner_of(root: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The model (table) that holds the last key of ``loc``."""
    annotation, _ = _field_at(root, loc[:-1])
    return annotation if _is_table(annotation) else None


def _is_table(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _field_at(root: type[BaseModel], loc: Loc) -> tuple[Any, list[Any]]:
    """The declared type at ``loc`` and its metadata (``Says``...); ``(None, [])`` if none."""
    annotation: Any = root
    metadata: list[Any] = []
    for part in loc:
        if isinstance(part, int):  # an item of a list
            args = get_args(annotation)
            annotation, metadata = (args[0] if args else None), []
        elif _is_table(annotation):
            info = annotation.model_fields.get(part)
            if info is None:
                return None, []
            annotation, metadata = info.annotation, list(info.metadata)
        else:
            return None, []
        while hasattr(annotation, "__metadata__"):  # Annotated[...]
            metadata = [*annotation.__metadata__, *metadata]
            annotation = annotation.__origin__
    return annotation, metadata
