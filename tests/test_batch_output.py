"""``batch`` and ``email`` for people (issue 14 part 1 and 3): on a terminal, with no --format
or -o, a short summary instead of JSON; progress as a bar of sites, plain lines or NDJSON."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner
from test_diff import finding, make_result
from test_lost_results import child_env, local_args, run_in_a_terminal

from scanner.cli.email import DEMO_NEWSLETTER, email_command
from scanner.cli.progress import progress_display
from scanner.cli.summary import batch_summary, email_summary
from scanner.fleet.batch import _line
from scanner.mail import Limits, scan_paths

SITES = ["https://nobanner.example.com/", "https://robots-star.example.com/"]
FAST = ["--phases", "no-interaction", "--max-pages", "1", "--dwell", "0", "--no-sitemap"]


def outcome(name, status, pages=1, reason="", result_file=None):
    return {"name": name, "url": f"https://{name}/", "status": status, "reason": reason,
            "result_file": result_file, "pages": pages, "page_errors": 0,
            "seconds": 2.0}  # fmt: skip


def test_batch_summary_lists_sites_worst_findings_and_failures():
    bad = make_result(
        findings=(
            finding("tracking_before_consent", "high", service="Google Analytics"),
            finding("cookie_lifetime", "low"),
        )
    )
    summary = {
        "out_dir": "sites-results", "sites": 3, "ok": 2, "page_errors": 0, "failed": 1,
        "skipped": 0, "seconds": 12.5, "fail_on": ["www.a.example: high finding"],
        "outcomes": [
            outcome("www.a.example", "ok", 4, result_file="sites-results/www.a.example.json"),
            outcome("www.b.example", "ok", 2, result_file="sites-results/www.b.example.json"),
            outcome("down.example", "failed", 0, reason="start page: unreachable: refused"),
        ],
    }  # fmt: skip
    text = batch_summary(summary, {"www.a.example": bad, "www.b.example": make_result()})
    assert "3 site(s) in 12.5 s: 2 scanned" in text and "1 failed" in text
    rows = {
        line.split()[1]: line for line in text.splitlines() if line.startswith("  ") and "." in line
    }
    assert "1 high, 1 low" in rows["www.a.example"]
    assert "high tracking_before_consent: Google Analytics" in rows["www.a.example"]
    assert "none" in rows["www.b.example"]
    assert "unreachable: refused" in rows["down.example"]
    assert "Summary (JSON): sites-results/batch-summary.json" in text
    assert "www.a.example: high finding" in text
    assert "{" not in text


def test_email_summary_says_sender_esp_pixels_links_findings():
    scan = scan_paths([DEMO_NEWSLETTER], limits=Limits(), tool_version="0")
    text = email_summary(scan, "cookiescan-email-newsletter-x.json")
    assert "Demo Shop <news@example.com>" in text and "ESP: mailjet" in text
    assert "open pixels: 1" in text and "tracked links: 4 of 5" in text
    assert "findings: 2 high" in text
    assert "Full result (JSON): cookiescan-email-newsletter-x.json" in text


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_sites_draw_one_bar_on_a_terminal_and_lines_elsewhere():
    events = [
        _line(1, 2, outcome("a.example", "ok")),
        _line(2, 2, outcome("b.example", "failed", 0, reason="timed out after 9 s")),
    ]
    screen = Terminal()
    with progress_display("auto", stream=screen) as progress:
        for event in events:
            progress(event)
    drawn = screen.getvalue()
    assert "sites" in drawn and "2/2" in drawn
    assert "timed out after 9 s" in drawn  # a failed site is said above the bar
    assert "[1/2] ok: a.example" not in drawn  # done sites move the bar, no line each
    log = io.StringIO()
    with progress_display("auto", stream=log) as progress:
        for event in events:
            progress(event)
    assert log.getvalue().splitlines()[0].startswith("[1/2] ok: a.example - 1 page(s)")
    ndjson = io.StringIO()
    with progress_display("json", stream=ndjson) as progress:
        progress(events[1])
    data = json.loads(ndjson.getvalue())
    assert data["event"] == "site" and data["done"] == 2 and data["found"] == 2
    assert data["status"] == "failed" and data["name"] == "b.example"


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_batch_on_a_terminal_prints_a_summary(localweb, tmp_path):
    sites = tmp_path / "sites.txt"
    sites.write_text("\n".join(SITES) + "\n")
    cmd = [sys.executable, "-m", "scanner", "batch", str(sites), "--no-history", *FAST]
    code, stdout, stderr = run_in_a_terminal(
        [*cmd, *local_args(localweb)], tmp_path, child_env(tmp_path)
    )
    assert code == 0, stderr
    assert "cookiescan batch: 2 site(s)" in stdout and "2 scanned" in stdout
    assert "nobanner.example.com" in stdout and "robots-star.example.com" in stdout
    assert "batch-summary.json" in stdout and '"outcomes"' not in stdout
    summary = json.loads((tmp_path / "sites-results" / "batch-summary.json").read_text())
    assert summary["ok"] + summary["page_errors"] == 2
    # stderr is no terminal here: plain lines, one per site.
    assert "[2/2]" in stderr and "Traceback" not in stderr


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_batch_progress_json_and_json_on_a_pipe(localweb, tmp_path):
    sites = tmp_path / "sites.txt"
    sites.write_text(SITES[0] + "\n")
    cmd = [sys.executable, "-m", "scanner", "batch", str(sites), "--no-history", *FAST]
    done = subprocess.run(
        [*cmd, *local_args(localweb), "--progress", "json"],
        capture_output=True, cwd=tmp_path, env=child_env(tmp_path), timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout)["sites"] == 1  # not a terminal: the JSON, as before
    events = [json.loads(line) for line in done.stderr.decode().splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds[0] == "batch" and kinds.index("site-start") < kinds.index("site"), kinds
    (site,) = [e for e in events if e["event"] == "site"]
    assert site["done"] == 1 and site["found"] == 1 and site["status"] == "ok"
    assert kinds[-1] == "note" and events[-1]["text"].startswith("done: 1 scanned")


@pytest.mark.timeout(120)
def test_email_on_a_terminal_prints_a_summary_and_saves_the_json(tmp_path):
    cmd = [sys.executable, "-m", "scanner", "email", str(DEMO_NEWSLETTER)]
    code, stdout, stderr = run_in_a_terminal(cmd, tmp_path, child_env(tmp_path))
    assert code == 0, stderr
    assert "ESP: mailjet" in stdout and "open pixels: 1" in stdout
    saved = list(tmp_path.glob("cookiescan-email-newsletter-*.json"))
    assert len(saved) == 1, list(tmp_path.iterdir())
    assert f"Full result (JSON): {saved[0].name}" in stdout
    assert json.loads(saved[0].read_text())["messages"][0]["sender"]
    assert '"messages"' not in stdout
    # --format given: today's behaviour, the JSON on the terminal and no file.
    code, stdout, _ = run_in_a_terminal([*cmd, "--format", "json"], tmp_path, child_env(tmp_path))
    assert code == 0 and '"messages"' in stdout
    assert len(list(tmp_path.glob("cookiescan-email-*.json"))) == 1


def test_email_on_a_pipe_writes_json_as_before(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(email_command, [str(DEMO_NEWSLETTER)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["messages"]
    assert not list(tmp_path.glob("cookiescan-email-*.json"))
