"""SARIF and JUnit reports (reports/ci.py): valid documents, the findings as alerts and failing
test cases, stable fingerprints, hostile strings kept as data."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import pytest
from sarif_pydantic import Sarif

from reports import render
from reports.ci import LEVELS
from scanner.model import FINDING_TYPES
from tests.report_fixtures import demo_result, empty_result, hostile_result


def _sarif(result) -> dict:
    return json.loads(render(result, "sarif"))


def test_sarif_is_a_valid_2_1_0_log_with_every_rule():
    log = _sarif(demo_result())
    Sarif.model_validate(log)  # the SARIF 2.1.0 object model (types, required fields)
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} == set(FINDING_TYPES) - {"verdict"}
    assert run["tool"]["driver"]["name"] == "cookiescan"
    for res in run["results"]:  # what GitHub code scanning requires of every result
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["message"]["text"]
        assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]


def test_sarif_results_are_the_findings_with_pages_and_levels():
    result = demo_result()
    log = _sarif(result)
    findings = [f for f in result.findings if f.type != "verdict"]
    results = log["runs"][0]["results"]
    assert len(results) == len(findings)
    for finding, res in zip(findings, results, strict=True):
        assert res["ruleId"] == finding.type
        assert res["level"] == LEVELS[finding.severity]
        uris = [loc["physicalLocation"]["artifactLocation"]["uri"] for loc in res["locations"]]
        assert uris == list(finding.pages)[:20]
        assert res["properties"]["phase"] == finding.phase
    high = [r for r in results if r["properties"]["severity"] == "high"]
    assert high and all(r["level"] == "error" for r in high)
    assert log["runs"][0]["properties"]["verdict"]["message"]


def test_sarif_fingerprints_are_stable_and_distinct():
    one = _sarif(demo_result())["runs"][0]["results"]
    two = _sarif(demo_result())["runs"][0]["results"]
    prints = [r["partialFingerprints"]["cookiescanFinding/v1"] for r in one]
    assert prints == [r["partialFingerprints"]["cookiescanFinding/v1"] for r in two]
    assert len(set(prints)) == len(prints)


def test_junit_cases_fail_for_findings_and_pass_otherwise():
    result = demo_result()
    root = ET.fromstring(render(result, "junit").encode())
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) >= {p.phase for p in result.phases} | {"site"}
    case = suites["no-interaction"].find(
        "testcase[@name='tracking_before_consent (no-interaction)']"
    )
    failure = case.find("failure")
    assert failure is not None and "Google Analytics 4" in failure.text
    # info findings are listed, not failed
    unknown = suites["no-interaction"].find(
        "testcase[@name='unknown_third_party (no-interaction)']"
    )
    assert unknown.find("failure") is None and unknown.find("system-out").text
    clean_case = suites["accept-all"].find("testcase[@name='tracking_after_reject (accept-all)']")
    assert list(clean_case) == []
    failing = [f for f in result.findings if f.type != "verdict" and f.severity != "info"]
    keys = {(f.type, f.phase or "site") for f in failing}
    assert int(root.get("failures")) == len(keys)
    assert sum(int(s.get("failures")) for s in suites.values()) == len(keys)


def test_an_empty_interrupted_scan_is_an_error_not_a_pass():
    root = ET.fromstring(render(empty_result(), "junit").encode())
    assert root.get("failures") == "0" and root.get("errors") == "1"
    log = _sarif(empty_result())
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is False


@pytest.mark.parametrize("fmt", ["sarif", "junit"])
def test_hostile_strings_stay_data(fmt):
    text = render(hostile_result(), fmt)
    assert "\x1b" not in text and "\x07" not in text
    if fmt == "junit":
        root = ET.fromstring(text.encode())  # parses: nothing broke out of the XML
        assert root.findall(".//testcase")
        assert "<script" not in text.replace("&lt;script", "")
    else:
        Sarif.model_validate(json.loads(text))


def test_every_finding_type_has_a_rule_and_a_fix_and_docs_are_current():
    import subprocess
    import sys
    from pathlib import Path

    from reports.guide import GUIDE

    assert set(FINDING_TYPES) <= set(GUIDE), set(FINDING_TYPES) - set(GUIDE)
    rules = _sarif(demo_result())["runs"][0]["tool"]["driver"]["rules"]
    assert all(r["help"]["text"].startswith("Rule: ") for r in rules)
    root = Path(__file__).parent.parent
    check = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", "docs/findings.md"],
        cwd=root, capture_output=True, text=True,
    )  # fmt: skip
    assert check.returncode == 0, "docs/findings.md is stale: run make cog"


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_reports_say_the_rule_the_fix_and_the_visitor(fmt):
    import dataclasses
    import html

    from reports.guide import GUIDE

    result = demo_result()
    config = {**result.config, "device": "Pixel 7", "locale": "fr-FR", "gpc": True,
              "cookies": ["sid=(hidden)@example.com"]}  # fmt: skip
    text = render(dataclasses.replace(result, config=config), fmt)
    assert "Pixel 7, fr-FR, 1 cookie(s) set, Global Privacy Control on" in text
    plain = html.unescape(text).replace("\\", "")  # HTML entities, Markdown escapes
    assert GUIDE["tracking_after_reject"].fix.split(":")[0] in plain
    assert "Rule:" in plain and "Fix:" in plain
