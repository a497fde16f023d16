"""Fingerprinting (issue 12 part 2): the criteria on hand-built uses, and a fingerprinting
script vs a chart page in Chromium, reported on the secret channel only."""

from __future__ import annotations

import pytest
from conftest import visit_of
from together import Scans, local_config

from scanner.analyse.fingerprint import MIN_FONTS, MIN_PROPERTIES, fingerprinting, technique
from scanner.analyse.judge import judge
from scanner.collect.fingerprint import read_report
from scanner.model import ApiUse, ConsentAction, Match, PhaseResult, ScanResult, Visit

START = "https://shop.example.com/"
SCRIPT = "https://fp.vendor.net/fp.js"
GOOD = {"method": "HTMLCanvasElement.toDataURL", "width": 240, "height": 60, "chars": 30,
        "colours": 2, "format": "image/png", "avoided": False}  # fmt: skip


def use(api: str, facts: dict, script: str = SCRIPT, time_ms: float = 100.0) -> ApiUse:
    host = script.split("/")[2]
    party = "first" if host.endswith("example.com") else "third"
    return ApiUse(api, script, host, party, time_ms, {}, facts)  # type: ignore[arg-type]


def result(uses, phase="no-interaction", matches=(), services=None) -> ScanResult:
    v = Visit(START, START, 0, phase, "2025-01-01T00:00:00+00:00", 900.0, api_uses=tuple(uses))  # type: ignore[arg-type]
    action = None
    if phase != "no-interaction":
        action = ConsentAction(phase, "done", page=START, details={"time_ms": 500.0})  # type: ignore[arg-type]
    return ScanResult(
        START, ("example.com",), "0", "0", "ua", {}, "2025-01-01T00:00:00+00:00", None,
        phases=(PhaseResult(phase, (v,), action),), matches=tuple(matches),
        services=services or {},
    )  # fmt: skip


@pytest.mark.parametrize(
    "change",
    [{"width": 15}, {"height": 8}, {"chars": 4, "colours": 1}, {"chars": 0, "colours": 0},
     {"format": "image/jpeg"}, {"avoided": True}],
)  # fmt: skip
def test_canvas_criteria_each_can_clear(change):
    assert technique(use("canvas", {"readbacks": [GOOD]})) == "canvas"
    assert technique(use("canvas", {"readbacks": [{**GOOD, **change}]})) is None


def test_canvas_two_colours_of_short_text_is_enough():
    assert technique(use("canvas", {"readbacks": [{**GOOD, "chars": 5, "colours": 2}]}))


def test_other_techniques_and_their_thresholds():
    assert technique(use("canvas-font", {"fonts": MIN_FONTS, "measures": 60})) == "canvas-font"
    assert technique(use("canvas-font", {"fonts": MIN_FONTS - 1, "measures": 600})) is None
    assert technique(use("webgl", {"unmasked": ["UNMASKED_RENDERER_WEBGL"]})) == "webgl"
    assert technique(use("webgl", {})) is None
    assert technique(use("audio", {"oscillator": True, "rendered": True})) == "audio"
    assert technique(use("audio", {"oscillator": True, "analyser": True, "read": True}))
    assert technique(use("audio", {"analyser": True, "read": True})) is None  # a visualiser
    props = [f"navigator.p{i}" for i in range(MIN_PROPERTIES)]
    assert technique(use("navigator", {"properties": props})) == "navigator"
    assert technique(use("navigator", {"properties": props[:-1]})) is None


def test_findings_per_phase_and_service_with_severity():
    strong = use("canvas", {"readbacks": [GOOD]})
    sweep = use("navigator", {"properties": [f"p{i}" for i in range(20)]}, script=START)
    ((ref, severity, evidence, message),) = fingerprinting(result([strong]), "no-interaction")
    assert (ref, severity) == (
        {"id": "vendor.net", "name": "vendor.net", "category": "unknown"},
        "high",
    )
    assert evidence[0]["pattern"] == "fingerprinting:canvas" and evidence[0]["kind"] == "api"
    ((ref, severity, _, _),) = fingerprinting(result([sweep]), "no-interaction")
    assert (ref["id"], severity) == ("example.com", "medium")  # the first party, a sweep only
    ((_, severity, _, _),) = fingerprinting(result([strong], "accept-all"), "accept-all")
    assert severity == "info"


def test_known_service_by_script_url_and_reject_timing():
    late = use("webgl", {"unmasked": ["UNMASKED_VENDOR_WEBGL"]}, time_ms=900.0)
    early = use("canvas", {"readbacks": [GOOD]}, time_ms=100.0)
    known = Match("reject-all", START, "request", SCRIPT, "fpvendor", "host:fp.vendor.net")
    facts = {"fpvendor": {"name": "FP Vendor", "category": "marketing"}}
    r = result([late, early], "reject-all", [known], facts)
    ((ref, _, evidence, _),) = fingerprinting(r, "reject-all")
    assert ref["id"] == "fpvendor" and [e["api"] for e in evidence] == ["webgl"]
    findings = judge(r)
    assert [f.type for f in findings if f.type == "fingerprinting"] == ["fingerprinting"]
    services = {s["service_id"]: s for s in findings[-1].evidence if s.get("scope") == "service"}
    assert services["fpvendor"]["verdict"] == "tracks-after-reject"


def test_reports_are_bounded_and_checked():
    assert read_report("cookie", "{}") is None
    assert read_report("canvas", "not json") is None
    assert read_report("canvas", '{"calls": [], "facts": {}}') is None
    calls, facts = read_report("navigator", '{"calls": {"a": 1, "b": "x"}, "facts": {"n": 1e99}}')
    assert calls == {"a": 1} and facts == {"n": 10**7}


# -- in Chromium ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def scans(localweb):
    """The fingerprinting site and the forging one, scanned side by side (together.py)."""
    return Scans(
        fp=local_config(localweb, "https://fp.example.com/", phases=("no-interaction",)),
        forge=local_config(localweb, "https://forge.example.com/", phases=("no-interaction",)),
    )


@pytest.fixture(scope="module")
def fp_scan(scans):
    return scans["fp"]


@pytest.mark.browser
def test_fingerprinting_script_is_seen_with_every_technique(fp_scan):
    (f,) = [f for f in fp_scan.findings if f.type == "fingerprinting"]
    assert f.service == {"id": "example.org", "name": "example.org", "category": "unknown"}
    assert f.severity == "high" and f.pages == ("https://fp.example.com/",)
    assert {e["pattern"] for e in f.evidence} == {
        f"fingerprinting:{t}" for t in ("canvas", "canvas-font", "webgl", "audio", "navigator")
    }
    assert {e["script"] for e in f.evidence} == {"https://fpjs.example.org/fp.js"}
    canvas = next(e for e in f.evidence if e["api"] == "canvas")
    assert canvas["calls"] == {"HTMLCanvasElement.toDataURL": 1}
    (readback,) = canvas["facts"]["readbacks"]
    assert (readback["width"], readback["height"], readback["colours"]) == (240, 60, 2)
    assert fp_scan.verdict.verdict == "violations"


@pytest.mark.browser
def test_chart_page_is_not_fingerprinting(fp_scan):
    chart = visit_of(fp_scan, "https://fp.example.com/chart.html")
    apis = {u.api: u for u in chart.api_uses}
    # It was watched (fonts set, text measured, two properties read) ...
    assert apis["canvas-font"].facts["measures"] == 4
    assert set(apis["navigator"].facts["properties"]) == {"screen.width", "navigator.userAgent"}
    # ... and nothing it did meets a criterion.
    assert all(technique(u) is None for u in chart.api_uses)
    (f,) = [f for f in fp_scan.findings if f.type == "fingerprinting"]
    assert "https://fp.example.com/chart.html" not in f.pages


@pytest.mark.browser
def test_a_page_cannot_report_calls_it_did_not_make(scans):
    # forge.example.com calls every binding it can find; none of them is ours.
    r = scans["forge"]
    assert all(v.api_uses == () or all(u.script.startswith("https://forge.example.com")
               for u in v.api_uses) for v in r.phases[0].visits)  # fmt: skip
    assert not [f for f in r.findings if f.type == "fingerprinting"]
