"""Progress on stderr (scanner/cli/progress.py): bars on a terminal, lines in a log, NDJSON
for wrappers, nothing with -q; the events the scan emits (scanner/collect/events.py)."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner

from scanner.cli import cli
from scanner.cli.progress import progress_display
from scanner.collect.events import Event, note, page_done, phase_started


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


EVENTS = [
    phase_started("no-interaction", 1, 2),
    page_done("no-interaction", 1, 3, "https://a.example/", 10, 2, []),
    page_done("no-interaction", 2, 5, "https://a.example/x", 4, 0, ["timeout"]),
    note("no-interaction", "sitemap refused (not http(s)): file:///etc/passwd"),
    phase_started("reject-all", 2, 2),
    page_done("reject-all", 1, 1, "https://a.example/", 3, 1, []),
]


def test_events_are_lines_with_facts():
    page = EVENTS[2]
    assert isinstance(page, str) and page.startswith("[no-interaction] 2 of 5 found: ")
    assert page.kind == "page" and page.fields["errors"] == ["timeout"]
    assert page.to_dict()["done"] == 2 and page.to_dict()["text"] == str(page)


def test_json_mode_writes_one_event_a_line():
    out = io.StringIO()
    with progress_display("json", stream=out) as progress:
        for event in [*EVENTS, "a plain string\x1b[31m"]:
            progress(event)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["event"] for r in rows] == ["phase", "page", "page", "note", "phase", "page", "note"]
    assert rows[2]["found"] == 5 and rows[2]["url"] == "https://a.example/x"
    assert "\x1b" not in out.getvalue()  # escaped in JSON, never raw


def test_auto_draws_bars_on_a_terminal_and_lines_elsewhere():
    tty = Terminal()
    with progress_display("auto", stream=tty) as progress:
        for event in EVENTS:
            progress(event)
    drawn = tty.getvalue()
    assert "no-interaction" in drawn and "reject-all" in drawn
    assert "2/5" in drawn and "1/1" in drawn  # pages done of found
    assert "sitemap refused" in drawn and "timeout" in drawn  # notes and errors still said
    log = io.StringIO()
    with progress_display("auto", stream=log) as progress:
        for event in EVENTS:
            progress(event)
    assert log.getvalue().splitlines() == [str(e) for e in EVENTS]


def test_quiet_says_nothing():
    out = Terminal()
    with progress_display("json", quiet=True, stream=out) as progress:
        progress(EVENTS[1])
    assert out.getvalue() == ""


def test_plain_lines_escape_control_characters():
    out = io.StringIO()
    with progress_display("plain", stream=out) as progress:
        progress(Event("[x] title \x1b]0;pwned\x07", "note"))
    assert "\x1b" not in out.getvalue() and "\\x1b" in out.getvalue()


@pytest.mark.browser
def test_scan_progress_json_on_stderr(localweb, tmp_path):
    out = tmp_path / "result.json"
    args = ["scan", "https://www.example.com/", "--phases", "no-interaction", "--max-pages", "2",
            "--dwell", "0.5", "--no-history", "--progress", "json", "-o", str(out)]  # fmt: skip
    for flag in localweb.browser_args():
        args += ["--browser-arg", flag]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert rows[0]["event"] == "phase" and rows[0]["phase"] == "no-interaction"
    pages = [r for r in rows if r["event"] == "page"]
    assert [p["done"] for p in pages] == list(range(1, len(pages) + 1)) and len(pages) == 2
    assert json.loads(out.read_text())["complete"] is True
