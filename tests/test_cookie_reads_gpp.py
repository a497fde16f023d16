"""Issue #12 leftovers: which script read which cookie, GPP in the judge, Plausible by its shape.

Two real scans, one phase each:

- ``reads.example.com`` (no-interaction): the site's own script reads ``document.cookie``
  10,000 times, a third-party widget (``widgets.example.net``) reads the site's ``_ga``; later
  both read cookies set after them through the Cookie Store API (``get`` by name and by
  ``{name}``, ``getAll``) while the page renames the items of every promise it can see; the
  page POSTs a Plausible event to its own ``/stats/api/event`` (Plausible behind a
  first-party proxy) and an unrelated JSON body to ``/api/event``, and tries to forge a read
  report;
- ``gpp-early.example.com`` (reject-all): a GPP API whose TCF EU v2 section grants consent
  before the visitor chose (``consent_stored_before_choice``, evidence ``kind: gpp``).

The rest is pure: the judge fed hand-built GPP answers, the matcher fed request shapes, the
signature schema fed bad rules, the observer fed forged channel calls.
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
from types import SimpleNamespace

import pytest
from conftest import scan_local
from test_judge import action, clean_phases, kinds, result

import reports
import signatures
from reports.md import esc
from reports.tables import build_tables, to_csv
from scanner.analyse.gpp import gpp_consent
from scanner.analyse.judge import judge
from scanner.collect.observe import ContextObserver
from scanner.collect.parties import FirstParty
from scanner.collect.reads import body_keys
from scanner.collect.recorder import PageRecorder
from scanner.model import CookieRead, ScanResult, Visit
from signatures.errors import SignatureError
from signatures.matcher import SignatureDB
from signatures.model import Service

READS = "https://reads.example.com/"
APP = "https://reads.example.com/app.js"
WIDGET = "https://widgets.example.net/widget.js"
#: The TCF EU v2 section (a TC string) granting purposes 1-11, and one granting none.
TC_YES = "CQAAAAAQAAAAAPoABBENBJFgAP_gAEPgAAAAAAAAAAAA"
TC_NO = "CQAAAAAQAAAAAPoABBENBJFgAAAAAEPgAAAAAAAAAAAA"


@pytest.fixture(scope="module")
def reads(localweb) -> ScanResult:
    return scan_local(localweb, READS, phases=("no-interaction",), max_pages=1)


def start_visit(result: ScanResult) -> Visit:
    (visit,) = result.phases[0].visits
    assert not visit.errors, visit.errors
    return visit


# -- which script read which cookie ---------------------------------------------------------
@pytest.mark.browser
def test_each_script_is_credited_with_the_names_it_read_once(reads):
    visit = start_visit(reads)
    by_script = {r.script: r for r in visit.cookie_reads}
    # app.js read document.cookie 10,000 times: one record, each name once.
    assert set(by_script) == {APP, WIDGET}, by_script
    app, widget = by_script[APP], by_script[WIDGET]
    # cs_pref and cs_opt were set after both scripts read document.cookie: the Cookie Store
    # API reads found them (app.js: get("cs_pref"), get({name: "cs_opt"}); the widget: getAll).
    assert app.names == ("site_uid", "_ga", "cs_pref", "cs_opt") and app.party == "first"
    assert widget.party == "third" and widget.host == "widgets.example.net"
    assert widget.names[:2] == ("site_uid", "_ga")
    assert set(widget.names) == {"site_uid", "_ga", "cs_pref", "cs_opt"}
    assert {r.frame_origin for r in visit.cookie_reads} == {"https://reads.example.com"}
    assert visit.readers("_ga", "reads.example.com") == (APP, WIDGET)
    assert visit.readers("_ga", "other.example.com") == ()


@pytest.mark.browser
def test_a_page_cannot_forge_a_read_report(reads):
    visit = start_visit(reads)
    names = {n for r in visit.cookie_reads for n in r.names}
    assert "forged_read" not in names  # neither forged calls nor a page-wrapped then()
    assert not any("google-analytics" in r.script for r in visit.cookie_reads)


@pytest.mark.browser
def test_a_third_party_reader_is_evidence_and_shows_in_the_reports(reads):
    ga = [f for f in reads.findings if f.service and f.service["id"] == "google-analytics-4"]
    assert ga and ga[0].type == "tracking_before_consent"
    cookie = next(e for e in ga[0].evidence if e.get("kind") == "cookie" and e["name"] == "_ga")
    assert cookie["read_by"] == [WIDGET]  # the site's own app.js is not listed
    text = to_csv(build_tables(reads)["cookies"])
    (row,) = [r for r in csv.DictReader(io.StringIO(text)) if r["name"] == "_ga"]
    assert row["read_by"] == f"{APP} {WIDGET}"
    md = reports.render(reads, "md")
    assert "## Cookies read by scripts (2)" in md
    names = "_ga, cs_opt, cs_pref, site_uid"
    row = f"| {esc(WIDGET)} | third | {esc('https://reads.example.com')} | {esc(names)} |"
    assert row in md
    assert f"read by {APP}, {WIDGET}" in reports.render(reads, "html")


def test_observer_drops_read_reports_without_the_token():
    async def run() -> tuple[ContextObserver, tuple[CookieRead, ...]]:
        observer = ContextObserver()
        recorder = PageRecorder(READS, 0, "no-interaction", FirstParty(READS), "now")
        page = object()
        observer.recorders[page] = recorder
        frame = SimpleNamespace(url=READS, parent_frame=None)
        source = {"page": page, "frame": frame}
        observer._on_read_binding(source, WIDGET, "forged", READS)  # the old shape
        observer._on_read_binding(source, "guess", WIDGET, "forged", READS)
        observer._on_read_binding(source, observer.channel.token, WIDGET, "a;b; a", READS)
        observer._on_read_binding(source, observer.channel.token, "", "c", READS)  # inline
        return observer, recorder.finish(include_values=False).cookie_reads

    observer, got = asyncio.run(run())
    assert observer.forged == 2
    assert [(r.script, r.names, r.party) for r in got] == [
        (READS, ("c",), "first"),
        (WIDGET, ("a", "b"), "third"),
    ]


# -- Plausible behind a first-party proxy ----------------------------------------------------
@pytest.mark.browser
def test_plausible_event_through_a_first_party_proxy_is_matched_by_its_shape(reads):
    visit = start_visit(reads)
    posts = {r.url: r for r in visit.requests if r.method == "POST"}
    proxied, other = posts[READS + "stats/api/event"], posts[READS + "api/event"]
    assert proxied.body_keys == ("n", "u", "d", "r") and other.body_keys == ("type", "plan")
    matched = {m.value: m for m in reads.matches if m.kind == "request"}
    assert matched[proxied.url].service_id == "plausible"
    assert "method:POST body_keys:n,u,d" in matched[proxied.url].pattern
    assert other.url not in matched


def plausible_db() -> SignatureDB:
    return SignatureDB([Service.from_dict(signatures.load().service("plausible").to_dict())])


@pytest.mark.parametrize(
    ("url", "method", "keys", "hit"),
    [
        ("https://shop.example/stats/api/event", "POST", ("n", "u", "d", "r"), True),
        ("https://shop.example/api/event", "POST", ("d", "n", "u"), True),
        ("https://shop.example/pa/event?x=1", "POST", ("n", "u", "d"), True),
        ("https://shop.example/api/event", "POST", ("n", "u"), False),  # no d
        ("https://shop.example/api/event", "GET", ("n", "u", "d"), False),
        ("https://shop.example/api/event", "POST", None, False),  # not a JSON object
        ("https://shop.example/api/events", "POST", ("n", "u", "d"), False),
        ("https://shop.example/event/list", "POST", ("n", "u", "d"), False),
    ],
)
def test_the_shaped_rule_needs_method_path_and_keys(url, method, keys, hit):
    found = plausible_db().match_request(url, "fetch", method=method, body_keys=keys)
    assert (found is not None and found.signature_id == "plausible") is hit


def test_a_shaped_rule_on_a_host_and_the_schema():
    rule = {"host": "t.example.net", "path": "/e", "method": "POST", "body_keys": ["id"]}
    facts = {"id": "t", "name": "T", "category": "analytics", "description": "T."}
    db = SignatureDB([Service.from_dict({**facts, "vendor": {"name": "T"}, "urls": [rule]})])
    assert db.match_request("https://t.example.net/e", "fetch", "POST", ["id", "v"]) is not None
    assert db.match_request("https://t.example.net/e", "fetch", "POST", ["v"]) is None
    assert db.match_request("https://t.example.net/e", "fetch") is None
    for bad in ({"body_keys": []}, {"method": "post"}, {"body_keys": "n"}):
        with pytest.raises(SignatureError):
            Service.from_dict({**facts, "vendor": {"name": "T"}, "urls": [rule | bad]})


def test_body_keys_keeps_keys_of_json_objects_only():
    assert body_keys('{"n": "pageview", "u": "https://x/", "d": "x"}') == ("n", "u", "d")
    assert body_keys('["n", "u"]') is None and body_keys("n=1&u=2") is None
    assert body_keys('{"n": "cut at 64 KiB') is None and body_keys(None) is None
    assert len(body_keys("{" + ",".join(f'"k{i}": 1' for i in range(99)) + "}")) == 50


# -- GPP in the judge -----------------------------------------------------------------------
@pytest.mark.browser
def test_gpp_consent_before_any_choice_is_a_finding(localweb):
    scanned = scan_local(
        localweb, "https://gpp-early.example.com/", phases=("reject-all",), max_pages=1
    )
    consent = scanned.phase("reject-all").consent
    assert consent.outcome == "done", consent.details.get("reason")
    (finding,) = [f for f in scanned.findings if f.type == "consent_stored_before_choice"]
    assert finding.severity == "high" and finding.phase == "reject-all"
    (item,) = finding.evidence
    assert item["kind"] == "gpp" and item["cmp_id"] == 4343 and item["section"] == "tcfeuv2"
    assert item["purpose_consents"] == list(range(1, 12)) and item["read_from"] == "gpp_string"
    assert "GPP API" in finding.message


def gpp(**fields):
    return {"gpp_version": "1.1", "cmp_id": 9} | fields


@pytest.mark.parametrize(
    ("data", "purposes"),
    [
        (gpp(parsed_sections={"tcfeuv2": [{"PurposeConsents": [True, False, True]}]}), [1, 3]),
        (gpp(parsed_sections={"tcfeuv2": {"PurposeConsents": [], "VendorConsents": [5]}}), []),
        (gpp(gpp_string=f"DBABMA~{TC_YES}", section_list=[2]), list(range(1, 12))),
        (gpp(gpp_string=f"DBACNY~BVVVVVVVVWA.QA~{TC_YES}", section_list=[7, 2]), [*range(1, 12)]),
        (gpp(gpp_string=f"DBABMA~{TC_NO}", section_list=[2]), None),
        (gpp(parsed_sections={"tcfeuv2": [{"PurposeConsents": [False] * 3}]}), None),
        # The US sections are opt-out signals: not having opted out is no consent claim.
        (gpp(gpp_string="DBABLA~BVVVVVVVVWA.QA", section_list=[7]), None),
        (gpp(gpp_string="", applicable_sections=[-1], parsed_sections={}), None),
        (gpp(gpp_string="DBABMA~not*base64", section_list=[2]), None),
        ({"error": "no answer from __gpp"}, None),
    ],
)
def test_what_a_gpp_answer_says_of_consent(data, purposes):
    found = gpp_consent(data)
    assert (found and found["purpose_consents"]) == purposes or (
        purposes == [] and found is not None and found["vendor_consent_count"] == 1
    )


def test_judge_uses_gpp_beside_tcf():
    phases = clean_phases()
    yes = gpp(gpp_string=f"DBABMA~{TC_YES}", section_list=[2])
    phases[2] = dataclasses.replace(phases[2], consent=action("reject-all", gpp_before=yes))
    findings = judge(result(phases))
    assert kinds(findings) == {("consent_stored_before_choice", "reject-all", None)}
    # With TCF beside it, the message keeps naming the TCF API; both are evidence.
    tcf = {"cmp_id": 7, "tc_string": "CP...", "purpose_consents": [1], "vendor_consent_count": 0}
    phases[1] = dataclasses.replace(phases[1], consent=action("accept-all", tcf_before=tcf))
    (f,) = [f for f in judge(result(phases)) if f.type == "consent_stored_before_choice"]
    assert {e["kind"] for e in f.evidence} == {"tcf", "gpp"} and "TCF API" in f.message
    # A GPP answer that grants nothing is no finding.
    no = gpp(gpp_string=f"DBABMA~{TC_NO}", section_list=[2])
    phases = clean_phases()
    phases[2] = dataclasses.replace(phases[2], consent=action("reject-all", gpp_before=no))
    assert not [f for f in judge(result(phases)) if f.type == "consent_stored_before_choice"]
