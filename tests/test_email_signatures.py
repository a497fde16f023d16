"""The ``[email]`` table of signature files: declared in signatures/schema.py, validated with
messages in the house style, described in the committed JSON Schema."""

from __future__ import annotations

import json

import jsonschema
import pytest

import signatures
from signatures import SignatureError, json_schema
from signatures.validate import validate_service

BASE = {
    "id": "x",
    "name": "X",
    "category": "marketing",
    "description": "An ESP.",
    "vendor": {"name": "X"},
}


@pytest.mark.parametrize(
    "email, message",
    [
        ({"opens": [{"host": "*", "path": "/o/"}]},
         "'email.opens[0].path' is too broad for host '*': '/o/' has 3 literal characters, "
         "needs 6 with 3 letters or digits"),
        ({"clicks": [{"host": "MJT.lu"}]},
         "'email.clicks[0].host' must be lowercase (got 'MJT.lu')"),
        ({"clicks": [{"host": "mjt.lu", "regx": "/lnk/"}]},
         "unknown key 'email.clicks[0].regx' (did you mean 'regex'?)"),
        ({"headers": [{"name": "X-MJ: Mid"}]},
         "'email.headers[0].name' must be a header name like 'X-MJ-Mid' (no colon, no space) "
         "(got 'X-MJ: Mid')"),
        ({"headers": [{"name": "X-MJ-Mid", "match": "regex"}]},
         "'email.headers[0].match' must be one of exact, prefix (got 'regex')"),
        ({"headers": [{"name": "X-MJ-Mid", "regex": "("}]},
         "'email.headers[0].regex' is not a valid regular expression"),
        ({"open": []}, "unknown key 'email.open' (did you mean 'opens'?)"),
    ],
)  # fmt: skip
def test_bad_email_tables_are_named_by_file_and_field(email, message):
    with pytest.raises(SignatureError) as caught:
        validate_service({**BASE, "email": email}, "services/x.toml")
    assert str(caught.value).startswith(f"services/x.toml: {message}")


def test_a_bare_host_is_a_valid_email_rule():
    validate_service({**BASE, "email": {"opens": [{"host": "trk.example.com"}]}}, "x.toml")


def test_the_json_schema_describes_and_accepts_every_bundled_email_table():
    schema = json.loads((json_schema.PACKAGE_DIR / "service.schema.json").read_text())
    assert schema["properties"]["email"]["$ref"] == "#/$defs/Email"
    for name in ("Email", "EmailUrlRule", "EmailHeaderRule"):
        for field, spec in schema["$defs"][name]["properties"].items():
            assert spec.get("description"), f"{name}.{field}"
    validator = jsonschema.Draft202012Validator(schema)
    db = signatures.load([signatures.BUNDLED_DIR])
    with_email = [s for s in db.services if "email" in s.data]
    assert len(with_email) >= 16
    for service in with_email:
        assert not list(validator.iter_errors(service.to_dict())), service.id
        assert service.category in ("marketing", "analytics"), service.id  # Mailjet: analytics
