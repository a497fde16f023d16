"""The TOML writer of signature packs (``tomllib`` only reads): ``tomli-w``.

A hand-written writer used to be here; it wrote a DEL character raw, and ``tomllib`` then
refused the pack (issue 14, part 7). tomli-w, by the author of tomllib's parser, escapes every
control character and writes what tomllib reads back.

Example::

    >>> print(dumps({"pack": {"name": "x"}, "services": [{"id": "a", "hosts": ["a.com"]}]}))
    [pack]
    name = "x"
    <BLANKLINE>
    [[services]]
    id = "a"
    hosts = [
        "a.com",
    ]
    <BLANKLINE>
    >>> dumps({"name": "del\\x7f"})
    'name = "del\\\\u007f"\\n'
"""

from __future__ import annotations

from typing import Any

import tomli_w


def dumps(document: dict[str, Any]) -> str:
    """Return ``document`` as TOML text (tables in dict order); ``TypeError`` for a value
    TOML cannot hold (``None``)."""
    return tomli_w.dumps(document)
