"""Google Consent Mode, read off Google's own requests: what the tag said consent was.

A Google tag (GA4, Ads, Floodlight) that runs under Consent Mode tells Google, in every hit,
the consent state it believes in: ``gcs`` (v1: ``G1`` + ad_storage + analytics_storage, ``1``
granted, ``0`` denied) and ``gcd`` (v2: a letter per signal — ad_storage, analytics_storage,
ad_user_data, ad_personalization — saying its default and its update). So a hit sent before
the visitor chose, saying *granted*, is a plain violation (the site granted consent by
itself); one saying *denied* is a cookieless "denied ping" (Advanced Consent Mode): still a
request to Google from the visitor's device before consent, reported, at lower severity.

Letters of ``gcd`` (as Google's tags write them): ``l`` not set; ``p`` denied by default;
``q`` denied by default and by update; ``t`` granted by default; ``r`` denied by default,
granted by update; ``m`` denied by update; ``n`` granted by update; ``u`` granted by default,
denied by update; ``v`` granted by default and by update. The update wins.

Example::

    >>> state = read_url("https://www.google-analytics.com/g/collect?v=2&gcs=G100&gcd=13p3p3p3p5")
    >>> state.storage, state.signals["analytics_storage"]
    ('denied', 'denied')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

State = Literal["granted", "denied", "unknown"]
SIGNALS = ("ad_storage", "analytics_storage", "ad_user_data", "ad_personalization")
_GRANTED, _DENIED = set("trnv"), set("pqmu")
_GCS = re.compile(r"^G1([01])([01])$")


@dataclass(frozen=True)
class ConsentModeState:
    """The consent state one Google hit carried."""

    gcs: str | None = None
    gcd: str | None = None
    signals: dict[str, State] = field(default_factory=dict)
    """Each signal's state, from ``gcd`` (v2) or ``gcs`` (v1: the storage signals only)."""

    @property
    def storage(self) -> State:
        """granted when either storage signal is granted, denied when both are denied."""
        states = [self.signals.get(s, "unknown") for s in ("ad_storage", "analytics_storage")]
        if "granted" in states:
            return "granted"
        if states and all(s == "denied" for s in states):
            return "denied"
        return "unknown"


def _letter(letter: str) -> State:
    if letter in _GRANTED:
        return "granted"
    if letter in _DENIED:
        return "denied"
    return "unknown"


def parse_gcd(gcd: str) -> dict[str, State]:
    """The four signals of a ``gcd`` value (letters at positions 2, 4, 6, 8); {} when the
    value has another shape."""
    if not re.fullmatch(r"\d{2}[a-z]\d[a-z]\d[a-z]\d[a-z]\d.*", gcd or ""):
        return {}
    return {name: _letter(gcd[2 + 2 * i]) for i, name in enumerate(SIGNALS)}


def parse_gcs(gcs: str) -> dict[str, State]:
    """The storage signals of a ``gcs`` value (``G1xy``); {} for another shape."""
    match = _GCS.match(gcs or "")
    if not match:
        return {}
    as_state = {"1": "granted", "0": "denied"}
    return {"ad_storage": as_state[match[1]], "analytics_storage": as_state[match[2]]}  # type: ignore[dict-item]


def read_url(url: str, body: str | None = None) -> ConsentModeState | None:
    """The Consent Mode state of a Google hit (``gcs``/``gcd`` in its query or its
    form-encoded body); None when the request carries neither."""
    params = parse_qs(urlsplit(url).query)
    if body and ("gcs=" in body or "gcd=" in body):
        for line in body.splitlines():  # GA4 batches hits, one query string a line
            for key, values in parse_qs(line).items():
                params.setdefault(key, values)
    gcs = next(iter(params.get("gcs", [])), None)
    gcd = next(iter(params.get("gcd", [])), None)
    if gcs is None and gcd is None:
        return None
    signals = parse_gcs(gcs or "")
    signals.update(parse_gcd(gcd or ""))  # v2 is finer, and wins
    return ConsentModeState(gcs=gcs, gcd=gcd, signals=signals)


def annotate(evidence: list[dict[str, Any]]) -> State | None:
    """Add ``consent_mode`` ({gcs, gcd, storage}) to each request item of a service's
    evidence that carries Consent Mode; the service's overall state: ``granted`` when any hit
    said storage granted, ``denied`` when every hit that said anything said denied, None when
    no hit carried Consent Mode."""
    states = []
    for item in evidence:
        if item.get("kind") != "request" or not item.get("url"):
            continue
        state = read_url(str(item["url"]))
        if state is None:
            continue
        item["consent_mode"] = {"gcs": state.gcs, "gcd": state.gcd, "storage": state.storage}
        states.append(state.storage)
    if not states:
        return None
    if "granted" in states:
        return "granted"
    return "denied" if all(s == "denied" for s in states) else "unknown"
