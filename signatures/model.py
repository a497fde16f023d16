"""The records of the signature database: ``Service`` and ``Match``.

A ``Service`` keeps the facts of one signature file exactly as written (``to_dict()`` returns
them with the TOML keys), plus where it was loaded from. A ``Match`` ties one observation to a
service and keeps the exact, human-readable rule that matched, so a finding can always be
traced back to its rule.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Literal

from .validate import validate_service

MatchKind = Literal["request", "cookie", "storage"]


@dataclass(frozen=True)
class Service:
    """One service (Mailjet, Segment...) with every fact its signature file gives.

    ``origin`` is the file it came from; ``pack`` the name of the imported pack it belongs to,
    or ``None`` for the project's own (bundled) and user-written services, which take
    precedence over imported ones. Two services are equal when their id and origin are.

    Example::

        >>> s = Service.from_dict({"id": "x", "name": "X", "category": "cdn",
        ...                        "description": "A CDN.", "vendor": {"name": "X Inc"}})
        >>> s.id, s.category, s.vendor["name"]
        ('x', 'cdn', 'X Inc')
    """

    id: str
    name: str
    category: str
    origin: str = "<memory>"
    pack: str | None = None
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], origin: str = "<memory>", pack: str | None = None
    ) -> Service:
        """Validate ``data`` (one service, declared by ``signatures.schema.ServiceFile``) and
        build a ``Service`` that keeps a copy of it.

        Raises ``SignatureError`` naming ``origin`` and the faulty field.
        """
        validate_service(data, origin, imported=pack is not None)
        return cls(
            id=data["id"],
            name=data["name"],
            category=data["category"],
            origin=origin,
            pack=pack,
            data=copy.deepcopy(data),
        )

    @property
    def imported(self) -> bool:
        """True when the service comes from an imported pack (lower precedence)."""
        return self.pack is not None

    @property
    def vendor(self) -> dict[str, Any]:
        """The ``[vendor]`` table (``{}`` when absent)."""
        return self.data.get("vendor", {})

    @property
    def hosts(self) -> list[str]:
        """Host suffixes that belong to this service alone."""
        return self.data.get("hosts", [])

    @property
    def compliance(self) -> dict[str, Any]:
        """The ``[compliance]`` table (``{}`` when nothing is known)."""
        return self.data.get("compliance", {})

    def to_dict(self) -> dict[str, Any]:
        """Every fact of the service as a JSON-ready dict, keys equal to the TOML keys.

        This dict is what a scan result copies, so reports render without the database.

        Example::

            >>> Service.from_dict({"id": "x", "name": "X", "category": "cdn",
            ...     "description": "A CDN.", "vendor": {"name": "X"}}).to_dict()["category"]
            'cdn'
        """
        return copy.deepcopy(self.data)


@dataclass(frozen=True)
class Match:
    """An observation tied to a service by one rule.

    - ``signature_id``: the id of the service whose signature matched (``"mailjet"``).
    - ``pattern``: the exact rule that matched, human readable: ``host:mjt.lu``,
      ``url:google.com/recaptcha/``, ``cookie:mj.preferences``, ``cookie-prefix:_ga_``,
      ``cookie-regex:^_pk_id\\.``, ``storage:ajs_anonymous_id`` (a cookie rule with a domain
      reads ``cookie:uid domain:adform.net``); an any-host URL rule reads
      ``url:*/_vercel/insights/`` or ``url:* regex:^[^?#]*/(matomo|piwik)\\.(js|php)(\\?|#|$)``.
    - ``service``: the ``Service`` itself (``match.service.to_dict()`` for every fact).
    - ``kind``: what was matched: ``request``, ``cookie`` or ``storage``.
    - ``confidence``: 1.0 for host and URL rules, 0.9 for any-host URL rules (no host backs
      them); for cookies and storage keys 0.9 (exact),
      0.8 (prefix), 0.7 (regex), +0.1 when the cookie domain agrees with the rule's domain,
      -0.3 when the rule names a domain and the cookie's domain is another one.
    """

    signature_id: str
    pattern: str
    service: Service
    kind: MatchKind
    confidence: float = 1.0
