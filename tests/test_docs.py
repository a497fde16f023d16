"""Docs agree with the code: every command documented, every ScanConfig field an option."""

from __future__ import annotations

import dataclasses
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


def test_json_schema_documents_every_model_field():
    # The JSON schema is the contract users script against: every field of the result model
    # must be documented in it.
    import json

    from scanner import model

    schema = json.loads((ROOT / "reports" / "schema" / "result.schema.json").read_text())
    defs = schema["$defs"]
    for cls in (
        model.Request,
        model.Cookie,
        model.StorageItem,
        model.PageError,
        model.Visit,
        model.ConsentAction,
        model.PhaseResult,
        model.Match,
        model.Finding,
    ):
        documented = set(defs[cls.__name__]["properties"])
        missing = {f.name for f in dataclasses.fields(cls)} - documented
        assert not missing, f"{cls.__name__}: {sorted(missing)} not in the JSON schema"
    top = {f.name for f in dataclasses.fields(model.ScanResult)} - set(schema["properties"])
    assert not top, f"ScanResult: {sorted(top)} not in the JSON schema"
