"""URL rules that hold on any host (``host = "*"``): how specific they must be, and their index.

Self-hosted and first-party-proxied trackers have no host of their own: a self-hosted Matomo
answers on ``stats.example.com/matomo.php``, Vercel's analytics on ``/_vercel/insights/`` of
the site itself. A wildcard rule recognises them by path::

    [[urls]]
    host = "*"
    regex = "/(matomo|piwik)\\\\.(js|php)(\\\\?|#|$)"

Rules of the game:

- ``path`` is a prefix of the URL's path and query (``tail``); ``regex`` is searched in that
  tail, never in the host (``^`` anchors at the path). ``resource`` works as elsewhere. A regex
  that starts with ``^[^?#]*`` (``PATH_ONLY``) only matches in the path, not in the query: the
  idiom for file names such as ``matomo.js`` that a query string could mention.
- A wildcard rule must be specific: its ``path``, or the literal text its ``regex`` requires
  of every match, needs at least ``MIN_LITERAL`` characters, ``MIN_ALNUM`` of them letters or
  digits (``/js/`` or ``.*`` would claim half the web).
- Wildcard rules are tried only when the host index found nothing for the request, so a host
  rule (or host URL rule) of any service wins. Among wildcard rules the most specific wins:
  the one whose path and regex require the most literal characters.
- A wildcard match has confidence ``CONFIDENCE`` (0.9: no host backs it); its pattern reads
  ``url:*/_vercel/insights/`` or ``url:* regex:...``.

Cost: a miss is one anchored match of an alternation of every path prefix plus one search of
an alternation of every regex-only rule; the per-length path dicts and the rules themselves
are only looked at on a hit.

This module imports nothing of the package: ``signatures.schema`` calls ``check_rule`` to
validate a file, and ``signatures.matcher`` fills a ``WildcardIndex`` with its own ``Match``
records (the index returns whatever it was given for the rule that wins).
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")

WILDCARD = "*"
MIN_LITERAL = 6
MIN_ALNUM = 3
CONFIDENCE = 0.9

# The regex parser of the standard library (sre); private but stable, and it avoids
# re-implementing regex parsing to find the literal text a pattern requires.
_sre: Any = importlib.import_module("re._parser")
_C: Any = importlib.import_module("re._constants")


def required_literal(regex: str) -> str:
    """The literal characters every match of ``regex`` must contain (in order, concatenated).

    Alternatives count with their poorest branch, optional parts and character classes not
    at all; positive lookarounds count (what they require is required).

    Example::

        >>> required_literal(r"/(matomo|piwik)\\.(js|php)")
        '/piwik.js'
        >>> required_literal(r".*\\.js")
        '.js'
    """
    return _required(_sre.parse(regex))


def _required(items: Any) -> str:
    out = []
    for op, arg in items:
        if op is _C.LITERAL:
            out.append(chr(arg))
        elif op is _C.SUBPATTERN:
            out.append(_required(arg[-1]))
        elif op is _C.ATOMIC_GROUP:
            out.append(_required(arg))
        elif op is _C.BRANCH:
            out.append(min((_required(b) for b in arg[1]), key=_score))
        elif op in (_C.MAX_REPEAT, _C.MIN_REPEAT, _C.POSSESSIVE_REPEAT):
            low, _high, inner = arg
            if low >= 1:
                out.append(_required(inner))
        elif op is _C.ASSERT:  # positive lookahead / lookbehind
            out.append(_required(arg[1]))
        # IN, ANY, AT, NOT_LITERAL, CATEGORY, ASSERT_NOT, GROUPREF...: no literal required
    return "".join(out)


def _score(text: str) -> tuple[int, int]:
    return sum(c.isalnum() for c in text), len(text)


def literal_of(rule: dict[str, Any]) -> str:
    """The literal text a URL rule requires: its path, or what its regex requires, the longer.

    Example::

        >>> literal_of({"host": "*", "path": "/b/ss/", "regex": "^/b/ss/[^/?]+/[0-9]+/"})
        '/b/ss///'
    """
    path = rule.get("path", "")
    regex = required_literal(rule["regex"]) if "regex" in rule else ""
    return max(path, regex, key=_score)


def check_rule(rule: dict[str, Any]) -> str | None:
    """Why a wildcard rule is too broad, or ``None`` when it is specific enough.

    Example::

        >>> check_rule({"host": "*", "path": "/js/"})
        "is too broad for host '*': '/js/' has 4 literal characters, needs 6 with 3 letters or digits"
        >>> check_rule({"host": "*", "path": "/_vercel/insights/"}) is None
        True
    """  # noqa: E501
    if not ({"path", "regex"} & rule.keys()):
        return "needs 'path' or 'regex' when host is '*' (a resource type alone matches anything)"
    literal = literal_of(rule)
    alnum, length = _score(literal)
    if length >= MIN_LITERAL and alnum >= MIN_ALNUM:
        return None
    return (
        f"is too broad for host '*': {literal!r} has {length} literal characters, "
        f"needs {MIN_LITERAL} with {MIN_ALNUM} letters or digits"
    )


def specificity(rule: dict[str, Any]) -> int:
    """How much literal text a rule requires: longer path and regex literals rank first."""
    path = rule.get("path", "")
    return len(path) + (len(required_literal(rule["regex"])) if "regex" in rule else 0)


@dataclass(frozen=True)
class _Rule(Generic[T]):
    path: str | None
    regex: re.Pattern[str] | None
    resource: str | None
    rank: tuple[int, int, int]  # (imported, -specificity, load order): smallest wins
    payload: T

    def fits(self, tail: str, resource_type: str | None) -> bool:
        if self.resource is not None and self.resource != resource_type:
            return False
        return self.regex is None or self.regex.search(tail) is not None


class WildcardIndex(Generic[T]):
    """Wildcard URL rules: a path-prefix dict per path length, and one regex alternation.

    Each rule carries a payload (the matcher's ``Match``); ``lookup`` returns the payload of
    the rule that wins, or ``None``.

    Example::

        >>> index = WildcardIndex()
        >>> index.add({"host": "*", "path": "/_vercel/"}, "vercel", imported=False, order=0)
        >>> index.freeze()
        >>> index.lookup("/_vercel/insights/view", None)
        'vercel'
        >>> index.lookup("/about/", None) is None
        True
    """

    def __init__(self) -> None:
        self._by_path: dict[str, list[_Rule[T]]] = {}
        self._lengths: tuple[int, ...] = ()
        self._any_path: re.Pattern[str] | None = None
        self._regex_rules: list[_Rule[T]] = []
        self._loose: list[_Rule[T]] = []
        self._any: re.Pattern[str] | None = None

    def __len__(self) -> int:
        return sum(map(len, self._by_path.values())) + len(self._regex_rules)

    def add(self, rule: dict[str, Any], payload: T, imported: bool, order: int) -> None:
        """Index one ``[[urls]]`` table whose host is ``*`` (already validated).

        Own rules (``imported=False``) beat imported ones, then the more specific rule, then
        the one added first (lower ``order``).
        """
        regex = re.compile(rule["regex"]) if "regex" in rule else None
        rank = (int(imported), -specificity(rule), order)
        indexed = _Rule(rule.get("path"), regex, rule.get("resource"), rank, payload)
        if indexed.path is not None:
            self._by_path.setdefault(indexed.path, []).append(indexed)
        else:
            self._regex_rules.append(indexed)

    def freeze(self) -> None:
        """Sort the rules and compile the alternation; call once after the last ``add``."""
        for rules in self._by_path.values():
            rules.sort(key=lambda r: r.rank)
        self._lengths = tuple(sorted({len(p) for p in self._by_path}, reverse=True))
        # One anchored alternation of every path answers "could any path rule apply?" in a
        # single C-level match; the dict probes per path length only run when it does.
        paths = sorted(self._by_path, key=len, reverse=True)
        self._any_path = re.compile("|".join(map(re.escape, paths))) if paths else None
        self._regex_rules.sort(key=lambda r: r.rank)
        # A regex with inline global flags, named groups or back-references cannot share an
        # alternation (group numbers shift, flags leak): such rare rules are tried one by one.
        joinable = [r for r in self._regex_rules if r.regex is not None and _joinable(r.regex)]
        self._loose = [r for r in self._regex_rules if r not in joinable]
        sources = [f"(?:{_prefilter(r.regex.pattern)})" for r in joinable if r.regex is not None]
        self._any = re.compile("|".join(sources)) if sources else None

    def lookup(self, tail: str, resource_type: str | None) -> T | None:
        """The payload of the best wildcard rule for a URL's path-and-query ``tail``."""
        best: _Rule[T] | None = None
        by_path = self._by_path
        lengths = self._lengths if self._any_path and self._any_path.match(tail) else ()
        for length in lengths:
            rules = by_path.get(tail[:length])
            if rules:
                for rule in rules:  # sorted: the first that fits is the best of its path
                    if best is not None and rule.rank >= best.rank:
                        break
                    if rule.fits(tail, resource_type):
                        best = rule
                        break
        if self._loose or (self._any is not None and self._any.search(tail) is not None):
            for rule in self._regex_rules:  # looped over only on a hit of the alternation
                if best is not None and rule.rank >= best.rank:
                    break
                if rule.fits(tail, resource_type):
                    best = rule
                    break
        return best.payload if best is not None else None


PATH_ONLY = "^[^?#]*"


def _prefilter(source: str) -> str:
    """What the alternation searches for a rule: its regex, minus a leading ``^[^?#]*``.

    ``^[^?#]*/matomo\\.js`` (in the path, not the query) backtracks over the whole path in
    every branch; ``/matomo\\.js`` alone is a cheap, necessary condition, and the rule's own
    regex confirms each hit.
    """
    return source[len(PATH_ONLY) :] if source.startswith(PATH_ONLY) else source


_UNJOINABLE = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")


def _joinable(regex: re.Pattern[str]) -> bool:
    extra_flags = regex.flags & ~re.UNICODE
    return not (extra_flags or regex.groupindex or _UNJOINABLE.search(regex.pattern))
