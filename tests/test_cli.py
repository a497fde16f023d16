"""The command line: bad input, exit codes, the demo scan, and journals that survive a kill."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import cli


def run(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,x", "http://", "ht!tp://x"]
)
def test_bad_url_exit_2_one_line(url):
    result = run("scan", url)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "Error:" in result.output


def test_bad_options_exit_2():
    assert run("scan", "https://example.com", "--phases", "sometimes").exit_code == 2
    assert run("scan", "https://example.com", "--max-pages", "0").exit_code == 2
    assert run("scan", "https://example.com", "--include", "(").exit_code == 2


def test_missing_browser_is_a_clear_error():
    result = run("scan", "https://example.com", env={"COOKIESCAN_BROWSER": "/nonexistent/chrome"})
    assert result.exit_code == 4, result.output
    assert "/nonexistent/chrome" in result.output and "Traceback" not in result.output


def test_report_rejects_a_bad_file(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text("{not json")
    result = run("report", str(bad))
    assert result.exit_code == 2 and "not valid JSON" in result.output


@pytest.mark.browser
def test_demo_scan_without_url(tmp_path):
    out = tmp_path / "r.json"
    result = run("scan", "--dwell", "1", "--max-pages", "2", "-o", str(out))
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert not Path(str(out) + ".partial.jsonl").exists()  # the journal is gone once saved
    assert "demo shop" in result.output
    home = data["phases"][0]["visits"][0]
    hosts = {r["host"] for r in home["requests"]}
    assert {"app.mailjet.com", "mjt.lu", "api.mailjet.com"} <= hosts
    mj = [c for c in home["cookies"] if c["name"] == "mj.preferences"][0]
    assert mj["party"] == "first" and 179 <= mj["lifetime_days"] <= 181
    assert {m["service_id"] for m in data["matches"]} >= {"mailjet"}
    assert data["services"]["mailjet"]["vendor"]["parent"]


@pytest.mark.browser
def test_page_errors_exit_3_and_json_on_stdout(localweb):
    args = [
        "scan",
        "https://www.example.org/",
        "--max-pages",
        "3",
        "--dwell",
        "0",
        "--page-timeout",
        "3",
        "--no-sitemap",
        "-q",
        "--ignore-https-errors",
    ]
    for flag in localweb.browser_args():
        args += ["--browser-arg", flag]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 3, result.output
    data = json.loads(result.stdout)
    assert data["schema_version"] == "1.0"
    assert any(v["errors"] for v in data["phases"][0]["visits"])


@pytest.mark.browser
def test_killed_scan_keeps_finished_pages(localweb, tmp_path):
    out = tmp_path / "r.json"
    journal = Path(str(out) + ".partial.jsonl")
    cmd = [
        sys.executable,
        "-m",
        "scanner",
        "scan",
        "https://www.example.com/",
        "--dwell",
        "1",
        "--concurrency",
        "1",
        "--ignore-https-errors",
        "-o",
        str(out),
    ]
    for flag in localweb.browser_args():
        cmd += ["--browser-arg", flag]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if journal.exists() and journal.read_text().count('"type": "visit"') >= 2:
                break
            time.sleep(0.2)
        else:
            pytest.fail("no pages reached the journal")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # browser included, no chance to clean up
        proc.wait()
    assert not out.exists()
    result = run("report", str(journal))
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["complete"] is False and data["finished_at"] is None
    visits = data["phases"][0]["visits"]
    assert len(visits) >= 2 and visits[0]["url"] == "https://www.example.com/"


@pytest.mark.browser
def test_fail_on_high_and_history(localweb):
    args = [
        "scan",
        "https://leaky.example.com/",
        "--phases",
        "no-interaction",
        "--max-pages",
        "1",
        "--dwell",
        "0.5",
        "--no-sitemap",
        "--ignore-https-errors",
        "--fail-on",
        "high",
    ]
    for flag in localweb.browser_args():
        args += ["--browser-arg", flag]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert "high tracking_before_consent" in result.stderr
    assert "recorded in the history as scan" in result.stderr
    listed = run("history", "list", "--site", "https://leaky.example.com/")
    assert listed.exit_code == 0, listed.output
    assert "leaky.example.com" in listed.output


def test_report_since_an_older_result(tmp_path):
    from report_fixtures import demo_result

    new = demo_result()
    old = dataclasses.replace(
        new, matches=(), services={}, findings=(), started_at="2026-01-01T00:00:00+00:00"
    )
    (tmp_path / "old.json").write_text(json.dumps(old.to_dict()))
    (tmp_path / "new.json").write_text(json.dumps(new.to_dict()))
    out = tmp_path / "report.md"
    result = run(
        "report",
        str(tmp_path / "new.json"),
        "--since",
        str(tmp_path / "old.json"),
        "--format",
        "md",
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "Changes since the previous scan" in text
