"""For each finding type: the rule behind it and the fix, in a sentence or two each; and the
visitor a scan pretended to be (``visitor_text``), which every report states.

Declared once here; the HTML and Markdown reports print it under each finding, the SARIF
report puts it in each rule's help, and ``docs/findings.md`` is generated from it (``make
cog``; ``tests/test_docs.py`` checks it is current). The law cited is the EU's: the ePrivacy
Directive 2002/58/EC, the GDPR, and the guidance of the EDPB and the CNIL. It is what an
auditor checks first, not legal advice.

Example::

    guide = GUIDE["tracking_before_consent"]
    print(guide.rule, guide.fix)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Guide:
    """What a finding type means, the rule behind it and how to fix it."""

    title: str
    rule: str
    fix: str


GUIDE: dict[str, Guide] = {
    "tracking_before_consent": Guide(
        "A tracker ran before the visitor chose",
        "ePrivacy Directive Art. 5(3) (storing or reading on the device needs prior consent "
        "unless strictly necessary); GDPR Art. 6(1)(a) and 7; EDPB Guidelines 05/2020 on "
        "consent.",
        "Load the service only after consent: block its tag until the consent tool says yes "
        "(tag-manager triggers, the CMP's script blocking, or a consent mode that stores "
        "nothing and sends no identifier while consent is unknown).",
    ),
    "tracking_after_reject": Guide(
        "A tracker ran after the visitor refused",
        "ePrivacy Directive Art. 5(3); GDPR Art. 6 and 7(3) (a refusal must be honoured; "
        "withdrawing is as easy as consenting).",
        "Wire the service to the consent tool's refusal: do not load it, or load it in a mode "
        "that stores nothing and sends no identifier; delete what it stored before the choice.",
    ),
    "no_consent_banner": Guide(
        "Trackers but no consent banner",
        "ePrivacy Directive Art. 5(3); GDPR Art. 7(1) (the site must be able to show that "
        "consent was given).",
        "Deploy a consent tool that asks before those services load, or remove the services.",
    ),
    "no_reject_on_first_layer": Guide(
        "Accepting is easier than refusing",
        "GDPR Art. 4(11) and 7 (freely given consent); EDPB Cookie Banner Taskforce report "
        "(January 2023); CNIL guidelines and recommendation of 17 September 2020 (refusing "
        "must be as easy as accepting).",
        "Put a 'Reject all' button on the banner's first layer, as visible and as easy as "
        "'Accept all'.",
    ),
    "consent_stored_before_choice": Guide(
        "Consent recorded before the visitor chose",
        "GDPR Art. 4(11) and 7(1); CJEU C-673/17 Planet49 (a pre-ticked box is not consent).",
        "Make the consent tool write a consent record only after the visitor's action, "
        "starting from 'no consent'.",
    ),
    "consent_signal_after_reject": Guide(
        "The consent signal said yes after the visitor said no",
        "ePrivacy Directive Art. 5(3); GDPR Art. 7(1) and 7(3) (a refusal must be honoured, and "
        "the site must be able to show the consent it relies on); IAB Europe TCF Policies "
        "(a CMP must pass on the user's choices as made, and vendors act on the TC string "
        "the CMP gives them).",
        "Make the consent tool's TCF/GPP answer follow the refusal: after 'Reject all', "
        "purpose and vendor consents all false (update the TC string and fire "
        "'useractioncomplete'), and check that no stale consent string is served from a "
        "cookie or a cache.",
    ),
    "cookie_lifetime_over_13_months": Guide(
        "A cookie lives longer than 13 months",
        "CNIL guidelines of 17 September 2020 (trackers' lifetime at most 13 months, consent "
        "renewed by then); GDPR Art. 5(1)(e) (storage limitation).",
        "Set Max-Age/Expires to 395 days or less (most tags have a setting) and ask consent "
        "again when it expires.",
    ),
    "fingerprinting": Guide(
        "A script read a device fingerprint",
        "ePrivacy Directive Art. 5(3) covers reading any information from the device, not "
        "only cookies (Article 29 Working Party Opinion 9/2014 on device fingerprinting; EDPB "
        "Guidelines 2/2023 on the technical scope of Art. 5(3)).",
        "Treat the script like any tracker: run it only after consent, or remove it.",
    ),
    "unknown_third_party": Guide(
        "A third party no signature knows",
        "GDPR Art. 13 (recipients must be named to the visitor) and Art. 28 (processors work "
        "under a contract).",
        "Identify the service, name it in the privacy notice and the consent tool, and, if it "
        "is common, add it to the signatures.",
    ),
    "verdict": Guide(
        "The judge's summary",
        "Not a problem in itself: exactly one per result, the site's verdict with its reasons, "
        "then one verdict per service.",
        "Act on the other findings.",
    ),
}


def markdown() -> str:
    """``docs/findings.md``'s sections (generated by cog from ``GUIDE``)."""
    out = []
    for kind, guide in GUIDE.items():
        out += [f"## `{kind}`", "", f"{guide.title}.", "", f"**Rule:** {guide.rule}", ""]
        out += [f"**Fix:** {guide.fix}", ""]
    return "\n".join(out)


def visitor_text(config: dict[str, Any] | None) -> str:
    """The visitor the scan pretended to be, from the result's ``config`` (older results, which
    have no profile fields, were desktop scans)."""
    config = config or {}
    parts = [str(config.get("device") or "desktop Chrome")]
    parts += [str(config[k]) for k in ("locale", "timezone") if config.get(k)]
    if config.get("geolocation"):
        parts.append(f"at {config['geolocation']}")
    if config.get("storage_state"):
        parts.append("logged in (storage state)")
    if config.get("cookies"):
        parts.append(f"{len(config['cookies'])} cookie(s) set")
    if config.get("headers"):
        parts.append(f"{len(config['headers'])} extra header(s)")
    if config.get("gpc"):
        parts.append("Global Privacy Control on")
    if config.get("proxy"):
        parts.append(f"through {config['proxy']}")
    return ", ".join(parts)
