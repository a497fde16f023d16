"""The ``signatures`` click group, tested directly with CliRunner, and the bench helper."""

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from benchmarks import signatures_bench as bench
from signatures.cli import signatures_cli

SAMPLE = Path(__file__).parent / "fixtures" / "ocd-sample.csv"


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(signatures_cli, list(args), catch_exceptions=False)

    return invoke


def test_group_name():
    assert isinstance(signatures_cli, click.Group) and signatures_cli.name == "signatures"
    assert set(signatures_cli.commands) == {
        "list", "show", "check", "import-ocd", "add-list", "lists", "remove-list",
    }  # fmt: skip
    for command in signatures_cli.commands.values():
        assert "Example:" in (command.help or "")


def test_list_and_category(run):
    result = run("list")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {"id": "mailjet", "name": "Mailjet", "category": "analytics",
            "vendor": "Mailjet SAS", "pack": None} in rows  # fmt: skip
    result = run("list", "--category", "analytics")
    assert result.exit_code == 0, result.output
    analytics = json.loads(result.stdout)
    assert analytics and {r["category"] for r in analytics} == {"analytics"}
    assert len(analytics) < len(rows)
    assert run("list", "--category", "ads").exit_code == 2


def test_show(run):
    result = run("show", "mailjet")
    assert result.exit_code == 0, result.output
    facts = json.loads(result.stdout)
    assert facts["compliance"]["risk"] == "medium" and "mjt.lu" in facts["hosts"]
    result = run("show", "mailjt")
    assert result.exit_code == 2
    assert "no service 'mailjt'" in result.output and "mailjet" in result.output
    assert "Traceback" not in result.output


def test_check_passes_on_the_bundled_files(run):
    result = run("check")
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.stdout


def test_check_reports_every_bad_file(run, tmp_path):
    d = tmp_path / "sigs"
    d.mkdir()
    base = 'name = "X"\ncategory = "cdn"\ndescription = "d"\n[vendor]\nname = "V"\n'
    (d / "good.toml").write_text('id = "good"\nhosts = ["a.io"]\n' + base)
    (d / "dup.toml").write_text('id = "dup"\nhosts = ["a.io"]\n' + base)
    (d / "typo.toml").write_text('id = "typo"\nhostz = ["b.io"]\n' + base)
    (d / "broken.toml").write_text('id = "broken"\nname = \n')
    result = run("check", str(d))
    assert result.exit_code == 1
    assert "broken.toml: not valid TOML" in result.stderr
    assert "typo.toml: unknown key 'hostz' (did you mean 'hosts'?)" in result.stderr
    assert "'hosts' 'a.io' is already claimed by" in result.stderr
    assert "4 files, 2 own services, 0 imported: 3 error(s)" in result.stdout
    assert "Traceback" not in result.output


def test_load_error_is_a_clear_message(run, tmp_path):
    user_dir = tmp_path / "xdg" / "cookiescan" / "signatures"
    user_dir.mkdir(parents=True)
    (user_dir / "bad.toml").write_text('[pack]\nname = "bad"\n')
    result = run("list")
    assert result.exit_code == 1
    assert "'pack.licence' is required" in result.output
    assert "signatures check" in result.output


def test_import_ocd(run, tmp_path):
    dest = tmp_path / "packs"
    result = run("import-ocd", str(SAMPLE), "--dest", str(dest))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["entries"] == 10 and report["platforms"] == 3
    assert (dest / "open-cookie-database.toml").exists()
    assert run("check", str(dest)).exit_code == 0
    result = run("import-ocd", str(SAMPLE))  # default: the user data dir
    assert result.exit_code == 0, result.output
    shown = run("show", "ocd-example-ads")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["name"] == "Example Ads"


def test_import_ocd_bad_input(run, tmp_path):
    result = run("import-ocd", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2 and "cannot read" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n")
    result = run("import-ocd", str(bad))
    assert result.exit_code == 2 and "not an Open Cookie Database CSV" in result.output
    assert "Traceback" not in result.output


def test_bench_small(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    figures = bench.run_bench(str(SAMPLE), sizes=(500, 2000))
    assert figures["ocd_entries"] == 10 and figures["imported_services"] == 6
    for key in ("us_per_host_lookup", "us_per_url", "us_per_url_miss", "us_per_cookie"):
        assert 0 < figures[key] < 1000
    assert 0 < figures["us_per_url_miss_without_wildcards"] < 1000
    assert figures["wildcard_url_rules"] >= 8
    assert all(0 < r["us_per_url_miss"] < 1000 for r in figures["synthetic"])
    assert [r["host_patterns"] for r in figures["synthetic"]] == [
        figures["host_patterns"] + 500,
        figures["host_patterns"] + 2000,
    ]
    json.dumps(figures)
