"""``cookiescan email``: formats, output file, exit codes, the bundled sample newsletter."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import cli

EMAILS = Path(__file__).parent / "emails"


def run(*args: str):
    return CliRunner().invoke(cli, ["email", *args], catch_exceptions=False)


def test_without_path_it_scans_the_bundled_newsletter():
    result = run("-q")
    assert result.exit_code == 0, result.output
    scan = json.loads(result.stdout)
    assert scan["fetched"] is False
    assert scan["inputs"][0].endswith("newsletter.eml")
    assert [e["name"] for e in scan["messages"][0]["events"]][3:] == [
        "Opened", "Link Clicked", "Unsubscribed",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "fmt, marker",
    [("json", '"messages"'), ("md", "# Email tracking report"), ("html", "<!doctype html>"),
     ("csv", "message,subject,sender,kind")],
)  # fmt: skip
def test_formats_written_to_a_file(tmp_path, fmt, marker):
    out = tmp_path / f"out.{fmt}"
    result = run(str(EMAILS / "esp-brevo.eml"), "--format", fmt, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert marker in out.read_text(encoding="utf-8")
    assert result.stdout == ""
    assert "done: 1 message(s), 0 not scanned; written to" in result.stderr


def test_a_folder_and_an_mbox_give_one_result_per_message_and_a_summary_per_sender():
    result = run(str(EMAILS / "several.mbox"), str(EMAILS / "transactional.eml"), "-q")
    assert result.exit_code == 0, result.output
    scan = json.loads(result.stdout)
    assert len(scan["messages"]) == 5
    assert {s["sender"]: s["messages"] for s in scan["senders"]} == {
        "news@shop.example.com": 3,
        "orders@shop.example.com": 2,
    }


def test_fail_on_exits_1_only_when_a_finding_is_that_severe():
    assert run(str(EMAILS / "esp-mailjet.eml"), "--fail-on", "high", "-q").exit_code == 1
    assert run(str(EMAILS / "transactional.eml"), "--fail-on", "low", "-q").exit_code == 0
    bad = run(str(EMAILS / "binary-junk.eml"), "--fail-on", "high", "-q")
    # A message that cannot be read has an error, which is not a finding.
    assert bad.exit_code == 0, bad.output


def test_a_missing_path_exits_2():
    result = run("no/such/file.eml")
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_an_unreadable_path_exits_2_after_writing_the_others(tmp_path, monkeypatch):
    shutil.copy(EMAILS / "esp-mailjet.eml", tmp_path / "a.eml")
    shutil.copy(EMAILS / "esp-brevo.eml", tmp_path / "locked.eml")
    real_open = Path.open

    def open_(self, *args, **kwargs):  # tests run as root: chmod 000 would not stop a read
        if self.name == "locked.eml":
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_)
    result = run(str(tmp_path))
    assert result.exit_code == 2, result.output
    scan = json.loads(result.stdout)
    assert [Path(m["source"]).name for m in scan["messages"]] == ["a.eml"]
    assert scan["unreadable"] == [f"{tmp_path / 'locked.eml'}: cannot read: Permission denied"]


def test_help_has_an_example():
    result = run("--help")
    assert result.exit_code == 0
    assert "Example:" in result.output and "cookiescan email" in result.output
