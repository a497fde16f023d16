"""The service signature database: which service a host, URL, cookie or storage key belongs to.

A room of its own: this package imports nothing from ``scanner`` or ``reports``.

Public API::

    import signatures

    db = signatures.load()                       # bundled services + user packs, validated
    m = db.match_request("https://r.mjt.lu/lnk/x")
    m.signature_id, m.pattern, m.kind            # ('mailjet', 'host:mjt.lu', 'request')
    db.match_cookie("mj.preferences", domain="www.example.com").service.name   # 'Mailjet'
    db.match_storage("ajs_anonymous_id").signature_id                         # 'segment'
    db.service("mailjet").to_dict()              # every fact, keys as in the TOML file
    db.match_request("https://stats.example.com/matomo.php?idsite=1").pattern
    # 'url:* regex:^[^?#]*/(matomo|piwik)\\.(js|php)(\\?|#|$)'  (an any-host rule, confidence 0.9)
    # with a public list installed ('cookiescan signatures add-list'), below all of ours:
    db.match_request("https://trk.example.net/t.js", "script", page_url="https://shop.example.com/")
    # Match(pattern='list:disconnect domain:trk.example.net', ...)
    # a cookie's list rules need its page: one immutable PageContext per visit
    page = signatures.page_context("https://shop.example.com/", ["https://trk.example.net/t.js"])
    db.match_cookie("_trk", "shop.example.com", page=page)

Files: one TOML file per service in ``signatures/services/<id>.toml``, and packs of imported
services (``signatures.ocd.import_csv``) in the user data dir,
``$XDG_DATA_HOME/cookiescan/signatures/``. The project's own services take precedence over
imported ones. Public tracker lists the user supplies (EasyPrivacy, Disconnect, Tracker Radar,
Ghostery; ``signatures.lists``) live in its ``lists/`` folder and are asked last, only for
requests nothing of ours matched (``docs/lists.md``).

Service files and packs are declared once, in ``signatures/schema.py`` (pydantic);
validation (``signatures/validate.py``) and the JSON Schema committed beside it
(``service.schema.json``, ``pack.schema.json``; ``python -m signatures.json_schema``
rewrites them) derive from that declaration.

Modules, each importing only those below it (no cycle, no import inside a function)::

    cli                 the ``cookiescan signatures`` click group
    ocd | lists         Open Cookie Database CSV -> pack (``_toml`` writes it) | public
                          tracker lists: install, load, ``ListedDB`` (asks them last)
    loader | matcher    files on disk -> ``Service`` records | ``SignatureDB``, the lookups
    model | listformats ``Service`` and ``Match`` | the four list formats -> one shape
      | page              | ``host_of`` a URL; ``PageContext``, the page a cookie was seen on
    validate            pydantic errors -> ``SignatureError`` messages naming file and field
      | json_schema       | writes ``service.schema.json`` and ``pack.schema.json``
    schema              the declaration: one pydantic model per table
    vocabulary          categories, other word lists, the constrained types of fields
    wildcard            any-host URL rules: how specific they must be, and their index
    errors | _toml      ``SignatureError``, ``PackWriteError`` | a small TOML writer
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from .errors import SignatureError
from .lists import ListedDB, read_lists
from .loader import BUNDLED_DIR, read_all, user_data_dir
from .matcher import SignatureDB
from .model import Match, Service
from .page import PageContext, page_context
from .vocabulary import CATEGORIES

__all__ = [
    "BUNDLED_DIR",
    "CATEGORIES",
    "ListedDB",
    "Match",
    "PageContext",
    "Service",
    "SignatureDB",
    "SignatureError",
    "load",
    "page_context",
    "user_data_dir",
]


def load(
    paths: Iterable[str | os.PathLike[str]] | None = None,
    lists: Iterable[str | os.PathLike[str]] | None = None,
) -> SignatureDB:
    """Load, validate and index signature files; return a ready ``SignatureDB``.

    ``paths`` lists files or directories of ``*.toml`` files; by default the bundled
    ``signatures/services/`` and the user data dir (packs such as the imported Open Cookie
    Database). ``lists`` names installed public list files (``signatures.lists``); by default,
    when ``paths`` is not given, every list in the user data dir. With a list the result is a
    ``ListedDB``, which asks the lists for requests nothing of ours matched. Raises
    ``SignatureError`` naming the file and field of the first problem (or the corrupt list).

    Example::

        >>> db = load()
        >>> db.service("mailjet").vendor["parent"]
        'Sinch AB'
        >>> db.match_request("https://a.b.mjt.lu/o/x.gif").pattern
        'host:mjt.lu'
    """
    services = read_all(paths)
    if lists is None and paths is not None:
        return SignatureDB(services)
    public = read_lists(None if lists is None else [Path(p) for p in lists])
    return ListedDB(services, public) if public else SignatureDB(services)
