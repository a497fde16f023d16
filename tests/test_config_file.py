"""cookiescan.toml, COOKIESCAN_* variables and `config show` (scanner/cli/config.py): the
precedence command line > environment > profile > [scan] > default, as Click resolves it."""

from __future__ import annotations

import contextlib
import json

import pytest
from click.testing import CliRunner

from scanner.cli import cli

FILE = """
[scan]
max_pages = 7
phases = ["no-interaction", "reject-all"]
dwell = 2.0

[profiles.eu-mobile]
device = "Pixel 7"
locale = "fr-FR"
max_pages = 9
proxy = "http://user:secret@eu-proxy.example:3128"
"""


def show(tmp_path, *args, env=None, file=FILE):
    here = tmp_path / "here"
    here.mkdir(exist_ok=True)
    target = here / "cookiescan.toml"
    target.unlink(missing_ok=True)
    if file is not None:
        target.write_text(file)
    with contextlib.chdir(here):  # the file is found in the working directory
        return CliRunner().invoke(cli, ["config", "show", "--format", "json", *args], env=env)


def options(result) -> dict[str, dict]:
    assert result.exit_code == 0, result.output
    return {row["option"]: row for row in json.loads(result.output)["options"]}


def test_file_then_env_then_command_line(tmp_path):
    rows = options(show(tmp_path))
    assert rows["max_pages"] == {**rows["max_pages"], "value": 7, "source": "config file"}
    assert rows["phases"]["value"] == ["no-interaction", "reject-all"]
    assert rows["dwell"]["value"] == 2.0
    assert rows["concurrency"]["source"] == "default"
    rows = options(show(tmp_path, env={"COOKIESCAN_MAX_PAGES": "11"}))
    assert rows["max_pages"]["value"] == 11 and rows["max_pages"]["source"] == "environment"
    rows = options(show(tmp_path, "--max-pages", "3", env={"COOKIESCAN_MAX_PAGES": "11"}))
    assert rows["max_pages"]["value"] == 3 and rows["max_pages"]["source"] == "command line"


def test_a_profile_overrides_the_scan_table_and_hides_secrets(tmp_path):
    rows = options(show(tmp_path, "--profile", "eu-mobile"))
    assert rows["device"]["value"] == "Pixel 7" and rows["device"]["source"] == "config file"
    assert rows["max_pages"]["value"] == 9
    assert rows["dwell"]["value"] == 2.0  # still from [scan]
    assert "secret" not in json.dumps(rows)


def test_unknown_profile_and_bad_files_are_one_line_errors(tmp_path):
    result = show(tmp_path, "--profile", "nope")
    assert result.exit_code == 2 and "unknown profile 'nope' (known: eu-mobile)" in result.output
    for text, message in [
        ("[scan]\nmax_pagez = 3\n", "did you mean 'max_pages'"),
        ("[scan]\nmax_pages = 0\n", "max_pages"),
        ("[scan\n", "not valid TOML"),
        ("[other]\na = 1\n", "unknown table 'other'"),
        ("[profiles.x]\ndevice = 3\n", "[profiles.x]"),
    ]:
        result = show(tmp_path, file=text)
        assert result.exit_code == 2, (text, result.output)
        assert message in result.output, (text, result.output)
        assert "Traceback" not in result.output


def test_an_explicit_config_file_must_exist(tmp_path):
    result = CliRunner().invoke(cli, ["--config", str(tmp_path / "none.toml"), "config", "show"])
    assert result.exit_code == 2 and "no such config file" in result.output


@pytest.mark.parametrize("value", ["", "[scan]\n"])
def test_no_or_empty_file_means_defaults(tmp_path, value):
    rows = options(show(tmp_path, file=value or None))
    assert rows["max_pages"]["value"] == 20 and rows["max_pages"]["source"] == "default"
