"""The email scan result: its JSON Schema is generated from the declaration, and every
output of ``cookiescan email`` fits it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema

import signatures
from scanner.mail import EmailScan, json_schema, render_schema, scan_paths

ROOT = Path(__file__).parent.parent
SCHEMA = ROOT / "scanner" / "mail" / "email.schema.json"


def test_committed_schema_is_generated_from_the_model():
    generated = render_schema()
    if os.environ.get("COOKIESCAN_REGEN"):
        SCHEMA.write_text(generated, encoding="utf-8")
    assert SCHEMA.read_text(encoding="utf-8") == generated, (
        "scanner/mail/email.schema.json is stale: run "
        "COOKIESCAN_REGEN=1 pytest tests/test_email_schema.py"
    )


def test_every_field_is_described():
    schema = json_schema()
    missing = []
    for name, definition in [("EmailScan", schema), *schema["$defs"].items()]:
        assert definition.get("description"), f"{name} has no description"
        for field, spec in definition.get("properties", {}).items():
            if not (spec.get("description") or "$ref" in spec):
                missing.append(f"{name}.{field}")
    assert not missing, f"give these an attribute docstring: {missing}"


def test_a_scan_of_every_test_email_fits_the_schema_and_reads_back():
    scan = scan_paths([ROOT / "tests" / "emails"], db=signatures.load([signatures.BUNDLED_DIR]))
    text = scan.to_json()
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    errors = sorted(validator.iter_errors(json.loads(text)), key=str)
    assert not errors, errors[0]
    assert EmailScan.from_json(text) == scan
