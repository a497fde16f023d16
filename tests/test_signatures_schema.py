# ruff: noqa: F811 - the fixture db imported from signature_helpers is redefined as an argument
"""The signature file's declaration: validation with the file and field named, the bundled
files, and the JSON Schema generated from the declaration."""

import json
import tomllib

import pytest
from signature_helpers import db, no_user_packs, schema_validator, service, write  # noqa: F401

import signatures
from signatures import Service, SignatureError, json_schema
from signatures.loader import read_file
from signatures.schema import ServiceFile

# --- schema ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, message",
    [
        ({"hosts": ["https://mjt.lu"]}, "'hosts[0]' must be a host name"),
        ({"hosts": ["MJT.lu"]}, "'hosts[0]' must be lowercase"),
        ({"hosts": ["lu"]}, "'hosts[0]' must be a host name"),
        ({"category": "ads"}, "'category' must be one of necessary"),
        ({"cookie": []}, "unknown key 'cookie' (did you mean 'cookies'?)"),
        ({"cookies": [{"name": "x", "match": "glob"}]}, "'cookies[0].match' must be one of"),
        ({"cookies": [{"name": "(", "match": "regex"}]}, "'cookies[0].name' is not a valid"),
        (
            {"cookies": [{"name": "x", "persistent": False, "duration_days": 3}]},
            "'cookies[0].duration_days' is given for a session cookie",
        ),
        ({"cookies": [{"name": "x", "duration_days": True}]}, "'cookies[0].duration_days'"),
        (
            {"cookies": [{"name": "x", "duration_days": -1}]},
            "'cookies[0].duration_days' must be a number of days >= 0 (got -1)",
        ),
        ({"cookies": {"name": "x"}}, "'cookies' must be an array of tables (got dict)"),
        ({"cookies": [{"name": "x", "nmae": "y"}]}, "'cookies[0].nmae' (did you mean 'name'?)"),
        ({"cookies": [{"purpose": "x"}]}, "'cookies[0].name' is required"),
        ({"urls": [{"host": "google.com"}]}, "'urls[0]' needs 'path', 'regex' or 'resource'"),
        ({"urls": [{"host": "google.com", "path": "x"}]}, "'urls[0].path' must start with '/'"),
        ({"urls": [{"host": "g.com", "resource": "js"}]}, "'urls[0].resource' must be one of"),
        ({"vendor": {"name": "A", "country": "France"}}, "'vendor.country' must look like"),
        ({"vendor": {"name": "A", "hosts": ["a.com"]}}, "must come before the first [table]"),
        ({"compliance": {"consent_required": "yes"}}, "'compliance.consent_required'"),
        (
            {"compliance": {"consent_required": 1}},
            "'compliance.consent_required' must be one of true, false, depends (got 1)",
        ),
        ({"compliance": {"risk": "severe"}}, "'compliance.risk' must be one of low"),
        (
            {"compliance": {"legal_bases": [{"use": "x", "basis": "vibes"}]}},
            "'compliance.legal_bases[0].basis' must be one of consent",
        ),
        ({"compliance": {"transfers": [{"safeguards": []}]}}, "transfers[0].destination"),
        ({"sources": [{"about": "x"}]}, "'sources[0]' needs a 'title' or a 'url'"),
        ({"website": "www.acme.com"}, "'website' must be an http(s) URL"),
        ({"description": "  "}, "'description' must not be empty"),
        ({"id": "Acme"}, "'id' must look like"),
        ({"website": None}, "'website' must be a string (got NoneType)"),  # TOML has no null
    ],
)
def test_validation_names_file_and_field(change, message):
    with pytest.raises(SignatureError) as info:
        Service.from_dict(service(**change), origin="services/acme.toml")
    assert str(info.value).startswith("services/acme.toml: ")
    assert message in str(info.value)
    # The JSON Schema, generated from the same declaration, rejects it too (but for the two
    # checks that span fields and that JSON Schema does not express).
    if not any(words in str(info.value) for words in ("session cookie", "regular expression")):
        assert not schema_validator("service.schema.json").is_valid(service(**change))


def test_required_fields_and_imported_relaxation():
    data = service()
    del data["vendor"]
    with pytest.raises(SignatureError, match="'vendor' is required"):
        Service.from_dict(data, origin="x.toml")
    assert Service.from_dict(data, origin="p.toml", pack="p").imported


def test_id_must_equal_file_stem(tmp_path):
    path = write(tmp_path / "other.toml", service())
    with pytest.raises(SignatureError, match="other.toml: 'id' must equal the file name stem"):
        read_file(path)


def test_bad_toml_names_the_file(tmp_path):
    path = tmp_path / "acme.toml"
    path.write_text('id = "acme"\nname = \n', encoding="utf-8")
    with pytest.raises(SignatureError, match="acme.toml: not valid TOML"):
        read_file(path)


def test_bundled_files_are_valid_and_mailjet_is_complete(db):
    mailjet = db.service("mailjet").to_dict()
    assert set(mailjet["hosts"]) >= {"mailjet.com", "app.mailjet.com", "mjt.lu", "api.mailjet.com"}
    cookies = {c["name"]: c for c in mailjet["cookies"]}
    assert cookies["mj.preferences"]["persistent"] and cookies["mj.preferences"]["party"] == "first"
    assert cookies["mj_session"]["persistent"] is False
    c = mailjet["compliance"]
    assert (mailjet["category"], c["risk"]) == ("analytics", "medium")
    assert c["cookieless_available"] and c["consent_required"] is True
    assert {b["basis"] for b in c["legal_bases"]} == {"consent", "contract", "legitimate-interest"}
    regs = " ".join(c["regulations"])
    for reg in ("GDPR", "ePrivacy", "CNIL", "UWG", "DSGVO", "LSSI", "Garante", "PECR"):
        assert reg in regs
    where = " ".join(t["destination"] for t in c["transfers"])
    for country in ("Sweden", "United States", "India", "Singapore"):
        assert country in where
    safeguards = {s for t in c["transfers"] for s in t.get("safeguards", [])}
    assert safeguards == {"EU-US Data Privacy Framework", "Standard Contractual Clauses"}
    assert "France" in c["server_locations"][0] and "Frankfurt" in c["server_locations"][1]
    assert c["dpia"] and c["sample_consent_text"] and "Brevo" in c["alternatives"][0]
    assert mailjet["vendor"]["country"] == "FR"
    json.dumps(mailjet)  # JSON-ready


def test_to_dict_keeps_toml_keys_and_is_a_copy(tmp_path):
    data = service(hosts=["acme.io"], cookies=[{"name": "a", "purpose": "p"}])
    path = write(tmp_path / "acme.toml", data)
    [svc] = read_file(path)
    out = svc.to_dict()
    assert out == tomllib.loads(path.read_text())
    out["hosts"].append("evil.com")
    assert svc.hosts == ["acme.io"]


# --- the JSON Schema, generated from the declaration ----------------------------------------

REGENERATE = ".venv/bin/python -m signatures.json_schema"


@pytest.mark.parametrize("name", sorted(json_schema.SCHEMA_FILES))
def test_committed_json_schema_is_generated_from_the_declaration(name):
    model, title = json_schema.SCHEMA_FILES[name]
    committed = (json_schema.PACKAGE_DIR / name).read_text(encoding="utf-8")
    assert committed == json_schema.render(model, title), (
        f"signatures/{name} differs from what signatures/schema.py declares; "
        f"regenerate it with:\n    {REGENERATE}"
    )


def test_json_schema_accepts_the_bundled_files():
    validator = schema_validator("service.schema.json")
    for path in sorted(signatures.BUNDLED_DIR.glob("*.toml")):
        errors = [e.message for e in validator.iter_errors(tomllib.loads(path.read_text()))]
        assert errors == [], path.name


def test_every_field_is_described_by_its_docstring():
    schema = json_schema.json_schema(ServiceFile)
    assert schema["properties"]["hosts"]["description"] == (
        ServiceFile.model_fields["hosts"].description
    )
    for table in [schema, *schema["$defs"].values()]:
        assert table.get("description"), table.get("title")
        for key, field in table["properties"].items():
            # A table field may keep its table's description ($ref), which pydantic omits.
            assert field.get("description") or field.get("$ref"), (table.get("title"), key)
