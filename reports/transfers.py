"""Where each detected service sends personal data: the data-transfer summary of the reports.

Read from the facts the result carries for each service (``vendor.country``,
``compliance.transfers`` with their ``safeguards``, ``compliance.data_transfers_outside_eu``,
``compliance.server_locations``), never from the signature database, so a saved result says
the same years later. Each service lands in one of three groups:

- ``outside``: data goes outside the EU/EEA (a listed transfer to a non-EEA place, or
  ``data_transfers_outside_eu = true``); one row per destination;
- ``inside``: the facts say it stays in the EU/EEA;
- ``unknown``: the facts do not say (no compliance facts, or only a vendor country).

Each destination gets a risk, by a rule a DPO can check (Chapter V GDPR):

- ``low``: the destination has an EU adequacy decision (GDPR Art. 45: the UK, Switzerland,
  Japan, Canada, Israel...), or it is the United States under the EU-US Data Privacy
  Framework (adequate only for certified companies: check the vendor's entry);
- ``medium``: Standard Contractual Clauses or Binding Corporate Rules only (Art. 46-47: a
  transfer impact assessment and, where needed, supplementary measures, per CJEU C-311/18
  Schrems II and EDPB Recommendations 01/2020);
- ``high``: a safeguard is named but is none of those (consent to the transfer, Art. 49, is
  meant for occasional transfers, not tracking);
- ``unknown``: no safeguard is documented: ask the vendor.

Example::

    summary = transfer_summary(ResultView(result))
    [(row["service"], row["destination"], row["risk"]) for row in summary["outside"]]
    # [("Google Analytics 4", "United States", "low"), ...]
"""

from __future__ import annotations

import re
from typing import Any

from .view import UNKNOWN, ResultView, as_list

__all__ = ["RISKS", "classify_place", "transfer_risk", "transfer_summary"]

RISKS = ("high", "medium", "low", "unknown")
_CONCERN = ("high", "medium", "unknown", "low")  # a service counts under its worst

#: The EU member states and the other EEA countries (Iceland, Liechtenstein, Norway).
EEA: dict[str, str] = {
    "AT": "Austria", "BE": "Belgium", "BG": "Bulgaria", "HR": "Croatia", "CY": "Cyprus",
    "CZ": "Czechia", "DK": "Denmark", "EE": "Estonia", "FI": "Finland", "FR": "France",
    "DE": "Germany", "GR": "Greece", "HU": "Hungary", "IE": "Ireland", "IT": "Italy",
    "LV": "Latvia", "LT": "Lithuania", "LU": "Luxembourg", "MT": "Malta", "NL": "Netherlands",
    "PL": "Poland", "PT": "Portugal", "RO": "Romania", "SK": "Slovakia", "SI": "Slovenia",
    "ES": "Spain", "SE": "Sweden", "IS": "Iceland", "LI": "Liechtenstein", "NO": "Norway",
}  # fmt: skip

#: Countries with an EU adequacy decision (GDPR Art. 45), as of 2025; the United States is
#: apart: adequate only for companies certified under the Data Privacy Framework.
ADEQUATE: dict[str, str] = {
    "AD": "Andorra", "AR": "Argentina", "CA": "Canada", "FO": "Faroe Islands",
    "GG": "Guernsey", "IL": "Israel", "IM": "Isle of Man", "JP": "Japan", "JE": "Jersey",
    "NZ": "New Zealand", "KR": "South Korea", "CH": "Switzerland", "GB": "United Kingdom",
    "UY": "Uruguay",
}  # fmt: skip

OTHER: dict[str, str] = {
    "US": "United States", "CN": "China", "RU": "Russia", "IN": "India", "SG": "Singapore",
    "AU": "Australia", "BR": "Brazil", "HK": "Hong Kong", "TW": "Taiwan", "UA": "Ukraine",
    "TR": "Turkey", "ZA": "South Africa", "AE": "United Arab Emirates", "MX": "Mexico",
    "BY": "Belarus", "VN": "Vietnam", "PH": "Philippines", "ID": "Indonesia",
}  # fmt: skip

COUNTRIES = EEA | ADEQUATE | OTHER

_ALIASES: dict[str, str] = {
    "usa": "US", "u.s.": "US", "united states of america": "US", "uk": "GB",
    "great britain": "GB", "england": "GB", "czech republic": "CZ", "republic of korea": "KR",
    "korea": "KR", "holland": "NL", "the netherlands": "NL",
}  # fmt: skip
_EEA_WORDS = re.compile(r"\b(eu|eea|european union|european economic area|europe)\b", re.I)
_DPF = re.compile(r"data privacy framework|\bdpf\b", re.I)
_SCC_BCR = re.compile(r"standard contractual|\bsccs?\b|binding corporate|\bbcrs?\b", re.I)
_ADEQUACY = re.compile(r"adequacy", re.I)


def country_name(code: str | None) -> str:
    """``"US"`` -> ``"United States"``; an unknown code is returned as it is."""
    return COUNTRIES.get((code or "").upper(), code or "")


def classify_place(text: str) -> tuple[str, str | None]:
    """``(zone, country code)`` of a free-text place: zone ``eea``, ``adequate``, ``us`` or
    ``outside`` (a place the table does not know, "Worldwide"...).

    >>> classify_place("Sweden (EU member state, Sinch group)")
    ('eea', 'SE')
    >>> classify_place("United States (US data processing region)")
    ('us', 'US')
    """
    words = text.strip()
    lowered = words.lower()
    code: str | None = None
    if re.fullmatch(r"[A-Z]{2}", words):
        code = words
    else:
        names = [(name.lower(), c) for c, name in COUNTRIES.items()] + list(_ALIASES.items())
        for name, c in sorted(names, key=lambda nc: -len(nc[0])):  # longest name first
            if re.search(rf"(?<![a-z]){re.escape(name)}(?![a-z])", lowered):
                code = c
                break
    if code in EEA:
        return "eea", code
    if code in ADEQUATE:
        return "adequate", code
    if code == "US":
        return "us", code
    if code is None and _EEA_WORDS.search(words) and "outside" not in lowered:
        return "eea", None
    return "outside", code


def transfer_risk(zone: str, safeguards: list[str]) -> tuple[str, str]:
    """``(risk, why)`` of one transfer to a place of ``zone`` under ``safeguards``."""
    text = " ".join(safeguards)
    if zone == "adequate":
        return "low", "EU adequacy decision (GDPR Art. 45)"
    if zone == "us" and _DPF.search(text):
        return "low", "Data Privacy Framework: adequate only if the vendor is certified"
    if _ADEQUACY.search(text):
        return "low", "adequacy decision, as the facts say"
    if _SCC_BCR.search(text):
        return "medium", "SCCs or BCRs (Art. 46-47): needs a transfer impact assessment"
    if safeguards:
        return "high", "no Art. 45-47 safeguard named"
    return "unknown", "no safeguard documented: ask the vendor"


def transfer_summary(view: ResultView) -> dict[str, Any]:
    """``{"outside": [row], "inside": [service], "unknown": [service], "unknown_hosts": n,
    "counts": {risk: n}}``; a row is a service and one destination outside the EU/EEA."""
    outside: list[dict[str, Any]] = []
    inside: list[dict[str, Any]] = []
    unknown: list[dict[str, Any]] = []
    before = {s.service_id for s in view.seen if s.phase == "no-interaction"}
    for sid in view.all_service_ids():
        service = _service(view, sid, sid in before)
        rows = _destinations(view, sid)
        if rows is None:
            unknown.append(service | {"why": _why_unknown(view, sid)})
        elif not rows:
            inside.append(service)
        else:
            outside += [service | row for row in rows]
    order = {r: i for i, r in enumerate(RISKS)}
    outside.sort(key=lambda r: (order[r["risk"]], r["service"].lower(), r["destination"]))
    services_out = {r["id"] for r in outside}
    worst: dict[str, str] = {}  # service id -> its worst transfer risk
    for r in outside:
        if _CONCERN.index(r["risk"]) < _CONCERN.index(worst.get(r["id"], "low")):
            worst[r["id"]] = r["risk"]
        worst.setdefault(r["id"], r["risk"])
    counts = {risk: sum(w == risk for w in worst.values()) for risk in RISKS}
    risk_text = ", ".join(
        f"{n} {risk} risk" if risk != "unknown" else f"{n} with no documented safeguard"
        for risk, n in counts.items()
        if n
    )
    return {
        "outside": outside,
        "services_outside": len(services_out),
        "inside": inside,
        "unknown": unknown,
        "unknown_hosts": len(view.unknown_hosts()),
        "counts": counts,
        "risk_text": risk_text,
    }


def _service(view: ResultView, sid: str, before_choice: bool) -> dict[str, Any]:
    vendor = view.facts(sid).get("vendor")
    vendor = vendor if isinstance(vendor, dict) else {}
    country = vendor.get("country") if isinstance(vendor.get("country"), str) else None
    return {
        "id": sid,
        "service": view.service_name(sid),
        "vendor": view.vendor(sid),
        "vendor_country": country_name(country) if country else "",
        "category": view.category(sid),
        "service_risk": str(view.compliance(sid).get("risk") or ""),
        "before_choice": before_choice,
        "needs_consent": view.needs_consent(sid),
    }


def _destinations(view: ResultView, sid: str) -> list[dict[str, Any]] | None:
    """Rows outside the EU/EEA; ``[]`` when the data stays inside; ``None`` when unknown."""
    c = view.compliance(sid)
    listed = [t for t in as_list(c.get("transfers")) if isinstance(t, dict)]
    rows = []
    for t in listed:
        place = str(t.get("destination") or "")
        zone, _code = classify_place(place)
        if zone == "eea":
            continue
        safeguards = [str(s) for s in as_list(t.get("safeguards")) if s]
        rows.append(_row(place, zone, safeguards, "the service's transfer facts"))
    if rows or (listed and c.get("data_transfers_outside_eu") is not True):
        return rows
    flag = c.get("data_transfers_outside_eu")
    if flag is False:
        return []
    if flag is not True:
        return None
    places = [str(p) for p in as_list(c.get("server_locations")) if p]
    places = [p for p in places if classify_place(p)[0] != "eea"]
    source = "its server locations"
    if not places:
        vendor = view.facts(sid).get("vendor")
        code = vendor.get("country") if isinstance(vendor, dict) else None
        if isinstance(code, str) and classify_place(code)[0] != "eea":
            places, source = [country_name(code)], "the vendor's country"
        else:
            places, source = ["Outside the EU/EEA (where is not documented)"], "the facts"
    return [_row(p, classify_place(p)[0], [], source) for p in places]


def _row(place: str, zone: str, safeguards: list[str], source: str) -> dict[str, Any]:
    risk, why = transfer_risk(zone, safeguards)
    return {
        "destination": place,
        "safeguards": safeguards,
        "risk": risk,
        "why": why,
        "source": source,
    }


def _why_unknown(view: ResultView, sid: str) -> str:
    if sid == UNKNOWN or not view.facts(sid):
        return "no facts about this service in the result"
    vendor = view.facts(sid).get("vendor")
    code = vendor.get("country") if isinstance(vendor, dict) else None
    if isinstance(code, str) and code:
        zone = classify_place(code)[0]
        where = "in the EU/EEA" if zone == "eea" else "outside the EU/EEA"
        return f"transfers not documented; the vendor is established {where} ({country_name(code)})"
    return "transfers not documented"
