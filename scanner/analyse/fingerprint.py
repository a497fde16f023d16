"""Fingerprinting: which recorded API uses fingerprint, by published criteria.

Pure functions of a matched ``ScanResult``. ``technique(use)`` applies, per ``ApiUse``:

- ``canvas`` (Englehardt & Narayanan 2016, as Blacklight applies them): a readback
  (``toDataURL``, ``toBlob``, ``getImageData``) of at least ``MIN_CANVAS_SIDE`` x
  ``MIN_CANVAS_SIDE`` pixels, of a canvas text was drawn on with at least
  ``MIN_TEXT_CHARS`` distinct characters or ``MIN_TEXT_COLOURS`` colours, not in a lossy
  format (jpeg, webp), and on a canvas whose context never called ``save``/``restore`` and
  that has no event listener (signs of an interactive drawing, not a probe). A chart that
  draws bars and a few labels and never reads them back is none of this.
- ``canvas-font``: at least ``MIN_FONTS`` distinct fonts set and ``MIN_MEASURES`` texts
  measured (``measureText``) by one script (the same paper's font-probing rule).
- ``webgl``: the ``UNMASKED_VENDOR_WEBGL`` / ``UNMASKED_RENDERER_WEBGL`` parameters read.
- ``audio``: an oscillator rendered by an ``OfflineAudioContext``, or read back through an
  analyser (FingerprintJS's and AudioContext fingerprinting's pattern).
- ``navigator``: at least ``MIN_PROPERTIES`` distinct ``navigator`` / ``screen`` properties
  read by one script (a sweep; analytics read a handful).

``fingerprinting(result, phase)`` groups the uses that pass by phase and service: the known
service whose signature matched the script's URL, else the script's registrable domain
(category ``unknown``, first party included). Severity: high for canvas, fonts, WebGL and
audio, medium for a navigator sweep alone, one level lower for a known service that needs
no consent (bot protection); in ``accept-all`` info (consent was given). In ``reject-all``
only uses that started after the refusal count. docs/behaviour.md has the thresholds.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from scanner.analyse.behaviour import unknown_ref
from scanner.analyse.evidence import Choice, need_of, service_ref
from scanner.collect.parties import site_of
from scanner.model import ApiUse, Phase, ScanResult

MIN_CANVAS_SIDE = 16
MIN_TEXT_CHARS = 10
MIN_TEXT_COLOURS = 2
LOSSY_FORMATS = ("image/jpeg", "image/jpg", "image/webp")
MIN_FONTS = 50
MIN_MEASURES = 50
MIN_PROPERTIES = 15
#: Techniques as strong as a cookie: high before consent. A navigator sweep alone: medium.
STRONG = frozenset({"canvas", "canvas-font", "webgl", "audio"})
_LOWER = {"high": "medium", "medium": "low", "low": "low", "info": "info"}


def canvas_readback(readback: dict[str, Any]) -> bool:
    """Whether one canvas readback meets the canvas-fingerprinting criteria."""
    try:
        width, height = int(readback.get("width") or 0), int(readback.get("height") or 0)
        chars, colours = int(readback.get("chars") or 0), int(readback.get("colours") or 0)
    except (TypeError, ValueError):
        return False
    return (
        width >= MIN_CANVAS_SIDE
        and height >= MIN_CANVAS_SIDE
        and chars > 0
        and (chars >= MIN_TEXT_CHARS or colours >= MIN_TEXT_COLOURS)
        and str(readback.get("format") or "").lower() not in LOSSY_FORMATS
        and not readback.get("avoided")
    )


def technique(use: ApiUse) -> str | None:
    """The fingerprinting technique ``use`` shows, or ``None`` (see the module docstring)."""
    facts = use.facts

    def number(key: str) -> int:
        value = facts.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    if use.api == "canvas":
        readbacks = facts.get("readbacks") or []
        ok = any(canvas_readback(r) for r in readbacks if isinstance(r, dict))
        return "canvas" if ok else None
    if use.api == "canvas-font":
        ok = number("fonts") >= MIN_FONTS and number("measures") >= MIN_MEASURES
        return "canvas-font" if ok else None
    if use.api == "webgl":
        return "webgl" if facts.get("unmasked") else None
    if use.api == "audio":
        rendered = facts.get("rendered") is True
        read = facts.get("analyser") is True and facts.get("read") is True
        return "audio" if facts.get("oscillator") is True and (rendered or read) else None
    if use.api == "navigator":
        properties = facts.get("properties") or []
        return "navigator" if len(set(map(str, properties))) >= MIN_PROPERTIES else None
    return None


def fingerprinting(
    result: ScanResult, phase: Phase
) -> list[tuple[dict[str, Any], str, list[dict[str, Any]], str]]:
    """``(service ref, severity, evidence, message)`` per service that fingerprinted."""
    phase_result = result.phase(phase)
    if phase_result is None:
        return []
    choice = Choice.of(phase_result.consent) if phase == "reject-all" else None
    if phase == "reject-all" and choice is None:
        return []
    scripts = {
        (m.page, m.value): m.service_id
        for m in result.matches
        if m.phase == phase and m.kind == "request"
    }
    by_service: dict[str, list[dict[str, Any]]] = defaultdict(list)
    refs: dict[str, dict[str, Any]] = {}
    for visit in phase_result.visits:
        for use in visit.api_uses:
            found = technique(use)
            if found is None:
                continue
            if choice is not None and not choice.after(visit, use.time_ms):
                continue
            service_id = scripts.get((visit.url, use.script))
            if service_id is not None:
                ref = service_ref(result, service_id)
            else:
                ref = unknown_ref(site_of(use.host) or use.host)
            refs[ref["id"]] = ref
            by_service[ref["id"]].append(
                {
                    "kind": "api",
                    "page": visit.url,
                    "phase": phase,
                    "api": use.api,
                    "script": use.script,
                    "host": use.host,
                    "party": use.party,
                    "time_ms": use.time_ms,
                    "calls": dict(use.calls),
                    "facts": dict(use.facts),
                    "pattern": f"fingerprinting:{found}",
                }
            )
    out = []
    for service_id, evidence in sorted(by_service.items()):
        ref = refs[service_id]
        techniques = sorted({e["pattern"].split(":", 1)[1] for e in evidence})
        severity = "high" if STRONG & set(techniques) else "medium"
        if ref["category"] != "unknown" and need_of(result.services.get(service_id)) == "exempt":
            severity = _LOWER[severity]
        if phase == "accept-all":
            severity = "info"
        when = {
            "no-interaction": "before any consent",
            "accept-all": "after “accept all”",
            "reject-all": "after “reject all”",
        }[phase]
        message = f"{ref['name']} fingerprinted the browser ({', '.join(techniques)}) {when}"
        out.append((ref, severity, evidence, message))
    return out
