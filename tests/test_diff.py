"""Diffs between two scans: hand-built results, then two real scans of a site that changed."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from scanner import ScanConfig, scan
from scanner.analyse.diff import (
    diff_results,
    fail_on,
    finding_dict,
    format_text,
    new_findings,
)
from scanner.cli.history import diff as diff_cmd
from scanner.demo.localweb import SITES, LocalWeb
from scanner.model import Cookie, Finding, Match, PhaseResult, Request, ScanResult, Visit

URL = "https://www.example.com/"


def make_result(
    phases: dict[str, dict] | None = None,
    findings: tuple[Finding, ...] = (),
    started_at: str = "2025-01-06T03:00:00+00:00",
    url: str = URL,
) -> ScanResult:
    """A result from ``{phase: {"cookies": [(name, domain, party)], "hosts": [...],
    "services": [...]}}``, all seen on the start page."""
    phase_results, matches = [], []
    for name, spec in (phases or {"no-interaction": {}}).items():
        cookies = tuple(
            Cookie(name=n, domain=d, path="/", party=p, lifetime_days=30.0)
            for n, d, p in spec.get("cookies", ())
        )
        requests = tuple(
            Request(
                url=f"https://{h}/x",
                method="GET",
                resource_type="script",
                host=h,
                party="third",
                time_ms=1.0,
            )
            for h in spec.get("hosts", ())
        )
        visit = Visit(
            url=url,
            final_url=url,
            depth=0,
            phase=name,
            started_at=started_at,
            duration_ms=10.0,
            status=200,
            requests=requests,
            cookies=cookies,
        )
        phase_results.append(PhaseResult(name, (visit,)))
        matches += [
            Match(
                phase=name,
                page=url,
                kind="request",
                value=f"https://{s}.example/",
                service_id=s,
                pattern=s,
            )
            for s in spec.get("services", ())
        ]
    return ScanResult(
        start_url=url,
        first_party=("example.com",),
        tool_version="0.1.0",
        browser_version="test",
        user_agent="test",
        config={"url": url},
        started_at=started_at,
        finished_at=started_at,
        phases=tuple(phase_results),
        services={
            m.service_id: {"id": m.service_id, "name": m.service_id.title()} for m in matches
        },
        matches=tuple(matches),
        findings=findings,
    )


def finding(
    type_: str,
    severity: str = "high",
    phase: str | None = "no-interaction",
    service: str | None = "ga",
) -> Finding:
    return Finding(
        type=type_,
        severity=severity,
        phase=phase,
        service={"id": service} if service else None,
        pages=(URL,),
        evidence=(),
        message=f"{type_} message",
    )


def test_diff_per_phase_and_kind():
    old = make_result(
        {
            "no-interaction": {
                "cookies": [("_ga", ".example.com", "first")],
                "hosts": ["a.net"],
                "services": ["ga"],
            },
            "reject-all": {"cookies": [("keep", "example.com", "first")]},
        }
    )
    new = make_result(
        {
            "no-interaction": {
                "cookies": [("_ga", "example.com", "first"), ("_fbp", "example.com", "first")],
                "hosts": ["b.net"],
                "services": ["ga", "facebook-pixel"],
            },
            "reject-all": {"cookies": []},
        },
        findings=(finding("cookie-before-consent", service="facebook-pixel"),),
    )
    changes = diff_results(old, new)
    ni = changes["phases"]["no-interaction"]
    # the leading dot of a cookie domain is not a change
    assert [c["name"] for c in ni["cookies"]["appeared"]] == ["_fbp"]
    assert ni["cookies"]["disappeared"] == []
    assert [s["id"] for s in ni["services"]["appeared"]] == ["facebook-pixel"]
    assert [h["host"] for h in ni["third_party_hosts"]["appeared"]] == ["b.net"]
    assert [h["host"] for h in ni["third_party_hosts"]["disappeared"]] == ["a.net"]
    assert [f["type"] for f in ni["findings"]["appeared"]] == ["cookie-before-consent"]
    ra = changes["phases"]["reject-all"]
    assert [c["name"] for c in ra["cookies"]["disappeared"]] == ["keep"]
    assert changes["changed"] is True
    assert changes["totals"]["cookies"] == {"appeared": 1, "disappeared": 1}
    text = format_text(changes)
    assert "[no-interaction] + cookie _fbp (example.com, first party)" in text
    assert "[reject-all] - cookie keep" in text


def test_no_change_and_phases_only_in_one_scan():
    spec = {"cookies": [("a", "example.com", "first")], "services": ["ga"]}
    old = make_result({"no-interaction": spec})
    new = make_result({"no-interaction": spec, "accept-all": {"services": ["x"]}})
    changes = diff_results(old, new)
    assert changes["changed"] is False
    assert changes["phases_only_in"] == {"old": [], "new": ["accept-all"]}
    assert "accept-all" not in changes["phases"]
    assert "no changes" in format_text(changes)


def test_fail_on_levels_and_new():
    old = make_result(findings=(finding("a", "high"),))
    new = make_result(findings=(finding("a", "high"), finding("b", "medium"), finding("c", "low")))
    assert [f.type for f in new_findings(new, old)] == ["b", "c"]
    assert [f.type for f in new_findings(new, None)] == ["a", "b", "c"]
    assert len(fail_on(new, ("high",), old)) == 1
    assert len(fail_on(new, ("medium",), old)) == 2
    assert len(fail_on(new, ("new",), old)) == 2
    assert fail_on(make_result(), ("high", "new"), old) == []
    with pytest.raises(ValueError):
        fail_on(new, ("sometimes",), old)


def test_a_finding_reads_the_same_in_a_diff_and_a_webhook():
    # scanner.fleet.schedule posts finding_dict() of the new findings to the webhook.
    old, new = make_result(), make_result(findings=(finding("a", "medium"),))
    assert finding_dict(new.findings[0]) == {
        "type": "a",
        "severity": "medium",
        "phase": "no-interaction",
        "service": "ga",
        "message": "a message",
        "pages": [URL],
    }
    appeared = diff_results(old, new)["phases"]["no-interaction"]["findings"]["appeared"]
    assert appeared == [finding_dict(new.findings[0])]


def test_diff_command_on_files(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(make_result({"no-interaction": {"services": ["ga"]}}).to_dict()))
    b.write_text(json.dumps(make_result({"no-interaction": {}}).to_dict()))
    result = CliRunner().invoke(diff_cmd, [str(a), str(b)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["phases"]["no-interaction"]["services"]["disappeared"][0]["id"] == "ga"
    assert CliRunner().invoke(diff_cmd, [str(a)]).exit_code == 2
    assert CliRunner().invoke(diff_cmd, [str(a), "--last"]).exit_code == 2


@pytest.mark.browser
def test_two_scans_of_a_site_that_changed(tmp_path):
    # A copy of the demo shop, scanned, then edited: the Segment snippet is removed from the
    # home page and a new tracker pixel (new.example.net) is added.
    root = tmp_path / "sites"
    shutil.copytree(SITES / "www.example.com", root / "www.example.com")
    index = root / "www.example.com" / "index.html"
    html = index.read_text()
    assert "cdn.segment.com" in html
    with LocalWeb(roots=[root, SITES]) as web:
        config = ScanConfig(
            url=URL,
            max_pages=1,
            dwell=0.5,
            idle_timeout=1.0,
            use_sitemap=False,
            phases=("no-interaction",),
            **web.scan_options(),
        )
        before = scan(config)
        lines = [line for line in html.splitlines() if "segment" not in line.lower()]
        pixel = '<img src="https://new.example.net/p.gif" width="1" height="1" alt="">'
        index.write_text("\n".join(lines).replace("</body>", pixel + "\n</body>"))
        after = scan(config)
    changes = diff_results(before, after)
    ni = changes["phases"]["no-interaction"]
    appeared = [h["host"] for h in ni["third_party_hosts"]["appeared"]]
    gone = [h["host"] for h in ni["third_party_hosts"]["disappeared"]]
    assert appeared == ["new.example.net"]
    assert "cdn.segment.com" in gone
    assert "segment" in [s["id"] for s in ni["services"]["disappeared"]]
    assert "ajs_anonymous_id" in [c["name"] for c in ni["cookies"]["disappeared"]]
    assert ni["cookies"]["appeared"] == [] and ni["services"]["appeared"] == []


def test_findings_of_one_type_are_told_apart_by_their_subject():
    def unknown(host):
        evidence = ({"kind": "request", "host": host},)
        return Finding(type="unknown_third_party", severity="info", phase="no-interaction",
                       service=None, pages=(URL,), evidence=evidence)  # fmt: skip

    def lifetime(name):
        evidence = ({"kind": "cookie", "name": name, "domain": ".example.com"},)
        return Finding(type="cookie_lifetime_over_13_months", severity="medium",
                       phase="no-interaction", service={"id": "ga"}, pages=(URL,),
                       evidence=evidence)  # fmt: skip

    old = make_result(findings=(unknown("a.net"), lifetime("_ga")))
    new = make_result(findings=(unknown("a.net"), unknown("b.net"), lifetime("_ga"),
                                lifetime("_ga_X")))  # fmt: skip
    appeared = diff_results(old, new)["phases"]["no-interaction"]["findings"]["appeared"]
    assert len(appeared) == 2
    # info findings are shown in diffs but are never "new" for --fail-on or a webhook
    assert [f.evidence[0]["name"] for f in new_findings(new, old)] == ["_ga_X"]
