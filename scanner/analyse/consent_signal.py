"""The consent signal a page gives its vendors after the visitor refused: what the IAB TCF API
(``__tcfapi``) and the TCF EU v2 section of the GPP API (``__gpp``) answered once "reject all"
was clicked (``ConsentAction.details["tcf_after"]`` / ``["gpp_after"]``, read by
``scanner.consent.tcf`` about a second after the click).

Ad tech on the page reads these APIs, not the banner: a CMP that still answers "consent" after
"reject all" lets every vendor act on a consent the visitor refused. What is judged:

- only the ``reject-all`` phase, and only when its click was done (``outcome == "done"``):
  consent after "accept all" is right, and without a refusal nothing is "after" it;
- TCF: purposes with consent (``purpose_consents``) or vendors with consent
  (``vendor_consent_count``). Legitimate interests are not consent and are not judged here;
- GPP: its TCF EU v2 section only, decoded by ``scanner.analyse.gpp.gpp_consent`` (parsed
  sections, else the TC string's purpose bits). The US sections (``usnat``, ``usca``...) are
  opt-out signals, not consent claims, and are never judged;
- an API that is absent or answered with an error says nothing, and is no finding.

Example::

    found = signal_after_reject(result)   # None, or (evidence items, message)
    evidence, message = found
    evidence[0]["kind"], evidence[0]["purpose_consents"]    # ('tcf', [1, 2, 3, 4, 7, 9, 10])
"""

from __future__ import annotations

from typing import Any

from scanner.analyse.gpp import gpp_consent
from scanner.model import ScanResult

#: The evidence item's ``api`` for each kind.
APIS = {"tcf": "TCF API", "gpp": "GPP API (its TCF EU v2 section)"}


def signal_after_reject(result: ScanResult) -> tuple[list[dict[str, Any]], str] | None:
    """The consent the TCF/GPP APIs still claimed after "reject all": evidence and message,
    or ``None`` (no refusal done, no API, or the APIs said no consent)."""
    phase = result.phase("reject-all")
    action = phase.consent if phase is not None else None
    if action is None or action.outcome != "done":
        return None
    base = {"phase": "reject-all", "page": action.page, "clicked_ms": action.details.get("time_ms")}
    evidence: list[dict[str, Any]] = []
    tcf = action.details.get("tcf_after")
    if isinstance(tcf, dict) and (tcf.get("purpose_consents") or tcf.get("vendor_consent_count")):
        evidence.append(
            {"kind": "tcf", "api": "__tcfapi"}
            | base
            | {
                "cmp_id": tcf.get("cmp_id"),
                "tc_string": tcf.get("tc_string"),
                "event_status": tcf.get("event_status"),
                "gdpr_applies": tcf.get("gdpr_applies"),
                "purpose_consents": tcf.get("purpose_consents") or [],
                "vendor_consent_count": tcf.get("vendor_consent_count") or 0,
                "same_as_before": _same(tcf, action.details.get("tcf_before")),
            }
        )
    gpp = action.details.get("gpp_after")
    if isinstance(gpp, dict) and (granted := gpp_consent(gpp)) is not None:
        evidence.append(
            {"kind": "gpp", "api": "__gpp"}
            | base
            | {
                "cmp_id": gpp.get("cmp_id"),
                "gpp_string": gpp.get("gpp_string"),
                "signal_status": gpp.get("signal_status"),
                "cmp_status": gpp.get("cmp_status"),
            }
            | granted
            | {"same_as_before": _same(granted, _gpp_before(action.details.get("gpp_before")))}
        )
    if not evidence:
        return None
    for item in evidence:
        item["time_ms"] = None  # read after the click and its settle time, not timed itself
    apis = " and the ".join(APIS[e["kind"]] for e in evidence)
    first = evidence[0]
    message = (
        f"After “reject all”, the {apis} still told the page's vendors that consent was given: "
        f"purposes {first['purpose_consents']} and {first['vendor_consent_count']} vendor(s)"
    )
    if all(e["same_as_before"] for e in evidence):
        message += "; the refusal did not change the signal"
    return evidence, message


def _gpp_before(before: Any) -> dict[str, Any] | None:
    """What the GPP answer before the click granted (``{}``: nothing), ``None``: not read."""
    if not isinstance(before, dict) or before.get("error"):
        return None
    return gpp_consent(before) or {}


def _same(after: dict[str, Any], before: Any) -> bool | None:
    """Whether the refusal left the consent signal as it was (``None``: not read before)."""
    if not isinstance(before, dict) or before.get("error"):
        return None
    keys = ("purpose_consents", "vendor_consent_count")
    return all((after.get(k) or None) == (before.get(k) or None) for k in keys)
