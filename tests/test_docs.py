"""Docs agree with the code: every command documented, every ScanConfig field an option."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from scanner.cli import cli
from scanner.config import ScanConfig

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()
# ScanConfig fields that are not options: the URL is an argument; `extra` is for the library.
NOT_OPTIONS = {"url", "extra"}
OPTION_NAMES = {"use_sitemap": "sitemap", "browser_args": "browser-arg"}


def commands(group=cli, prefix=""):
    for name, command in group.commands.items():
        yield prefix + name, command
        if isinstance(command, click.Group):
            yield from commands(command, prefix + name + " ")


@pytest.mark.parametrize("name, command", list(commands()))
def test_every_command_has_help_and_is_in_readme(name, command):
    assert command.help, f"{name} has no help text"
    assert f"cookiescan {name}" in README, f"`cookiescan {name}` is not in README.md"


def test_every_config_field_is_an_option_with_the_same_default():
    scan = cli.commands["scan"]
    ctx = click.Context(scan)
    params = {p.name: p for p in scan.params}
    for field in dataclasses.fields(ScanConfig):
        if field.name in NOT_OPTIONS:
            continue
        param = params.get(field.name)
        assert param is not None, f"ScanConfig.{field.name} has no CLI option"
        default = getattr(ScanConfig(url=""), field.name)
        got = param.get_default(ctx)
        if field.name in ("phases", "consent_engines"):
            assert got == ",".join(default)
            continue
        expected = list(default) if isinstance(default, tuple) else default
        got = list(got) if isinstance(got, (tuple, list)) else got
        if param.multiple and not expected:
            assert not got
        else:
            assert got == expected, f"--{OPTION_NAMES.get(field.name, field.name)} default"


def test_readme_help_is_current():
    # The --help blocks in README.md are generated with cog: `make cog` refreshes them.
    result = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", "README.md"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_json_schema_is_generated_from_the_model():
    # The JSON schema is the contract users script against. It is generated from the result
    # model's declaration; the committed file must be exactly what the model says.
    import json

    from scanner.model import json_schema

    path = ROOT / "reports" / "schema" / "result.schema.json"
    generated = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if os.environ.get("COOKIESCAN_REGEN"):
        path.write_text(generated, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == generated, (
        "reports/schema/result.schema.json is stale: run "
        "COOKIESCAN_REGEN=1 pytest tests/test_docs.py -k json_schema"
    )


def test_json_schema_documents_every_model_field():
    # Every field of every model class carries a description (its attribute docstring) or is
    # of a documented type.
    from scanner.model import json_schema

    schema = json_schema()
    undocumented = []
    for name, definition in [("ScanResult", schema), *schema["$defs"].items()]:
        assert definition.get("description"), f"{name} has no description"
        for field, spec in definition.get("properties", {}).items():
            if not (spec.get("description") or "$ref" in spec or spec.get("oneOf")):
                undocumented.append(f"{name}.{field}")
    assert not undocumented, f"give these an attribute docstring: {undocumented}"
