"""What a recorded IAB GPP answer (``ConsentAction.details["gpp_before"]``, read by
``scanner.consent.tcf.read_gpp``) honestly says of consent: the purposes its TCF EU v2
section grants.

Only the EU TCF v2 section (GPP section id 2, ``tcfeuv2``) is an opt-in signal; the US
sections (``usnat``, ``usca``...) are opt-out signals, and a visitor who has not opted out
before any choice is no finding. The purposes are read from the CMP's own parsed sections
when it gave them (``PurposeConsents``, booleans; ``VendorConsents``, ids), else decoded from
the GPP string: its TCF EU v2 section is a TC string, whose core segment holds the purpose
and vendor consents (``scanner.analyse.tcstring.decode_core``).

Example::

    >>> gpp_consent({"parsed_sections": {"tcfeuv2": [{"PurposeConsents": [True, False, True]}]}})
    {'section': 'tcfeuv2', 'purpose_consents': [1, 3], 'vendor_consent_count': 0, 'read_from': 'parsed_sections'}
    >>> gpp_consent({"gpp_string": "DBABMA~CQAAAAAQAAAAAPoABBENBJFgAAAAAEPgAAAAAAAAAAAA",
    ...              "section_list": [2]}) is None
    True
"""  # noqa: E501

from __future__ import annotations

from typing import Any

from scanner.analyse.tcstring import decode_core

#: The GPP section id and name of the EU TCF v2 section.
TCF_EU_ID, TCF_EU = 2, "tcfeuv2"


def gpp_consent(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """The consent a GPP answer grants through its TCF EU v2 section, or ``None`` (no such
    section, or it grants no purpose and no vendor)."""
    if not isinstance(data, dict):
        return None
    found = _from_parsed(data.get("parsed_sections")) or _from_string(data)
    if found is None or not (found["purpose_consents"] or found["vendor_consent_count"]):
        return None
    return found


def _from_parsed(sections: Any) -> dict[str, Any] | None:
    section = sections.get(TCF_EU) if isinstance(sections, dict) else None
    core = section[0] if isinstance(section, list) and section else section
    if not isinstance(core, dict):
        return None
    purposes = core.get("PurposeConsents", core.get("PurposeConsent"))
    vendors = core.get("VendorConsents", core.get("VendorConsent"))
    if not isinstance(purposes, list) and not isinstance(vendors, list):
        return None
    return {
        "section": TCF_EU,
        "purpose_consents": _ids(purposes),
        "vendor_consent_count": _count(vendors),
        "read_from": "parsed_sections",
    }


def _ids(values: Any) -> list[int]:
    """Purpose ids from a list of booleans (index + 1) or of ids."""
    if not isinstance(values, list):
        return []
    if all(isinstance(v, bool) for v in values):
        return [i + 1 for i, v in enumerate(values) if v]
    return sorted({v for v in values if isinstance(v, int) and not isinstance(v, bool)})


def _count(values: Any) -> int:
    if not isinstance(values, list):
        return 0
    if all(isinstance(v, bool) for v in values):
        return sum(values)
    return len({v for v in values if isinstance(v, int)})


def _from_string(data: dict[str, Any]) -> dict[str, Any] | None:
    text, ids = data.get("gpp_string"), data.get("section_list")
    if not isinstance(text, str) or not isinstance(ids, list) or TCF_EU_ID not in ids:
        return None
    parts = text.split("~")[1:]  # after the header, one part per section, in section_list order
    if len(parts) != len(ids):
        return None
    core = decode_core(parts[ids.index(TCF_EU_ID)])
    if core is None:
        return None
    return {
        "section": TCF_EU,
        "purpose_consents": list(core.purpose_consents),
        "vendor_consent_count": core.vendor_consent_count,
        "read_from": "gpp_string",
    }
