"""Report formats: JSON (and its schema), CSV, XLSX, Markdown, fed hand-built results.

Golden files live in tests/expected/. After an intended change, regenerate them with::

    COOKIESCAN_REGEN=1 .venv/bin/pytest tests/test_reports.py
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
from pathlib import Path

import pytest
from report_fixtures import demo_result, empty_result, hostile_result

import reports
from reports import ReportError, load_result
from reports.load import result_from_data
from reports.tables import TABLES, build_tables, neutralise

EXPECTED = Path(__file__).parent / "expected"
REGEN = bool(os.environ.get("COOKIESCAN_REGEN"))


def read(path: Path) -> str:
    """Text exactly as stored (no newline translation: CSV rows end with CRLF)."""
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def golden(name: str, text: str) -> None:
    path = EXPECTED / name
    if REGEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    assert path.exists(), f"{path} missing: run with COOKIESCAN_REGEN=1"
    assert text == read(path), f"{name} differs from the golden file"


# -- JSON -----------------------------------------------------------------------------------
def test_json_matches_golden_and_round_trips():
    result = demo_result()
    text = reports.render(result, "json")
    golden("demo.json", text)
    assert result_from_data(json.loads(text)) == result  # the demo keeps no cookie values


def test_json_drops_cookie_values_unless_asked():
    result = hostile_result()
    plain = json.loads(reports.render(result, "json"))
    kept = json.loads(reports.render(result, "json", include_cookie_values=True))
    cookies = plain["phases"][0]["visits"][0]["cookies"]
    assert {c["value"] for c in cookies} == {None}
    assert any(c["value"] for c in kept["phases"][0]["visits"][0]["cookies"])
    assert all(c["value_sha256"] for c in cookies)


@pytest.mark.parametrize("make", [demo_result, empty_result])
def test_json_validates_against_schema(make):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(reports.SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(json.loads(reports.render(make(), "json")), schema)


def test_schema_rejects_what_it_should():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(reports.SCHEMA_PATH.read_text())
    data = json.loads(reports.render(demo_result(), "json"))
    for path, bad in [
        (("phases", 0, "phase"), "after-lunch"),
        (("findings", 0, "type"), "made_up"),
        (("phases", 0, "visits", 0, "requests"), "not a list"),
    ]:
        broken = json.loads(json.dumps(data))
        target = broken
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = bad
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, schema)


def test_schema_documents_every_stable_id():
    text = reports.SCHEMA_PATH.read_text()
    for ident in [
        "no-interaction",
        "accept-all",
        "reject-all",
        "tracking_before_consent",
        "tracking_after_reject",
        "no_consent_banner",
        "no_reject_on_first_layer",
        "consent_stored_before_choice",
        "cookie_lifetime_over_13_months",
        "unknown_third_party",
        "verdict",
    ]:
        assert f'"const": "{ident}"' in text, ident


def test_judged_result_renders_and_validates():
    judge = pytest.importorskip("scanner.analyse.judge")
    result = dataclasses.replace(demo_result(), findings=())
    result = dataclasses.replace(result, findings=judge.judge(result))
    for fmt in reports.FORMATS:
        assert reports.render(result, fmt)
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(reports.SCHEMA_PATH.read_text())
    jsonschema.validate(json.loads(reports.render(result, "json")), schema)


# -- loading --------------------------------------------------------------------------------
def test_load_result_reads_a_saved_file(tmp_path):
    path = tmp_path / "result.json"
    reports.write(demo_result(), "json", path)
    assert load_result(path) == demo_result()


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such file"),
        ("{not json", "not valid JSON (line 1"),
        ("[1, 2]", "not a cookiescan result"),
        ('{"start_url": "x", "phases": []}', "first_party: missing"),
        ("SHAPE", "phases[0].visits[0].requests: expected a list, got a string"),
        ("SEVERITY", "findings[0].severity: expected one of"),
        ("VERSION", "schema_version '2.0' is not supported"),
    ],
)
def test_load_result_explains_bad_files(tmp_path, content, message):
    path = tmp_path / "result.json"
    data = demo_result().to_dict()
    if content == "SHAPE":
        data["phases"][0]["visits"][0]["requests"] = "oops"
    elif content == "SEVERITY":
        data["findings"][0]["severity"] = "catastrophic"
    elif content == "VERSION":
        data["schema_version"] = "2.0"
    if content is not None:
        path.write_text(json.dumps(data) if content.isupper() else content)
    with pytest.raises(ReportError) as info:
        load_result(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_load_result_on_a_directory(tmp_path):
    with pytest.raises(ReportError, match="is a directory"):
        load_result(tmp_path)


def test_unknown_format():
    with pytest.raises(ReportError, match="unknown report format 'odt'"):
        reports.render(demo_result(), "odt")


# -- tables ---------------------------------------------------------------------------------
def test_csv_tables_match_golden(tmp_path):
    written = reports.write(demo_result(), "csv", tmp_path / "tables")
    assert [p.name for p in written] == [f"{t}.csv" for t in TABLES]
    for path in written:
        golden(f"csv/{path.name}", read(path))


def test_flat_csv_is_the_findings_table(tmp_path):
    (path,) = reports.write(demo_result(), "csv", tmp_path / "findings.csv")
    assert read(path) == reports.render(demo_result(), "csv")
    rows = list(csv.DictReader(io.StringIO(read(path), newline="")))
    assert [r["type"] for r in rows] == [
        "tracking_before_consent",
        "tracking_after_reject",
        "cookie_lifetime_over_13_months",
        "unknown_third_party",
        "verdict",
    ]


def test_tables_carry_phase_page_party_service_category():
    frames = build_tables(demo_result())
    for name in ("requests", "cookies", "storage", "services", "findings"):
        assert {"phase", "page", "party", "service", "category"} <= set(frames[name].columns)
    req = frames["requests"]
    px = req[req.host == "px.adnetwork.example.net"]
    assert set(px.service_id) == {"unknown"} and set(px.category) == {"unknown"}
    ga = req[req.service_id == "google-analytics-4"]
    assert set(ga.pattern) == {"google-analytics.com"} and set(ga.category) == {"analytics"}
    first = req[req.resource_type == "document"]
    assert first.service_id.isna().all()  # first-party and unmatched: no service
    svc = frames["services"]
    mj = svc[svc.service_id == "mailjet"]
    assert sorted(mj.phase) == ["accept-all", "reject-all"]
    assert set(mj.verdict) == {"tracks-after-reject"}
    cookies = frames["cookies"]
    assert "value" not in cookies.columns
    ga_cookie = cookies[(cookies.name == "_ga") & (cookies.phase == "no-interaction")].iloc[0]
    assert ga_cookie.purpose.startswith("Random client ID") and ga_cookie.lifetime == "13 months"


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_neutralise(cell):
    assert neutralise(cell) == "'" + cell
    assert neutralise("plain") == "plain" and neutralise(-1) == -1


def test_csv_neutralises_formulas(tmp_path):
    paths = reports.write(hostile_result(), "csv", tmp_path)
    text = read(tmp_path / "cookies.csv")
    names = [r["name"] for r in csv.DictReader(io.StringIO(text, newline=""))]
    assert '\'=HYPERLINK("http://evil.example.net","x")' in names
    assert {"'+1+1", "'-2", "'@SUM(A1)", "'\tTAB", "'\rCR"} <= set(names)
    for path in paths:
        for row in csv.reader(io.StringIO(read(path), newline="")):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (path.name, cell)


def test_xlsx_has_a_sheet_per_table_and_no_formulas(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    data = reports.render(hostile_result(), "xlsx")
    assert isinstance(data, bytes)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == list(TABLES)
    seen = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    seen.add(cell.value)
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert '\'=HYPERLINK("http://evil.example.net","x")' in seen


def test_cookie_values_only_on_request():
    result = hostile_result()
    plain = build_tables(result)["cookies"]
    kept = build_tables(result, include_cookie_values=True)["cookies"]
    secret = "<script>window.__pwned=1</script>"
    assert secret not in plain.to_csv() and secret in set(kept["value"].dropna())
    assert "sid" in set(plain.name) and "0123456789abcdef" in set(plain.value_sha256)
    assert secret not in reports.render(result, "html")
    assert secret not in reports.render(result, "md")


# -- Markdown -------------------------------------------------------------------------------
def test_markdown_matches_golden():
    golden("demo.md", reports.render(demo_result(), "md"))


def test_markdown_escapes_site_strings():
    text = reports.render(hostile_result(), "md")
    assert "<" not in text.replace("&lt;", "")
    assert "](javascript" not in text and "[x](" not in text
    # every table row keeps its column count: a "|" in site data is escaped
    tables: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith("|"):
            if not tables or tables[-1][-1] is None:
                tables.append([])
            tables[-1].append(line.replace("\\|", "").count("|"))
        elif tables and tables[-1][-1] is not None:
            tables[-1].append(None)
    assert len(tables) >= 3
    for counts in tables:
        counts = [c for c in counts if c is not None]
        assert len(set(counts)) == 1, counts
