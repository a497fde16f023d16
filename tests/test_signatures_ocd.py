"""The Open Cookie Database importer, on a small fixture in the same CSV format."""

import json
import tomllib
from pathlib import Path

import jsonschema
import pytest

import signatures
from signatures import SignatureError, ocd
from signatures.json_schema import PACKAGE_DIR
from signatures.ocd import Retention, parse_domains, parse_retention

SAMPLE = Path(__file__).parent / "fixtures" / "ocd-sample.csv"


@pytest.fixture(autouse=True)
def isolated_data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


@pytest.fixture
def imported(tmp_path):
    report = ocd.import_csv(SAMPLE, tmp_path / "packs")
    return report, tomllib.loads(Path(report.path).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("13 months", Retention(True, 395)),
        ("1 Year ", Retention(True, 365)),
        ("2 years after last activity", Retention(True, 730)),
        ("30 minutes", Retention(True, round(30 / 1440, 6))),
        ("30 minutes, 3w or 1y depending on value", Retention(True, 365)),
        ("Session to 30 days", Retention(True, 30)),
        ("Session", Retention(False, None)),
        ("End of session (browser)", Retention(False, None)),
        ("Seesion", Retention(False, None)),
        ("forever", Retention(True, None)),
        ("10 Nov 2030", Retention(True, None)),
        ("Unknown", Retention(None, None)),
        ("", Retention(None, None)),
        ("Local Storage", Retention(None, None, storage=True)),
    ],
)
def test_parse_retention(text, expected):
    assert parse_retention(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", ([], False)),
        (".linkedin.com", (["linkedin.com"], False)),
        ("adform.net (3rd party)", (["adform.net"], True)),
        (" or demdex.net (3rd party)", (["demdex.net"], True)),
        (
            ".bing.com (3rd party) or .microsoft.com (3rd party)",
            (["bing.com", "microsoft.com"], True),
        ),
        ("ads-[account].adhese.com", (["adhese.com"], False)),
        (".commander1.com\u200b", (["commander1.com"], False)),
        ("Inspectlet.com", (["inspectlet.com"], False)),
    ],
)
def test_parse_domains(text, expected):
    assert parse_domains(text) == expected


def test_counts(imported):
    report, _ = imported
    assert (report.entries, report.platforms, report.services) == (10, 3, 6)
    assert (report.cookies, report.storage_keys, report.skipped_rows) == (9, 1, 1)
    assert report.entries_per_category == {
        "marketing": 4,
        "analytics": 2,
        "functional": 2,
        "necessary": 1,
        "security": 1,
    }
    assert sum(report.entries_per_category.values()) == report.entries
    assert report.ocd_categories["Personalization"] == 1
    assert (report.prefix_rules, report.regex_rules) == (2, 1)
    assert (report.domain_required, report.never_matched) == (3, 1)
    assert report.unknown_retention == 2  # "Varies" and "Unknown"


def test_pack_records_licence_and_source(imported):
    report, doc = imported
    assert Path(report.path).name == "open-cookie-database.toml"
    assert doc["pack"]["licence"] == "Apache-2.0"
    assert doc["pack"]["source"].startswith("https://github.com/")
    assert doc["pack"]["entries"] == 10
    assert doc["pack"]["imported_from"] == "ocd-sample.csv"
    for svc in doc["services"]:
        assert svc["sources"][0]["title"] == "Open Cookie Database (Apache-2.0)"


def test_pack_passes_the_pack_json_schema(imported):
    _, doc = imported
    schema = json.loads((PACKAGE_DIR / "pack.schema.json").read_text(encoding="utf-8"))
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(doc)) == []
    doc["services"][0]["cookie"] = []  # what validation rejects, the schema rejects
    assert not jsonschema.Draft202012Validator(schema).is_valid(doc)


def test_conversion_rules(imported):
    _, doc = imported
    by_id = {s["id"]: s for s in doc["services"]}
    assert set(by_id) == {
        "ocd-example-analytics-analytics",
        "ocd-example-analytics-functional",
        "ocd-example-ads",
        "ocd-example-shop-functional",
        "ocd-example-shop-necessary",
        "ocd-example-shop-security",
    }
    analytics = by_id["ocd-example-analytics-analytics"]
    assert analytics["vendor"] == {"name": "Example Analytics Ltd"}
    assert analytics["privacy_policy"] == "https://analytics.example.net/privacy"
    visitor, sess = analytics["cookies"]
    assert visitor == {
        "name": "exa_visitor",
        "match": "exact",
        "persistent": True,
        "duration_days": 395,
        "purpose": "Counts returning visitors, first party",
    }
    assert (sess["name"], sess["match"]) == ("exa_sess_", "prefix")
    ads = {(c["name"], c.get("domain")): c for c in by_id["ocd-example-ads"]["cookies"]}
    sync = ads[("exads_sync", "sync.example.org")]
    assert (sync["match"], sync["party"], sync["duration_days"]) == ("prefix", "third", 365)
    assert ("exads_sync", "example.com") in ads  # one rule per domain
    seg = ads[(r"^exads_.*_seg", "ads.example.org")]
    assert seg["match"] == "regex" and "persistent" not in seg  # "Varies": unknown
    assert ads[("xid", "ads.example.org")]["domain_required"] is True
    assert ads[("lang", None)]["domain_required"] is True
    shop = by_id["ocd-example-shop-functional"]
    assert shop["storage"] == [
        {
            "key": "recently_viewed_x",
            "match": "exact",
            "kind": "local",
            "purpose": "Recently viewed products",
        }
    ]
    assert "vendor" not in shop  # no data controller given: left unknown
    [cart] = by_id["ocd-example-shop-necessary"]["cookies"]
    assert (cart["domain"], cart["domain_required"], cart["duration_days"]) == (
        "shop.example.com",
        True,
        30,
    )


def test_imported_pack_matches_with_precedence(imported, tmp_path):
    report, _ = imported
    own = tmp_path / "own"
    own.mkdir()
    (own / "exa.toml").write_text(
        'id = "exa"\nname = "Exa"\ncategory = "analytics"\ndescription = "Ours."\n'
        '[vendor]\nname = "Example Analytics Ltd"\n[[cookies]]\nname = "exa_visitor"\n',
        encoding="utf-8",
    )
    db = signatures.load([own, Path(report.path).parent])
    assert db.match_cookie("exa_visitor").signature_id == "exa"  # own wins
    m = db.match_cookie("exa_sess_12", "www.example.com")
    assert (m.signature_id, m.pattern) == (
        "ocd-example-analytics-analytics",
        "cookie-prefix:exa_sess_",
    )
    m = db.match_cookie("exads_42_seg", ".ads.example.org")
    assert m.pattern == r"cookie-regex:^exads_.*_seg domain:ads.example.org"
    assert m.confidence == 0.8
    assert db.match_cookie("xid", ".ads.example.org").signature_id == "ocd-example-ads"
    assert db.match_cookie("xid", ".example.com") is None  # short name: domain required
    assert db.match_cookie("xid") is None
    assert db.match_cookie("lang", "ads.example.org") is None  # generic, no domain: never
    assert db.match_storage("recently_viewed_x").signature_id == "ocd-example-shop-functional"


def test_default_destination_is_the_user_data_dir(tmp_path):
    report = ocd.import_csv(SAMPLE)
    assert Path(report.path) == tmp_path / "xdg" / "cookiescan" / "signatures" / (
        "open-cookie-database.toml"
    )
    assert "ocd-example-ads" in signatures.load()


def test_not_an_ocd_file(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(SignatureError, match="not an Open Cookie Database CSV"):
        ocd.import_csv(bad, tmp_path)
    with pytest.raises(SignatureError, match="cannot read"):
        ocd.import_csv(tmp_path / "missing.csv", tmp_path)
