""" "Changes since the previous scan" in the HTML and Markdown reports, from hand-built results."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from report_fixtures import JS_URL, XSS, hostile_changes, hostile_result
from test_diff import finding, make_result

import reports
from reports.changes import UNNAMED, build_changes, format_time
from reports.view import finding_label
from scanner.analyse.diff import diff_results

OLD = make_result(
    {
        "no-interaction": {
            "cookies": [("_ga", ".example.com", "first"), ("keep", "example.com", "first")],
            "hosts": ["a.example.net", "stays.example.net"],
            "services": ["ga"],
        },
        "reject-all": {"cookies": [("gone", "example.com", "first")], "services": ["hotjar"]},
    },
    findings=(finding("tracking_after_reject", phase="reject-all", service="hotjar"),),
    started_at="2025-01-06T04:00:00+01:00",
)
NEW = make_result(
    {
        "no-interaction": {
            "cookies": [("keep", "example.com", "first"), ("_fbp", "example.com", "first")],
            "hosts": ["stays.example.net", "b.example.org"],
            "services": ["ga", "facebook-pixel"],
        },
        "reject-all": {},
        "accept-all": {"services": ["ga"]},
    },
    findings=(finding("tracking_before_consent", service="facebook-pixel"),),
    started_at="2025-01-13T03:00:00+00:00",
)


class Changes(HTMLParser):
    """The changes section as (phase, side, kind, text) tuples, and each phase's text."""

    def __init__(self) -> None:
        super().__init__()
        self.items: set[tuple[str, str, str, str]] = set()
        self.phases: dict[str, str] = {}
        self._phase = ""
        self._chip: tuple[str, str] | None = None
        self._what = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if "change-phase" in classes:
            self._phase = a["data-phase"]
            self.phases[self._phase] = ""
        elif "change" in classes:
            self._chip = ("new" if "new" in classes else "gone", a["data-kind"])
        elif "what" in classes:
            self._what = True

    def handle_data(self, data):
        if self._phase:
            self.phases[self._phase] += data
        if self._what and self._chip:
            self.items.add((self._phase, *self._chip, data))
            self._what = False


def section(html: str) -> str:
    return html[html.index('<section id="changes">') : html.index('<section id="findings">')]


def parse(html: str) -> Changes:
    parser = Changes()
    parser.feed(section(html))
    return parser


def test_section_lists_exactly_what_appeared_and_disappeared():
    html = reports.render(NEW, "html", changes=diff_results(OLD, NEW))
    assert isinstance(html, str)
    parsed = parse(html)
    assert parsed.items == {
        ("no-interaction", "new", "services", "Facebook-Pixel"),
        ("no-interaction", "new", "cookies", "_fbp"),
        ("no-interaction", "gone", "cookies", "_ga"),
        ("no-interaction", "new", "third_party_hosts", "b.example.org"),
        ("no-interaction", "gone", "third_party_hosts", "a.example.net"),
        ("no-interaction", "new", "findings", "Tracking before consent — Facebook-Pixel"),
        ("reject-all", "gone", "services", "Hotjar"),
        ("reject-all", "gone", "cookies", "gone"),
        ("reject-all", "gone", "findings", "Tracking after refusal — hotjar"),
    }
    # the previous scan's date, in UTC; the phase only one scan ran is named, not compared
    text = section(html)
    assert "Compared with the scan of 2025-01-06 03:00 UTC: 4 new, 5 gone" in text
    assert "Run only in this scan, not compared: After accepting all." in text
    assert "accept-all" not in parsed.phases
    # right after the verdict, and in the table of contents
    assert html.index('id="verdict"') < html.index('id="changes"') < html.index('id="findings"')
    assert '<a href="#changes">Changes (4 new, 5 gone)</a>' in html


def test_no_change_says_so():
    html = reports.render(NEW, "html", changes=diff_results(NEW, NEW))
    parsed = parse(html)
    assert parsed.items == set()
    assert set(parsed.phases) == {"no-interaction", "accept-all", "reject-all"}
    assert all("No change" in text for text in parsed.phases.values())
    assert "nothing appeared or disappeared" in section(html)


def test_without_changes_the_report_is_unchanged():
    html = reports.render(NEW, "html")
    assert 'id="changes"' not in html and "#changes" not in html
    assert "Changes since" not in reports.render(NEW, "md")
    # formats without the section ignore it
    assert reports.render(NEW, "json", changes=diff_results(OLD, NEW)) == reports.render(
        NEW, "json"
    )


def test_changes_survive_a_json_round_trip():
    changes = diff_results(OLD, NEW)
    loaded = json.loads(json.dumps(changes))
    assert reports.render(NEW, "html", changes=loaded) == reports.render(
        NEW, "html", changes=changes
    )


def test_changes_of_another_scan_are_refused():
    with pytest.raises(reports.ReportError, match="another scan"):
        reports.render(OLD, "html", changes=diff_results(OLD, NEW))
    with pytest.raises(reports.ReportError, match="diff_results"):
        reports.render(NEW, "html", changes="+ _fbp")  # type: ignore[arg-type]


def test_markdown_section():
    md = reports.render(NEW, "md", changes=diff_results(OLD, NEW))
    assert isinstance(md, str)
    assert md.index("## Changes since the previous scan") < md.index("## What loaded")
    lines = [line for line in md.splitlines() if line.startswith("- **")]
    assert lines[0] == (
        "- **Before any choice**: new services: Facebook-Pixel; "
        "new cookies: \\_fbp (example.com · first party); "
        "gone cookies: \\_ga (example.com · first party); "
        "new third-party hosts: b.example.org; gone third-party hosts: a.example.net; "
        "new findings: high Tracking before consent — Facebook-Pixel "
        "(tracking\\_before\\_consent message)"
    )
    assert "- **After rejecting all**: gone services: Hotjar; gone cookies: gone" in md
    assert "- Run only in this scan, not compared: After accepting all" in md


def test_write_passes_changes(tmp_path):
    [path] = reports.write(NEW, "html", tmp_path / "r.html", changes=diff_results(OLD, NEW))
    assert ("no-interaction", "new", "cookies", "_fbp") in parse(path.read_text()).items


def test_hostile_changes_are_data():
    view = build_changes(hostile_changes(), hostile_result())
    assert view is not None
    first = {k["kind"]: k for k in view["phases"][0]["kinds"]}
    # items of the wrong type are skipped; values of the wrong type are not str()-ed
    assert [i["text"] for i in first["services"]["appeared"]] == [XSS[1], XSS[0], UNNAMED]
    assert first["services"]["appeared"][0]["detail"] == XSS[0]  # an id unlike the name
    gone = first["findings"]["gone"]
    assert [i["text"] for i in gone] == [
        f"{finding_label(XSS[3])} — {XSS[5]}",
        f"Verdict — {XSS[2]}",  # the name of the result's service "evil"
        "Finding",
    ]
    assert [(i["detail"], i["severity"]) for i in gone] == [
        (JS_URL, None),
        (XSS[3], "info"),
        ("", "high"),
    ]
    assert [p["phase"] for p in view["phases"]] == ["no-interaction", "reject-all", "scan", XSS[2]]
    assert view["only_old"] == [XSS[0], "7"] and view["only_new"] == []
    md = reports.render(hostile_result(), "md", changes=hostile_changes())
    assert "<" not in md.split("## Changes since the previous scan")[1].split("## What loaded")[0]


@pytest.mark.parametrize(
    "value, text",
    [
        ("2025-01-06T04:00:00+01:00", "2025-01-06 03:00 UTC"),
        ("2025-01-06T03:00Z", "2025-01-06 03:00 UTC"),
        ("2025-01-06T03:00:00", "2025-01-06 03:00"),
        ("last week", "last week"),
        (None, "an unknown date"),
    ],
)
def test_format_time(value, text):
    assert format_time(value) == text
