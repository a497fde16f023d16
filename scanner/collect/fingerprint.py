"""The fingerprinting init script (``fingerprint.js``) and what it reports, checked.

``fingerprint.js`` runs before the page's scripts in every frame and records, per script
URL, the calls fingerprinting scripts make: canvas drawing and readback, canvas font
probing, WebGL ``UNMASKED_*`` parameters, AudioContext / OfflineAudioContext rendering and
reads of ``navigator`` / ``screen`` properties. It sends cumulative summaries on its own
secret channel, built like ``page_scripts.Channel`` (a random binding name removed from the
page's reach, and a token the page never sees), so a page cannot report calls it did not
make. ``read_report`` checks and bounds what arrives; the criteria that decide what is
fingerprinting are the judge's (``scanner.analyse.fingerprint``).

Example::

    channel = ApiChannel.new()
    await context.expose_binding(channel.name, on_report)
    await context.add_init_script(api_hook(channel))
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.collect.page_scripts import PLAYWRIGHT_BINDING, PLAYWRIGHT_CONTROLLER

#: The APIs the script reports on (``ApiUse.api``).
APIS = frozenset({"canvas", "canvas-font", "webgl", "audio", "navigator"})
_SOURCE = (Path(__file__).parent / "fingerprint.js").read_text(encoding="utf-8")
_MAX_PAYLOAD = 20_000
_MAX_ITEMS = 64


@dataclass(frozen=True)
class ApiChannel:
    """The secret binding name and token of one context's fingerprinting reports."""

    name: str
    token: str

    @classmethod
    def new(cls) -> ApiChannel:
        return cls(name="_" + secrets.token_hex(16), token=secrets.token_hex(32))

    def accepts(self, token: object) -> bool:
        """True when ``token`` is this channel's (constant-time comparison)."""
        return isinstance(token, str) and secrets.compare_digest(token, self.token)


def api_hook(channel: ApiChannel) -> str:
    """The init script that reports fingerprinting-prone calls on ``channel``."""
    return (
        _SOURCE.replace("__CHANNEL__", json.dumps({"name": channel.name, "token": channel.token}))
        .replace("__RAW__", json.dumps(PLAYWRIGHT_BINDING))
        .replace("__CONTROLLER__", json.dumps(PLAYWRIGHT_CONTROLLER))
    )


def _scalar(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return max(0, min(int(value), 10**7))
    if isinstance(value, str):
        return value[:100]
    return None


def read_report(api: str, payload: str) -> tuple[dict[str, int], dict[str, Any]] | None:
    """The calls and facts of one report, bounded; ``None`` when it is not one of ours.

    Example::

        >>> read_report("webgl", '{"calls": {"x": 2}, "facts": {"unmasked": ["A"]}}')
        ({'x': 2}, {'unmasked': ['A']})
    """
    if api not in APIS or len(payload) > _MAX_PAYLOAD:
        return None
    try:
        data = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    raw_calls, raw_facts = data.get("calls"), data.get("facts")
    if not isinstance(raw_calls, dict) or not isinstance(raw_facts, dict):
        return None
    calls = {
        str(k)[:100]: _scalar(v)
        for k, v in list(raw_calls.items())[:_MAX_ITEMS]
        if isinstance(v, int) and not isinstance(v, bool)
    }
    facts: dict[str, Any] = {}
    for key, value in list(raw_facts.items())[:_MAX_ITEMS]:
        if isinstance(value, list):
            facts[str(key)[:100]] = [
                {str(k)[:50]: _scalar(v) for k, v in item.items()}
                if isinstance(item, dict)
                else _scalar(item)
                for item in value[:_MAX_ITEMS]
            ]
        else:
            facts[str(key)[:100]] = _scalar(value)
    return calls, facts


def merge_facts(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Facts of one script from two frames: lists joined, numbers their maximum, flags or-ed.

    Example::

        >>> merge_facts({"fonts": 3, "properties": ["a"]}, {"fonts": 5, "properties": ["a", "b"]})
        {'fonts': 5, 'properties': ['a', 'b']}
    """
    out = dict(old)
    for key, value in new.items():
        known = out.get(key)
        if isinstance(value, list) and isinstance(known, list):
            out[key] = (known + [v for v in value if v not in known])[:_MAX_ITEMS]
        elif isinstance(value, bool) and isinstance(known, bool):
            out[key] = known or value
        elif isinstance(value, int) and isinstance(known, int):
            out[key] = max(known, value)
        else:
            out[key] = value
    return out
