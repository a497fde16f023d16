"""What a report says of a service known only from a public tracker list the user installed.

Such a service (``signatures.lists``) carries a ``public_list`` table in its facts: the list's
name, format, title and licence, the list's own category words (``known_as``) and the list
rules that matched (``matched``). Every format says the same sentence from it: "known to
EasyPrivacy (easyprivacy) as example.net, EasyPrivacy; matched filter:||trk.example.net^",
and that the service is not one of cookiescan's reviewed signatures (``LIST_CAVEAT``). The
strings come from the user's list file: renderers escape them like every other fact.

Example::

    source = list_source(result.services["trackco-marketing"])
    source["text"] if source else ""
"""

from __future__ import annotations

from typing import Any

LIST_CAVEAT = (
    "not one of cookiescan's reviewed signatures: the list gives no vendor country, legal "
    "basis or transfers, and the need for consent follows its category"
)
_LIST_RULES_SHOWN = 3


def list_source(facts: dict[str, Any]) -> dict[str, str] | None:
    """Where a service known only from a public list came from (its ``public_list`` facts).

    ``text`` reads "known to <list> (<format>) as <organisation>, <category>; matched
    <rules>"; ``caveat`` is ``LIST_CAVEAT``. ``None`` for a service of our own signatures.

    >>> list_source({"name": "Trackco", "category": "marketing", "public_list": {
    ...     "list": "disconnect", "format": "disconnect", "title": "Disconnect",
    ...     "known_as": ["Advertising"],
    ...     "matched": ["list:disconnect domain:trk.example.net"]}})["text"]
    'known to Disconnect (disconnect) as Trackco, Advertising; matched domain:trk.example.net'
    """
    table = facts.get("public_list") if isinstance(facts, dict) else None
    if not isinstance(table, dict):
        return None
    name = _short_text(table.get("list"))
    title = _short_text(table.get("title")) or name or "a public list"
    fmt = _short_text(table.get("format"))
    known_as = table.get("known_as")
    words = [w for w in known_as if isinstance(w, str) and w] if isinstance(known_as, list) else []
    category = ", ".join(_short_text(w) for w in words) or _short_text(facts.get("category"))
    org = _short_text(facts.get("name")) or "an unnamed organisation"
    matched = table.get("matched")
    rules = [
        _short_text(p.removeprefix(f"list:{name} ") if name else p, 200)
        for p in (matched if isinstance(matched, list) else [])
        if isinstance(p, str)
    ]
    shown = ", ".join(rules[:_LIST_RULES_SHOWN])
    if len(rules) > _LIST_RULES_SHOWN:
        shown += f" and {len(rules) - _LIST_RULES_SHOWN} more"
    text = f"known to {title}{f' ({fmt})' if fmt else ''} as {_short_text(org)}, {category}"
    return {
        "text": text + (f"; matched {shown}" if shown else ""),
        "list": name,
        "title": title,
        "format": fmt,
        "organisation": org,
        "category": category,
        "matched": shown,
        "licence": _short_text(table.get("licence"), 200),
        "caveat": LIST_CAVEAT,
    }


def _short_text(value: Any, limit: int = 100) -> str:
    """A string fact of a list file, cut to ``limit`` characters (a list is a user's file)."""
    text = " ".join(value.split()) if isinstance(value, str) else ""
    return text if len(text) <= limit else text[: limit - 1] + "…"
