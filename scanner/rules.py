"""The consent rules every room shares: which service needs consent, and how to say it.

``need_of(facts)`` decides from a service's signature facts (as copied into a result):

- ``exempt``: categories ``necessary``, ``security`` and ``consent``, and every service whose
  ``compliance.consent_required`` is ``false`` (e.g. cookieless audience measurement);
- ``required``: ``consent_required = true``;
- ``depends`` (``consent_required = "depends"`` or unknown): a need for ``analytics``,
  ``marketing`` and ``social`` services (reported with medium severity); ``functional``,
  ``cdn``, ``embedded-media`` and ``tag-manager`` services count as exempt, because whether
  they need consent depends on their set-up (a font CDN, a video player in privacy mode, a
  tag manager that only loads what consent allows), which a scan cannot see.

The judge (``scanner.analyse``) applies it; the reports read its outcome from the result's
``verdict`` and use ``NEED_WORDS`` for results judged before a service had one. Pure, no I/O.
"""

from __future__ import annotations

from typing import Any

from scanner.model import ConsentNeed

EXEMPT_CATEGORIES = frozenset({"necessary", "security", "consent"})
TRACKING_CATEGORIES = frozenset({"analytics", "marketing", "social"})

#: How a report says a need: "does it need consent?" yes / depends / no.
NEED_WORDS: dict[str, str] = {"required": "yes", "depends": "depends", "exempt": "no"}


def need_of(facts: dict[str, Any] | None) -> ConsentNeed:
    """``required``, ``depends`` or ``exempt`` (see the module docstring).

    Example::

        >>> need_of({"category": "analytics", "compliance": {"consent_required": True}})
        'required'
        >>> need_of({"category": "cdn", "compliance": {"consent_required": "depends"}})
        'exempt'
    """
    facts = facts or {}
    category = facts.get("category")
    if category in EXEMPT_CATEGORIES:
        return "exempt"
    compliance = facts.get("compliance")
    required = compliance.get("consent_required") if isinstance(compliance, dict) else None
    if required is True:
        return "required"
    if required is False:
        return "exempt"
    return "depends" if category in TRACKING_CATEGORIES else "exempt"
