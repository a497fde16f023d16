"""``[[urls]]`` rules once loaded: how a rule reads in a match, and whether a request fits it
(its path, regex, resource type, and its shape: ``method`` and ``body_keys``, the top-level
keys of a JSON body, never its values).

``ShapedRules`` holds the any-host rules that ask for a request shape (a tracker's event
endpoint behind a first-party proxy, e.g. Plausible's ``POST /api/event`` with keys n, u, d).
They are few, so a plain loop tries them, own before imported, in load order.

Example::

    >>> rule = url_rule({"host": "*", "regex": "/event$", "method": "POST",
    ...                  "body_keys": ["n", "u"]}, "plausible")
    >>> rule.fits("/stats/api/event", "fetch", "POST", ("n", "u", "d"))
    True
    >>> rule.fits("/api/event", "fetch", "POST", ("type",))
    False
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class UrlRule(Generic[T]):
    """One loaded URL rule; ``match`` is what the matcher returns when it wins."""

    path: str | None
    regex: re.Pattern[str] | None
    resource: str | None
    match: T
    method: str | None = None
    body_keys: frozenset[str] | None = None

    def shape_fits(self, method: str | None, body_keys: Iterable[str] | None) -> bool:
        """The request's method and JSON body keys are what the rule asks for."""
        if self.method is not None and self.method != method:
            return False
        return self.body_keys is None or (
            body_keys is not None and self.body_keys.issubset(body_keys)
        )

    def fits(
        self,
        text: str,
        resource_type: str | None,
        method: str | None = None,
        body_keys: Iterable[str] | None = None,
    ) -> bool:
        """``text`` (the path and query; the whole URL for a host rule's regex) and the
        request's resource type and shape fit the rule (``path`` is tried on ``text``)."""
        if self.path is not None and not text.startswith(self.path):
            return False
        if self.resource is not None and self.resource != resource_type:
            return False
        if self.regex is not None and not self.regex.search(text):
            return False
        return self.shape_fits(method, body_keys)


def url_pattern(rule: dict[str, Any]) -> str:
    """How a ``[[urls]]`` rule reads in a match: ``url:*/b/ss/ regex:^/b/ss/[^/?]+/``,
    ``url:* regex:/event$ method:POST body_keys:n,u,d``."""
    pattern = "url:" + rule["host"] + rule.get("path", "")
    if "regex" in rule:
        pattern += f" regex:{rule['regex']}"
    if "resource" in rule:
        pattern += f" resource:{rule['resource']}"
    if "method" in rule:
        pattern += f" method:{rule['method']}"
    if "body_keys" in rule:
        pattern += " body_keys:" + ",".join(rule["body_keys"])
    return pattern


def url_rule(rule: dict[str, Any], match: T) -> UrlRule[T]:
    """A validated ``[[urls]]`` table, compiled."""
    regex = re.compile(rule["regex"]) if "regex" in rule else None
    keys = frozenset(rule["body_keys"]) if "body_keys" in rule else None
    return UrlRule(rule.get("path"), regex, rule.get("resource"), match, rule.get("method"), keys)


def shaped(rule: dict[str, Any]) -> bool:
    """Whether a rule asks for a request shape (a method or body keys)."""
    return "method" in rule or "body_keys" in rule


class ShapedRules(Generic[T]):
    """Any-host rules that ask for a method or body keys; own before imported, load order."""

    def __init__(self) -> None:
        self._rules: list[tuple[bool, int, UrlRule[T]]] = []

    def add(self, rule: dict[str, Any], match: T, imported: bool, order: int) -> None:
        self._rules.append((imported, order, url_rule(rule, match)))
        self._rules.sort(key=lambda item: item[:2])

    def lookup(
        self,
        tail: str,
        resource_type: str | None,
        method: str | None,
        body_keys: Iterable[str] | None,
    ) -> T | None:
        """The match of the first rule that fits, or ``None``."""
        if not self._rules or (method is None and body_keys is None):
            return None
        keys = set(body_keys) if body_keys is not None else None
        for _, _, rule in self._rules:
            if rule.fits(tail, resource_type, method, keys):
                return rule.match
        return None
