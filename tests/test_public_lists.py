"""Public tracker lists the user supplies (issue #12 item 5): the four formats, the CLI that
installs them, their place below our own signatures, the cookies they name, the consent need
their categories give, and one real scan that only a list names (the reports of which are in
tests/test_public_lists_reports.py).

Every sample is written here by hand, in the shape of the real file; none is bundled."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import signatures
from scanner.analyse.match import match_result
from scanner.cli import cli
from signatures import SignatureError, lists
from signatures.listformats import parse_list

DISCONNECT = {
    "license": "Copyright Disconnect, Inc. Licensed under CC BY-NC-SA 4.0.",
    "categories": {
        "Advertising": [
            {"Trackco": {"https://trackco.example/": ["trk.example.net", "ADS.trackco.example"]}}
        ],
        "Analytics": [
            {"Trackco": {"https://trackco.example/": ["stats.trackco.example"]}},
            {"Countly": {"https://countly.example/": ["count.example.org"], "dnt": "eff"}},
        ],
        "Cryptomining": [{"Miner": {"https://m.example/": ["mine.example.org"]}}],
        "Social": [{"Mailjet": {"https://mj.example/": ["social.mj.example"]}}],
    },
}
TDS = {
    "trackers": {
        "pix.radar.example": {
            "domain": "pix.radar.example",
            "owner": {"name": "Radar Corp LLC", "displayName": "Radar Corp"},
            "categories": ["CDN", "Advertising"],
        },
        "fonts.radar.example": {
            "domain": "fonts.radar.example",
            "owner": {"name": "Radar Corp LLC", "displayName": "Radar Corp"},
            "categories": ["CDN"],
        },
        "odd.radar.example": {"domain": "odd.radar.example", "categories": ["Malware"]},
    }
}
GHOSTERY = {
    "categories": {"site_analytics": {"name": "Site Analytics"}},
    "organizations": {"ghostco": {"name": "Ghost Co", "country": "DE"}},
    "patterns": {
        "ghost_analytics": {
            "name": "Ghost Analytics",
            "category": "site_analytics",
            "organization": "ghostco",
            "domains": ["ga.ghost.example", "*.beacon.ghost.example"],
            "filters": ["||ga.ghost.example^$3p"],
        },
        "ghost_misc": {"name": "Ghost Misc", "category": "misc", "domains": ["m.ghost.example"]},
    },
}
#: A Tracker Radar domain file: its script writes the first-party cookie ``_trk``.
RADAR_TRK = {
    "domain": "trk.example.net",
    "owner": {"name": "Trackco Inc.", "displayName": "Trackco"},
    "categories": ["Advertising"],
    "resources": [{
        "rule": "trk\\.example\\.net\\/t\\.js", "cookies": 0.1, "type": "Script",
        "firstPartyCookies": {
            "_trk": {"ttl": 31536000, "length": 23, "prevalence": 0.1, "uniqueness": 1},
            "bad name;": {"ttl": 1, "length": 1, "prevalence": 0.1, "uniqueness": 1},
        },
        "firstPartyCookiesSent": {"_trk": 0.1},
    }],
}  # fmt: skip
EASYPRIVACY = """[Adblock Plus 2.0]
! Title: EasyPrivacy
! a comment
||trk.example.net^
||beacon.example.org^$third-party
/px/track.gif$image
@@||trk.example.net/allowed.js
example.com##.tracking-banner
"""


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    """A user data dir of the test's own: the lists installed here vanish with it."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "cookiescan" / "signatures" / "lists"


def write(tmp_path: Path, name: str, content) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


# -- the four formats ------------------------------------------------------------------
def test_disconnect_maps_organisations_and_categories(tmp_path):
    parsed = parse_list(write(tmp_path, "services.json", DISCONNECT), "disconnect")
    assert parsed.domains == {
        "ads.trackco.example": "trackco-marketing",
        "count.example.org": "countly",
        "social.mj.example": "mailjet",
        "stats.trackco.example": "trackco-analytics",
        "trk.example.net": "trackco-marketing",
    }
    assert parsed.services["trackco-marketing"] == {
        "org": "Trackco", "category": "marketing", "known_as": ["Advertising"],
    }  # fmt: skip
    assert parsed.services["countly"]["category"] == "analytics"
    assert parsed.skipped == 1  # Cryptomining maps to nothing of ours: left to the behaviour judge
    assert "CC BY-NC-SA" in parsed.licence


def test_tracker_radar_tds_and_folder(tmp_path):
    parsed = parse_list(write(tmp_path, "tds.json", TDS), "tracker-radar")
    assert parsed.domains == {"fonts.radar.example": "radar-corp-cdn",
                              "pix.radar.example": "radar-corp-marketing"}  # fmt: skip
    assert parsed.services["radar-corp-marketing"]["known_as"] == ["Advertising", "CDN"]
    assert parsed.skipped == 1  # Malware: no category of ours
    folder = tmp_path / "domains" / "US"
    folder.mkdir(parents=True)
    for domain, entry in TDS["trackers"].items():
        write(folder, f"{domain}.json", entry)
    from_folder = parse_list(tmp_path / "domains", "tracker-radar")
    assert from_folder.domains == parsed.domains


def test_ghostery_patterns_and_organisations(tmp_path):
    parsed = parse_list(write(tmp_path, "trackerdb.json", GHOSTERY), "ghostery")
    assert parsed.domains == {"beacon.ghost.example": "ghost-co", "ga.ghost.example": "ghost-co"}
    assert parsed.services["ghost-co"] == {
        "org": "Ghost Co", "category": "analytics", "known_as": ["site_analytics"],
    }  # fmt: skip


def test_easyprivacy_through_the_adblock_engine_says_which_filter(tmp_path, data_home):
    lists.add_list(write(tmp_path, "easyprivacy.txt", EASYPRIVACY), "easyprivacy")
    db = signatures.load()
    assert isinstance(db, signatures.ListedDB)
    page = "https://shop.example.com/"
    hit = db.match_request("https://a.trk.example.net/t.js", "script", page_url=page)
    assert hit.pattern == "list:easyprivacy filter:||trk.example.net^"
    assert (hit.service.id, hit.service.name, hit.service.category) == (
        "example-net", "example.net", "analytics",
    )  # fmt: skip
    assert hit.service.data["public_list"]["title"] == "EasyPrivacy"
    # an exception rule (@@) wins; a $third-party rule needs a page of another site
    assert db.match_request("https://trk.example.net/allowed.js", "script", page_url=page) is None
    beacon = "https://beacon.example.org/b"
    assert db.match_request(beacon, "image", page_url=page).pattern.endswith("$third-party")
    assert db.match_request(beacon, "image", page_url="https://www.example.org/") is None
    assert db.match_request("https://cdn.example.org/lib.js", "script", page_url=page) is None
    assert (
        db.match_request("https://x.example.org/px/track.gif", "image", page_url=page) is not None
    )


# -- below our own signatures ------------------------------------------------------------
def test_our_signatures_come_first(tmp_path, data_home):
    claims = {"categories": {"Advertising": [
        {"Not Google": {"https://x/": ["google-analytics.com", "trk.example.net"]}},
        {"Mailjet": {"https://y/": ["count.example.org"]}},
    ]}}  # fmt: skip
    lists.add_list(write(tmp_path, "services.json", claims), "disconnect")
    lists.add_list(write(tmp_path, "ep.txt", "||google-analytics.com^\n"), "easyprivacy")
    db = signatures.load()
    ours = db.match_request("https://www.google-analytics.com/g/collect", "fetch")
    assert not ours.pattern.startswith("list:") and not ours.service.imported
    listed = db.match_request("https://trk.example.net/t.js", "script")
    assert (listed.pattern, listed.service.name) == (
        "list:disconnect domain:trk.example.net", "Not Google",
    )  # fmt: skip
    # an organisation whose slug is one of our ids gets the list's name appended
    assert db.match_request("https://count.example.org/c").signature_id == "mailjet-disconnect"
    # lists that name organisations are asked before adblock lists
    assert [p.name for p in db.public_lists] == ["disconnect", "easyprivacy"]


def test_match_copies_the_list_and_the_rules_that_matched(tmp_path, data_home, demo_like):
    lists.add_list(write(tmp_path, "services.json", DISCONNECT), "disconnect")
    result = match_result(demo_like)
    facts = result.services["trackco-marketing"]
    assert facts["public_list"]["list"] == "disconnect"
    assert facts["public_list"]["matched"] == ["list:disconnect domain:trk.example.net"]
    assert facts["description"] == "Known to Disconnect as Advertising."
    assert {m.pattern for m in result.matches if m.service_id == "trackco-marketing"} == {
        "list:disconnect domain:trk.example.net"
    }


@pytest.fixture
def demo_like():
    return demo_like_result()


def demo_like_result():
    """A hand-built result: one page that loads a list-only tracker and a benign CDN."""
    from scanner.model import PhaseResult, Request, ScanResult, Visit

    page = "https://unknown.example.com/"
    requests = tuple(
        Request(url=u, method="GET", resource_type=t, host=u.split("/")[2], party="third",
                time_ms=1.0)
        for u, t in (("https://trk.example.net/t.js", "script"),
                     ("https://cdn.example.org/lib.js", "script"))
    )  # fmt: skip
    visit = Visit(url=page, final_url=page, depth=0, phase="no-interaction", started_at="t",
                  duration_ms=1.0, requests=requests)  # fmt: skip
    return ScanResult(
        start_url=page, first_party=("example.com",), tool_version="0", browser_version="0",
        user_agent="ua", config={}, started_at="t", finished_at="t",
        phases=(PhaseResult("no-interaction", (visit,)),),
    )  # fmt: skip


def test_no_list_installed_costs_nothing(data_home):
    db = signatures.load()
    assert type(db) is signatures.SignatureDB
    assert not data_home.exists()


def test_large_lists_still_match_exactly(tmp_path, data_home):
    rules = "\n".join(f"||t{i}.ads{i % 97}.example^" for i in range(30_000))
    lists.add_list(write(tmp_path, "big.txt", rules), "easyprivacy", name="big")
    cats = {"Advertising": [{f"Org {i}": {"https://o/": [f"d{i}.big.example"]}}
                            for i in range(10_000)]}  # fmt: skip
    lists.add_list(write(tmp_path, "big.json", {"categories": cats}), "disconnect")
    db = signatures.load()
    assert db.match_request("https://t29999.ads26.example/p").pattern.endswith(
        "t29999.ads26.example^"
    )
    assert db.match_request("https://x.d9999.big.example/p").service.name == "Org 9999"
    assert db.match_request("https://t30000.ads0.example/p") is None


# -- the command line --------------------------------------------------------------------
def test_cli_add_list_lists_and_remove_list(tmp_path, data_home):
    runner = CliRunner()
    source = write(tmp_path, "trackerdb.json", GHOSTERY)
    added = runner.invoke(
        cli, ["signatures", "add-list", str(source), "--format", "ghostery", "--name", "ghost"]
    )
    assert added.exit_code == 0, added.output
    assert (data_home / "ghost.json").is_file()
    shown = runner.invoke(cli, ["signatures", "lists"])
    assert shown.exit_code == 0, shown.output
    (row,) = json.loads(shown.stdout)
    assert (row["name"], row["format"], row["entries"]) == ("ghost", "ghostery", 2)
    assert "CC BY-NC-SA" in row["licence"] and "not bundled" in shown.stderr
    removed = runner.invoke(cli, ["signatures", "remove-list", "ghost"])
    assert removed.exit_code == 0, removed.output
    assert json.loads(runner.invoke(cli, ["signatures", "lists"]).stdout) == []
    again = runner.invoke(cli, ["signatures", "remove-list", "ghost"])
    assert again.exit_code == 2
    assert again.stderr.strip() == "Error: no public list 'ghost' (none installed)"


@pytest.mark.parametrize(
    "content, fmt, words",
    [
        ("not json {", "disconnect", "not valid JSON"),
        ({"trackers": []}, "disconnect", "not a Disconnect services.json"),
        (DISCONNECT, "ghostery", "not a Ghostery trackerdb.json"),
        (GHOSTERY, "tracker-radar", "not Tracker Radar data"),
        (DISCONNECT, "easyprivacy", "JSON, not Adblock Plus filter text"),
        ("! only comments\n", "easyprivacy", "no usable entry"),
        ({"categories": {"Cryptomining": []}}, "disconnect", "no usable entry"),
    ],
)
def test_malformed_list_is_one_line_and_exit_2(tmp_path, data_home, content, fmt, words):
    source = write(tmp_path, "list.file", content)
    result = CliRunner().invoke(cli, ["signatures", "add-list", str(source), "--format", fmt])
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert words in result.stderr and str(source) in result.stderr
    assert not data_home.exists() or not list(data_home.iterdir())


def test_corrupt_installed_list_is_one_clear_error(tmp_path, data_home, demo_like):
    data_home.mkdir(parents=True)
    (data_home / "broken.json").write_text('{"cookiescan_list": 1, "format": "ghostery"')
    with pytest.raises(SignatureError) as caught:
        signatures.load()
    assert "broken.json: unreadable public list" in str(caught.value)
    assert "remove-list broken" in str(caught.value) and "\n" not in str(caught.value)
    shown = CliRunner().invoke(cli, ["signatures", "lists"])
    assert shown.exit_code == 1 and len(shown.stderr.strip().splitlines()) == 1
    # a scan's analysis keeps its observations and says why matching was skipped
    from scanner.pipeline import analyse

    analysed = analyse(demo_like)
    assert any("unreadable public list" in w for w in analysed.warnings)


# -- cookies: only Tracker Radar names them --------------------------------------------------
def test_tracker_radar_names_the_cookies_its_scripts_write(tmp_path):
    folder = tmp_path / "domains" / "US"
    folder.mkdir(parents=True)
    write(folder, "trk.example.net.json", RADAR_TRK)
    parsed = parse_list(tmp_path / "domains", "tracker-radar")
    assert parsed.cookies == {"_trk": ["trk.example.net"]}  # "bad name;" is no cookie name
    # tds.json, Disconnect and Ghostery name no cookie
    for name, data, fmt in (("tds.json", TDS, "tracker-radar"), ("s.json", DISCONNECT,
                            "disconnect"), ("t.json", GHOSTERY, "ghostery")):  # fmt: skip
        assert parse_list(write(tmp_path, name, data), fmt).cookies == {}


def test_cookies_from_lists_need_the_page_that_shows_them(tmp_path, data_home):
    folder = tmp_path / "domains" / "US"
    folder.mkdir(parents=True)
    write(folder, "trk.example.net.json", RADAR_TRK)
    lists.add_list(tmp_path / "domains", "tracker-radar")
    db, shop, other = signatures.load(), "https://shop.example.com/", "https://shop.example.com/o"
    on_shop = signatures.page_context(shop, [shop, "https://trk.example.net/t.js"])
    assert db.match_cookie("_trk", "shop.example.com") is None  # no page given
    assert db.match_cookie("trk_uid", "trk.example.net") is None  # nor for a third party
    page = signatures.page_context(other, [other])
    assert db.match_cookie("_trk", "shop.example.com", page=page) is None  # tracker not here
    first = db.match_cookie("_trk", ".shop.example.com", page=on_shop)
    assert (first.pattern, first.signature_id, first.kind, first.confidence) == (
        "list:tracker-radar cookie:_trk domain:trk.example.net", "trackco", "cookie", 0.7,
    )  # fmt: skip
    third = db.match_cookie("trk_uid", "trk.example.net", page=on_shop)
    assert third.pattern == "list:tracker-radar cookie-domain:trk.example.net"
    assert not db.match_cookie("_ga", ".shop.example.com", page=on_shop).pattern.startswith("l")
    assert db.match_cookie("lang", "shop.example.com", page=on_shop) is None
    # the cookies of the tracker's own site, scanned as a site, are not third-party cookies
    page = signatures.page_context("https://trk.example.net/", ["https://trk.example.net/"])
    assert db.match_cookie("session", "trk.example.net", page=page) is None
    # no state is kept between calls: the same question gets the same answer, in any order
    assert db.match_cookie("_trk", "shop.example.com", page=on_shop) == first
    assert db.match_cookie("_trk", "shop.example.com", page=signatures.page_context(shop)) is None


# -- the need for consent a list's category gives ----------------------------------------------
def test_consent_need_follows_the_mapped_category(tmp_path, data_home):
    from scanner.rules import need_of

    radar = {"trackers": {
        "rec.example.net": {"owner": {"name": "Rec"}, "categories": ["Session Replay"]},
        "aud.example.net": {"owner": {"name": "Aud"}, "categories": ["Audience Measurement"]},
        "fonts.example.net": {"owner": {"name": "Fonts"}, "categories": ["CDN"]},
    }}  # fmt: skip
    lists.add_list(write(tmp_path, "services.json", DISCONNECT), "disconnect")
    lists.add_list(write(tmp_path, "tds.json", radar), "tracker-radar")
    db = signatures.load()
    needs = {}
    for host in ("trk.example.net", "social.mj.example", "count.example.org",
                 "rec.example.net", "aud.example.net", "fonts.example.net"):  # fmt: skip
        facts = db.match_request(f"https://{host}/x").service.to_dict()
        needs[host] = (facts.get("compliance", {}).get("consent_required"), need_of(facts))
    assert needs == {
        "trk.example.net": (True, "required"),  # Advertising
        "social.mj.example": (True, "required"),  # Social
        "count.example.org": ("depends", "depends"),  # Analytics: may be exempt
        "rec.example.net": (True, "required"),  # Session Replay is no audience measurement
        "aud.example.net": ("depends", "depends"),
        "fonts.example.net": (None, "exempt"),  # CDN: as our own CDNs
    }
    facts = db.match_request("https://trk.example.net/x").service.to_dict()
    assert "not reviewed by cookiescan" in facts["compliance"]["notes"]


# -- signatures list and check show the lists ----------------------------------------------------
def test_cli_list_and_check_include_the_lists(tmp_path, data_home):
    runner = CliRunner()
    source = write(tmp_path, "trackerdb.json", GHOSTERY)
    lists.add_list(source, "ghostery", name="ghost")
    line = "public list ghost (ghostery, Ghostery TrackerDB): 2 entries"
    listed = runner.invoke(cli, ["signatures", "list", "--category", "consent"])
    assert listed.exit_code == 0, listed.output
    assert line in listed.stderr and json.loads(listed.stdout)  # stdout stays the JSON
    checked = runner.invoke(cli, ["signatures", "check"])
    assert checked.exit_code == 0, checked.output
    assert line in checked.stdout and ", 1 public list: 0 error(s)" in checked.stdout
    (data_home / "broken.json").write_text('{"cookiescan_list": 1')
    broken = runner.invoke(cli, ["signatures", "check"])
    assert broken.exit_code == 1, broken.output
    errors = [e for e in broken.stderr.splitlines() if e.startswith("error:")]
    assert len(errors) == 1 and "broken.json: unreadable public list" in errors[0]
    assert line in broken.stdout and ", 2 public lists: 1 error(s)" in broken.stdout
    # given PATHS, only those files are checked
    one = runner.invoke(cli, ["signatures", "check", "signatures/services/mailjet.toml"])
    assert one.exit_code == 0 and "public list" not in one.stdout
