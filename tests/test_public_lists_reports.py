"""Reports of services known only from a public tracker list (issue #12 item 5): every format
says "known to <list> (<format>) as <organisation>, <category>; matched <rule>" and that the
service is no reviewed signature of ours, escapes what the list file says, and the one real
scan that only a list names (Tracker Radar: its request, its cookies, a high finding). JUnit
and the dashboard (without a browser: Starlette's TestClient over a history recorded here, as
tests/test_dashboard.py does) say the same sentence."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from xml.etree import ElementTree as ET

import pytest
from conftest import scan_local
from starlette.testclient import TestClient
from test_public_lists import DISCONNECT, RADAR_TRK, demo_like_result, write

import reports
from reports.listed import LIST_CAVEAT
from reports.tables import build_tables
from scanner.dashboard import Settings, create_app
from scanner.fleet import history
from scanner.pipeline import analyse
from signatures import lists

SENTENCE = (
    "known to Disconnect (disconnect) as Trackco, Advertising; matched domain:trk.example.net"
)


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


@pytest.fixture
def demo_like():
    return demo_like_result()


def test_list_advertiser_before_consent_is_high(tmp_path, data_home, demo_like):
    lists.add_list(write(tmp_path, "services.json", DISCONNECT), "disconnect")
    analysed = analyse(demo_like)
    tracking = [f for f in analysed.findings if f.type == "tracking_before_consent"]
    assert [(f.service["id"], f.severity) for f in tracking] == [("trackco-marketing", "high")]
    assert "unless configured to be exempt" not in tracking[0].message


def test_every_format_says_where_a_list_service_came_from(tmp_path, data_home, demo_like):
    lists.add_list(write(tmp_path, "services.json", DISCONNECT), "disconnect")
    result = analyse(demo_like)
    html = reports.render(result, "html")
    assert SENTENCE in html and "reviewed signatures" in html
    assert html.count("From a public list:") == 2  # the finding and the service card
    md = reports.render(result, "md")
    assert SENTENCE.replace("_", "\\_") in md and "Known only from a public list" in md
    services = build_tables(result)["services"]
    assert list(services["public_list"].dropna().unique()) == [SENTENCE]
    assert services.columns[-1] == "public_list"
    sarif = json.loads(reports.render(result, "sarif"))
    (alert,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "tracking_before_consent"]
    assert SENTENCE in alert["message"]["text"]
    assert alert["properties"]["publicList"]["list"] == "disconnect"


def test_without_list_services_the_reports_stay_as_they_were(data_home, demo_like):
    result = analyse(demo_like)  # no list installed: the tracker is judged by behaviour
    assert "public_list" not in build_tables(result)["services"].columns
    for fmt in ("html", "md", "sarif"):
        assert "public list" not in reports.render(result, fmt).lower()


HOSTILE = "<img src=x onerror=alert(1)>[x](javascript:alert(1))"


def test_what_a_list_file_says_is_escaped(tmp_path, data_home, demo_like):
    hostile = {"categories": {"Advertising": [
        {HOSTILE: {"https://x/": ["trk.example.net"]}},
    ], "=HYPERLINK(\"http://evil.example\")": []}}  # fmt: skip
    lists.add_list(write(tmp_path, "services.json", hostile), "disconnect")
    result = analyse(demo_like)
    html = reports.render(result, "html")
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'href="javascript' not in html
    md = reports.render(result, "md")
    assert "<img" not in md and "\\[x\\](javascript:alert(1))" in md
    reports.write(result, "csv", tmp_path / "csv")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "csv" / "services.csv").read_text())))
    assert any(HOSTILE in (r["public_list"] or "") for r in rows)
    for row in rows:
        assert not any((v or "").startswith(("=", "+", "-", "@")) for v in row.values())


def junit_finding_texts(result) -> dict[str, str]:
    """The text of each JUnit failure or system-out, by test case name."""
    root = ET.fromstring(reports.render(result, "junit"))
    texts = {}
    for case in root.iter("testcase"):
        for part in (*case.iter("failure"), *case.iter("system-out")):
            texts[case.get("name")] = part.text or ""
    return texts


def test_junit_says_where_a_list_service_came_from(tmp_path, data_home, demo_like):
    unlisted = junit_finding_texts(analyse(demo_like))  # no list: judged by its behaviour
    assert not any(line.startswith("list: ") for t in unlisted.values() for line in t.splitlines())
    lists.add_list(write(tmp_path, "services.json", DISCONNECT), "disconnect")
    texts = junit_finding_texts(analyse(demo_like))
    failure = texts["tracking_before_consent (no-interaction)"]
    assert f"list: {SENTENCE}; {LIST_CAVEAT}" in failure.splitlines()


def test_junit_keeps_what_a_list_file_says_as_text(tmp_path, data_home, demo_like):
    hostile = {"categories": {"Advertising": [
        {HOSTILE + "\x1b]0;pwned\x07": {"https://x/": ["trk.example.net"]}}]}}  # fmt: skip
    lists.add_list(write(tmp_path, "services.json", hostile), "disconnect")
    xml = reports.render(analyse(demo_like), "junit")
    assert "<img" not in xml and "&lt;img src=x onerror=alert(1)&gt;" in xml
    assert "\x1b" not in xml  # no terminal escape reaches a CI log
    failure = junit_finding_texts(analyse(demo_like))["tracking_before_consent (no-interaction)"]
    assert f"list: known to Disconnect (disconnect) as {HOSTILE}" in failure


@pytest.fixture
def listed_dashboard(tmp_path, data_home, demo_like):
    """A history of two scans of one site, the latest with a service only a list knows (its
    organisation a payload), and the dashboard over it."""
    db = str(tmp_path / "history.sqlite")
    first = dataclasses.replace(analyse(demo_like), started_at="2025-01-06T10:00:00+00:00")
    ids = {"before": history.record(first, db)}
    hostile = {"categories": {"Advertising": [{HOSTILE: {"https://x/": ["trk.example.net"]}}]}}
    lists.add_list(write(tmp_path, "services.json", hostile), "disconnect")
    later = dataclasses.replace(analyse(demo_like), started_at="2025-03-04T10:00:00+00:00")
    ids["listed"] = history.record(later, db)
    app = create_app(Settings(db=db, store=str(tmp_path / "s.sqlite"), out_dir=str(tmp_path)))
    with TestClient(app, base_url="http://127.0.0.1:8765") as client:
        yield client, ids
    history.dispose()


def test_dashboard_site_and_scan_say_where_a_list_service_came_from(listed_dashboard):
    client, ids = listed_dashboard
    said = f"known to Disconnect (disconnect) as {HOSTILE}, Advertising; matched "
    scan = client.get(f"/api/scans/{ids['listed']}").json()
    assert [(s["name"], s["text"][: len(said)]) for s in scan["listed"]] == [(HOSTILE, said)]
    assert scan["listed"][0]["caveat"] == LIST_CAVEAT
    assert client.get(f"/api/scans/{ids['before']}").json()["listed"] == []
    site = client.get("/api/site", params={"site": "https://unknown.example.com/"}).json()
    assert site["scans"][0]["listed"] == scan["listed"] and site["scans"][1]["listed"] == []
    html = client.get("/site", params={"site": "https://unknown.example.com/"}).text
    assert "Known only from a public list" in html and "reviewed signatures" in html
    assert "<img src=x" not in html  # escaped as every other fact of the page
    assert "From a public list: known to Disconnect (disconnect) as &lt;img src=x" in html
    diff = client.get("/diff", params={"old": ids["before"], "new": ids["listed"]}).text
    assert diff.count("Known only from a public list") == 1 and "<img src=x" not in diff


# -- one real scan -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def radar_scan(localweb, tmp_path_factory):
    """unknown.example.com scanned once with a Tracker Radar folder that knows trk.example.net
    (and that its script writes ``_trk``): no signature of ours knows that host."""
    home = tmp_path_factory.mktemp("radar-xdg")
    folder = tmp_path_factory.mktemp("radar") / "domains"
    (folder / "US").mkdir(parents=True)
    write(folder / "US", "trk.example.net.json", RADAR_TRK)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_DATA_HOME", str(home))
        lists.add_list(folder, "tracker-radar")
        yield scan_local(localweb, "https://unknown.example.com/", phases=("no-interaction",))


@pytest.mark.browser
def test_scan_names_a_tracker_only_a_list_knows(radar_scan):
    result = radar_scan
    tracking = [f for f in result.findings if f.type == "tracking_before_consent"]
    assert [(f.service, f.severity) for f in tracking] == [
        ({"id": "trackco", "name": "Trackco", "category": "marketing"}, "high")
    ]
    patterns = {e.get("pattern") for e in tracking[0].evidence}
    assert "list:tracker-radar domain:trk.example.net" in patterns
    # its first-party cookie by the name Tracker Radar gives, its own cookie by its domain
    cookies = {(m.value, m.pattern) for m in result.matches if m.kind == "cookie"}
    assert ("_trk", "list:tracker-radar cookie:_trk domain:trk.example.net") in cookies
    assert ("trk_uid", "list:tracker-radar cookie-domain:trk.example.net") in cookies
    assert not any(value == "lang" for value, _ in cookies)  # the site's own cookie: nobody's
    facts = result.services["trackco"]
    assert facts["public_list"]["matched"][0] == "list:tracker-radar domain:trk.example.net"
    assert facts["compliance"]["consent_required"] is True
    # the benign CDN is in no list: still nobody's service, never flagged
    assert not any(m.value.startswith("https://cdn.example.org/") for m in result.matches)
    assert all((f.service or {}).get("id") != "example.org" for f in result.findings)


@pytest.mark.browser
def test_the_scan_renders_where_its_tracker_came_from(radar_scan, tmp_path):
    said = "known to DuckDuckGo Tracker Radar (tracker-radar) as Trackco, Advertising; matched "
    html = reports.render(radar_scan, "html")
    assert said + "domain:trk.example.net, cookie:_trk domain:trk.example.net" in html
    assert "Content-Security-Policy" in html
    assert said.replace("_", "\\_") in reports.render(radar_scan, "md")
    reports.write(radar_scan, "xlsx", tmp_path / "scan.xlsx")
    services = build_tables(radar_scan)["services"]
    row = services[services["service_id"] == "trackco"].iloc[0]
    assert row["public_list"].startswith(said) and bool(row["consent_required"]) is True
    assert row["needs_consent"] == "yes" and not row["vendor_country"]
