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

Files: one TOML file per service in ``signatures/services/<id>.toml`` (schema in
``signatures/schema.py``), and packs of imported services (``signatures.ocd.import_csv``) in
the user data dir, ``$XDG_DATA_HOME/cookiescan/signatures/``. The project's own services take
precedence over imported ones.

Requests match, in order: URL rules of the longest host suffix, its host rule, shorter
suffixes; only when no host suffix matched, **any-host** URL rules (``[[urls]] host = "*"``
with a specific ``path`` or ``regex``) recognise self-hosted and first-party-proxied trackers
(``/matomo.php``, ``/_vercel/insights/``, ``/b/ss/``...). A host rule of any service always
wins over them; among them the most specific rule wins (``signatures/wildcard.py``).

Categories (fixed): necessary, functional, analytics, marketing, social, embedded-media, cdn,
security, consent, tag-manager (``signatures.CATEGORIES`` describes each).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from .loader import BUNDLED_DIR, read_all, user_data_dir
from .matcher import SignatureDB
from .model import CATEGORIES, Match, Service, SignatureError

__all__ = [
    "BUNDLED_DIR",
    "CATEGORIES",
    "Match",
    "Service",
    "SignatureDB",
    "SignatureError",
    "load",
    "user_data_dir",
]


def load(paths: Iterable[str | os.PathLike[str]] | None = None) -> SignatureDB:
    """Load, validate and index signature files; return a ready ``SignatureDB``.

    ``paths`` lists files or directories of ``*.toml`` files; by default the bundled
    ``signatures/services/`` and the user data dir (packs such as the imported Open Cookie
    Database). Raises ``SignatureError`` naming the file and field of the first problem.

    Example::

        >>> db = load()
        >>> db.service("mailjet").vendor["parent"]
        'Sinch AB'
        >>> db.match_request("https://a.b.mjt.lu/o/x.gif").pattern
        'host:mjt.lu'
    """
    return SignatureDB(read_all(paths))
