"""Page strings made storable: a lone surrogate becomes U+FFFD, and (for the journal) the
user name and password of a URL are redacted.

A page hands us any JavaScript string: ``document.title = '\\ud800'`` is a lone UTF-16
surrogate, which no UTF-8 writer can encode (JSON file, CSV, XLSX, the history database,
stdout). It is replaced once, where page strings enter the result (``storable_result``, called
by the pipeline on the collected result, and ``storable_data`` on every journal line and every
loaded journal), rather than in each writer: then every consumer, present or future, library
caller included, gets text it can write, and the writers need no care of their own.

Example::

    >>> storable_text("a\\ud800b")
    'a\\ufffdb'
    >>> storable_data({"url": "http://u:pw@host/", "t": "x\\udfff"}, redact=True)
    {'url': 'http://u:***@host/', 't': 'x\\ufffd'}
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, TypeVar

from scanner.errors import redact_url

__all__ = ["storable_data", "storable_result", "storable_text"]

T = TypeVar("T")

# Paired surrogates never reach a Python str (they are one code point), so any left is lone.
_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def storable_text(text: str, *, redact: bool = False) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (and URL credentials redacted
    when ``redact``: only in strings that hold a ``//``, so an e-mail address stays whole)."""
    if not text.isascii():
        text = _SURROGATE.sub(REPLACEMENT, text)
    if redact and "@" in text and "//" in text:
        text = redact_url(text)
    return text


def storable_data(value: Any, *, redact: bool = False) -> Any:
    """Plain JSON data (dicts, lists, strings…) with every string, keys included, made
    storable by ``storable_text``; tuples come back as lists."""
    if isinstance(value, str):
        return storable_text(value, redact=redact)
    if isinstance(value, dict):
        return {
            storable_text(k, redact=redact) if isinstance(k, str) else k: storable_data(
                v, redact=redact
            )
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [storable_data(v, redact=redact) for v in value]
    return value


def storable_result(result: T) -> T:
    """``result`` (a model dataclass) with every lone surrogate in any of its strings
    replaced; the very same objects come back when there was none (the usual case)."""
    return _clean(result)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, tuple):
        items = tuple(_clean(v) for v in value)
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if isinstance(value, list):
        items_list = [_clean(v) for v in value]
        same = all(a is b for a, b in zip(items_list, value, strict=True))
        return value if same else items_list
    if isinstance(value, dict):
        pairs = [(_clean(k), _clean(v)) for k, v in value.items()]
        same = all(
            k is k0 and v is v0 for (k, v), (k0, v0) in zip(pairs, value.items(), strict=True)
        )
        return value if same else dict(pairs)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changed = {}
        for field in dataclasses.fields(value):
            old = getattr(value, field.name)
            new = _clean(old)
            if new is not old:
                changed[field.name] = new
        return dataclasses.replace(value, **changed) if changed else value
    return value
