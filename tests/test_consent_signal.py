"""Issue #12: a consent signal that survives a refusal (``consent_signal_after_reject``).

Pure tests feed the judge hand-built consent actions (what ``scanner.consent.tcf`` read after
the click). Three real scans, reject-all only, one page each, short dwell:

- ``gpp-early.example.com``: its GPP API's TCF EU v2 section grants purposes 1-11 before and
  after "Reject all" (only in the GPP string) -> a finding naming the GPP API;
- ``tcf-sticky.example.com``: its TCF API starts from no consent and grants every purpose
  after "Reject all", while its GPP API honours the refusal -> a finding on TCF alone;
- ``gpp.example.com``: a GPP CMP that honours the refusal -> no finding.
"""

from __future__ import annotations

import dataclasses

import pytest
from conftest import scan_local
from test_judge import action, clean_phases, kinds, result, site_verdict
from test_tcstring import header, ranges, tc

import reports
from scanner.analyse.consent_signal import signal_after_reject
from scanner.analyse.judge import judge
from scanner.model import FINDING_TYPES

KIND = "consent_signal_after_reject"
#: The TCF EU v2 section (a TC string) granting purposes 1-11, and one granting none.
TC_YES = "CQAAAAAQAAAAAPoABBENBJFgAP_gAEPgAAAAAAAAAAAA"
TC_NO = "CQAAAAAQAAAAAPoABBENBJFgAAAAAEPgAAAAAAAAAAAA"
GPP_YES = {"cmp_id": 9, "gpp_string": f"DBABMA~{TC_YES}", "section_list": [2]}
GPP_NO = {"cmp_id": 9, "gpp_string": f"DBABMA~{TC_NO}", "section_list": [2]}
#: A US national section only: an opt-out signal, never a consent claim.
GPP_US = {"cmp_id": 9, "gpp_string": "DBABLA~BVVVVVVVVWA.QA", "section_list": [7]}
TCF_YES = {
    "cmp_id": 7,
    "tc_string": "CPyes",
    "event_status": "useractioncomplete",
    "purpose_consents": [1, 2, 3],
    "vendor_consent_count": 2,
}
TCF_NO = TCF_YES | {"tc_string": "CPno", "purpose_consents": [], "vendor_consent_count": 0}


def judged(phase: str = "reject-all", outcome: str = "done", **details):
    phases = clean_phases()
    at = {"accept-all": 1, "reject-all": 2}[phase]
    phases[at] = dataclasses.replace(phases[at], consent=action(phase, outcome, **details))
    return result(phases)


def signal_findings(scanned):
    return [f for f in judge(scanned) if f.type == KIND]


def test_tcf_consent_after_reject_is_a_high_finding():
    scanned = judged(tcf_before=TCF_NO, tcf_after=TCF_YES)
    findings = judge(scanned)
    assert kinds(findings) == {(KIND, "reject-all", None)}
    assert site_verdict(findings) == "violations"
    (f,) = [f for f in findings if f.type == KIND]
    assert f.severity == "high" and f.service is None
    (item,) = f.evidence
    assert item["kind"] == "tcf" and item["api"] == "__tcfapi" and item["cmp_id"] == 7
    assert item["tc_string"] == "CPyes" and item["event_status"] == "useractioncomplete"
    assert item["purpose_consents"] == [1, 2, 3] and item["vendor_consent_count"] == 2
    assert item["same_as_before"] is False and item["clicked_ms"] == 500.0
    assert "TCF API" in f.message and "[1, 2, 3]" in f.message
    assert "did not change" not in f.message


def test_vendor_consents_alone_are_a_claim():
    tcf = TCF_YES | {"purpose_consents": []}
    (f,) = signal_findings(judged(tcf_after=tcf))
    assert f.evidence[0]["vendor_consent_count"] == 2 and f.evidence[0]["same_as_before"] is None


def test_gpp_only_names_the_gpp_api():
    (f,) = signal_findings(judged(gpp_before=GPP_YES, gpp_after=GPP_YES))
    (item,) = f.evidence
    assert item["kind"] == "gpp" and item["api"] == "__gpp" and item["section"] == "tcfeuv2"
    assert item["gpp_string"] == GPP_YES["gpp_string"] and item["read_from"] == "gpp_string"
    assert item["purpose_consents"] == list(range(1, 12)) and item["same_as_before"] is True
    assert "GPP API" in f.message and "TCF API and" not in f.message
    assert f.message.endswith("the refusal did not change the signal")


def test_gpp_vendor_consents_alone_after_reject_are_a_claim():
    # No purpose bit set, but vendors 1-40 and 755 keep their consent in the TC string.
    vendors_only = tc(header() + ranges([(1, 40), (755, 755)], max_id=755))
    gpp_vendors = GPP_NO | {"gpp_string": f"DBABMA~{vendors_only}"}
    (f,) = signal_findings(judged(gpp_before=GPP_NO, gpp_after=gpp_vendors))
    (item,) = f.evidence
    assert item["kind"] == "gpp" and item["read_from"] == "gpp_string"
    assert item["purpose_consents"] == [] and item["vendor_consent_count"] == 41
    assert item["same_as_before"] is False and "purposes [] and 41 vendor(s)" in f.message
    # The same string cut inside its range entries is unreadable: no claim, no finding.
    cut = GPP_NO | {"gpp_string": f"DBABMA~{vendors_only[:-8]}"}
    assert not signal_findings(judged(gpp_before=GPP_NO, gpp_after=cut))


def test_both_apis_are_evidence():
    (f,) = signal_findings(judged(tcf_after=TCF_YES, gpp_before=GPP_NO, gpp_after=GPP_YES))
    assert [e["kind"] for e in f.evidence] == ["tcf", "gpp"]
    assert "TCF API and the GPP API" in f.message
    assert [e["same_as_before"] for e in f.evidence] == [None, False]


@pytest.mark.parametrize(
    "details",
    [
        {"tcf_before": TCF_YES, "tcf_after": TCF_NO},  # the refusal was honoured
        {"gpp_before": GPP_YES, "gpp_after": GPP_NO},
        {"gpp_after": GPP_US},  # US sections are opt-out signals, not judged
        {"tcf_after": {"error": "no answer from __tcfapi"}, "gpp_after": {"error": "x"}},
        {"tcf_after": TCF_NO | {"purpose_legitimate_interests": [2, 7]}},  # LI is not consent
        {},  # no TCF, no GPP
    ],
)
def test_no_finding_when_the_signal_says_no_or_is_absent(details):
    assert signal_after_reject(judged(**details)) is None
    assert not signal_findings(judged(**details))


def test_consent_after_accept_all_is_right():
    assert not signal_findings(judged("accept-all", tcf_after=TCF_YES, gpp_after=GPP_YES))


@pytest.mark.parametrize("outcome", ["not-found", "failed"])
def test_no_refusal_no_finding(outcome):
    # tcf_after is read even when no banner was operated: without a refusal it says nothing.
    assert not signal_findings(judged(outcome=outcome, tcf_after=TCF_YES, gpp_after=GPP_YES))


def test_the_type_is_declared_and_reports_name_it():
    assert KIND in FINDING_TYPES and KIND in reports.SCHEMA_PATH.read_text()
    scanned = judged(tcf_after=TCF_YES)
    scanned = dataclasses.replace(scanned, findings=judge(scanned))
    sarif = reports.render(scanned, "sarif")
    assert f'"ruleId": "{KIND}"' in sarif and f'"id": "{KIND}"' in sarif
    assert KIND in reports.render(scanned, "junit")
    for fmt in ("html", "md"):
        text = reports.render(scanned, fmt)
        assert "Consent signalled after refusal" in text and "TCF Policies" in text, fmt


# -- real scans ----------------------------------------------------------------------------
def scan_reject(localweb, url):
    scanned = scan_local(localweb, url, phases=("reject-all",), max_pages=1, dwell=0.5)
    consent = scanned.phase("reject-all").consent
    assert consent.outcome == "done", consent.details.get("reason")
    return scanned


@pytest.mark.browser
def test_gpp_signal_kept_after_reject_is_found(localweb):
    scanned = scan_reject(localweb, "https://gpp-early.example.com/")
    (f,) = [f for f in scanned.findings if f.type == KIND]
    assert f.severity == "high" and f.phase == "reject-all"
    (item,) = f.evidence
    assert item["kind"] == "gpp" and item["cmp_id"] == 4343 and item["section"] == "tcfeuv2"
    assert item["purpose_consents"] == list(range(1, 12)) and item["same_as_before"] is True
    assert item["page"] == "https://gpp-early.example.com/"
    assert scanned.verdict.verdict == "violations"


@pytest.mark.browser
def test_tcf_signal_turned_to_yes_by_reject_is_found(localweb):
    scanned = scan_reject(localweb, "https://tcf-sticky.example.com/")
    (f,) = [f for f in scanned.findings if f.type == KIND]
    (item,) = f.evidence  # its GPP API honoured the refusal
    assert item["kind"] == "tcf" and item["cmp_id"] == 4646
    assert item["event_status"] == "useractioncomplete" and item["tc_string"].startswith("CPsticky")
    assert item["purpose_consents"] == [1, 2, 3, 4, 7, 9, 10]
    assert item["vendor_consent_count"] == 2 and item["same_as_before"] is False
    assert not [f for f in scanned.findings if f.type == "consent_stored_before_choice"]


@pytest.mark.browser
def test_a_refusal_honoured_through_gpp_is_no_finding(localweb):
    scanned = scan_reject(localweb, "https://gpp.example.com/")
    details = scanned.phase("reject-all").consent.details
    assert details["gpp_after"]["section_list"] == [2]  # the API answered after the click
    assert not [f for f in scanned.findings if f.type == KIND]
