"""Which stored values are identifiers, and which requests carry one.

Pure functions, no browser. ``looks_like_identifier`` is the rule of docs/behaviour.md
(after the "identifier cookie" tests of Englehardt et al.'s OpenWPM studies, which a single
browser can only approximate): a value is an identifier when one of its tokens has at least
``MIN_LENGTH`` characters, at least ``MIN_BITS_PER_CHAR`` bits of Shannon entropy per
character, and is not a date, a clock reading (Unix seconds or milliseconds), a boolean or a
word. ``Identifiers`` holds the identifier values of one browser context (cookies and
storage of every party) and finds them, plain, URL-encoded or base64-encoded, in a
request's URL query and body; values themselves never leave the collector.

Example::

    >>> looks_like_identifier("8f14e45fceea167a5a36")
    True
    >>> [looks_like_identifier(v) for v in ("true", "accepted", "2024-05-01", "1716200000")]
    [False, False, False, False]
"""

from __future__ import annotations

import base64
import math
import re
from collections import Counter
from urllib.parse import quote, unquote, urlsplit

from scanner.model import Carried

#: A token shorter than this is no identifier (8: Englehardt et al.).
MIN_LENGTH = 8
#: Shannon entropy a token needs, in bits per character ("aaaaaaaa" has 0, hex ~3.5+).
MIN_BITS_PER_CHAR = 2.5
#: Values longer than this are not matched against requests (documents, JSON blobs).
MAX_MATCH_LENGTH = 512

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*")
_DATE = re.compile(r"\b(?:19|20)\d\d-?(?:0[1-9]|1[0-2])-?(?:0[1-9]|[12]\d|3[01])(?:T[\d:.]+Z?)?\b")
_WORDS = frozenset({"true", "false", "null", "undefined", "none", "yes", "no"})


def bits_per_char(text: str) -> float:
    """Shannon entropy of ``text`` in bits per character."""
    if not text:
        return 0.0
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _clock(token: str) -> bool:
    """A Unix time in seconds or milliseconds between 2001 and 2100."""
    if not token.isdigit() or len(token) not in (10, 13):
        return False
    seconds = int(token) / (1000 if len(token) == 13 else 1)
    return 978_307_200 <= seconds <= 4_102_444_800


def _word(token: str) -> bool:
    letters = token.replace("-", "").replace("_", "")
    return letters.isalpha() and (letters.islower() or letters.isupper() or letters.istitle())


def identifier_tokens(value: str) -> list[str]:
    """The tokens of ``value`` that pass the identifier rule (empty: not an identifier)."""
    text = unquote(value or "").strip().strip('"')
    if len(text) < MIN_LENGTH or text.lower() in _WORDS:
        return []
    found = []
    for token in _TOKEN.findall(_DATE.sub(" ", text)):
        if len(token) < MIN_LENGTH or _clock(token) or _word(token):
            continue
        if bits_per_char(token) >= MIN_BITS_PER_CHAR:
            found.append(token)
    return found


def looks_like_identifier(value: str) -> bool:
    """Whether a cookie or storage value is an identifier (see the module docstring)."""
    return bool(identifier_tokens(value))


def encodings(value: str) -> list[tuple[str, str]]:
    """``(text, encoding)`` forms a request may carry ``value`` in: plain, url, base64."""
    forms = [(value, "plain")]
    quoted = quote(value, safe="")
    if quoted != value:
        forms.append((quoted, "url"))
    raw = value.encode("utf-8", "surrogatepass")
    for b64 in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        text = b64.decode("ascii").rstrip("=")
        if len(text) >= MIN_LENGTH and (text, "base64") not in forms:
            forms.append((text, "base64"))
    return forms


class Identifiers:
    """The identifier values of one browser context, to find in requests.

    Example::

        >>> ids = Identifiers()
        >>> ids.add("cookie", "uid", "t.example.net", "u-8f14e45fceea167a")
        >>> [c.encoding for c in ids.carried("https://t.example.net/p.gif?u=u-8f14e45fceea167a")]
        ['plain']
    """

    def __init__(self) -> None:
        #: text -> [(source, name, owner, encoding)], every stored value it is a form of
        self.forms: dict[str, list[tuple[str, str, str, str]]] = {}

    def add(self, source: str, name: str, owner: str, value: str) -> None:
        if not value or len(value) > MAX_MATCH_LENGTH:
            return
        tokens = identifier_tokens(value)
        if not tokens:
            return
        for candidate in dict.fromkeys([value, *tokens]):
            for text, encoding in encodings(candidate):
                if len(text) < MIN_LENGTH:
                    continue
                labels = self.forms.setdefault(text, [])
                if not any(x[:3] == (source, name, owner) for x in labels):
                    labels.append((source, name, owner, encoding))

    def carried(self, url: str, body: str | None = None) -> tuple[Carried, ...]:
        """The identifiers in ``url``'s query and fragment, and in ``body`` (the URL's path
        is left out: build hashes and content ids live there)."""
        if not self.forms:
            return ()
        parts = urlsplit(url)
        places = [("url", f"{parts.query}#{parts.fragment}"), ("body", body or "")]
        found: dict[tuple[str, str, str, str], Carried] = {}
        for where, text in places:
            if len(text) < MIN_LENGTH:
                continue
            for form, labels in self.forms.items():
                if form not in text:
                    continue
                for source, name, owner, encoding in labels:
                    if (source, name, owner, where) not in found:
                        found[(source, name, owner, where)] = Carried(
                            source,  # type: ignore[arg-type]
                            name,
                            owner,
                            where,  # type: ignore[arg-type]
                            encoding,  # type: ignore[arg-type]
                        )
        return tuple(found.values())
