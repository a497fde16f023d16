"""The exit-code contract of ``cookiescan scan`` (issue 14, part 2), one test per code, and the
places it is documented: ``--help``, the README and docs/cli.md.

0 done, no --fail-on condition met; 1 a --fail-on condition met; 2 bad input or options, before
anything runs; 3 the scan ran but failed or is incomplete; 4 no usable browser; 130 interrupted.
(A full disk after the scan, also 3, is in test_lost_results.py.)
"""

from __future__ import annotations

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

ROOT = Path(__file__).resolve().parent.parent
ONE_PAGE = ["--phases", "no-interaction", "--max-pages", "1", "--dwell", "0", "--no-sitemap"]
CODES = {
    "0": "done, no --fail-on condition met",
    "1": "a --fail-on condition met",
    "2": "bad input or options",
    "3": "the scan ran but failed or is incomplete",
    "4": "no usable browser",
    "130": "interrupted",
}


def scan(web, url: str, *args: str, env: dict[str, str] | None = None):
    browser = [f"--browser-arg={a}" for a in web.browser_args()] + ["--ignore-https-errors"]
    return CliRunner().invoke(cli, ["scan", url, *ONE_PAGE, *browser, *args], env=env)


@pytest.mark.browser
def test_0_done(localweb, tmp_path):
    out = tmp_path / "r.json"
    result = scan(localweb, "https://nobanner.example.com/", "-o", str(out), "--no-history")
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["complete"] is True


@pytest.mark.browser
def test_1_a_fail_on_condition_met(localweb, tmp_path):
    out = tmp_path / "r.json"
    result = scan(localweb, "https://leaky.example.com/", "--fail-on", "high", "-o", str(out))
    assert result.exit_code == 1, result.output
    assert "fail-on: " in result.stderr and out.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["ftp://example.com/"],
        ["https://example.com/", "--max-pages", "0"],
        ["https://example.com/", "--format", "xlsx"],
        ["https://example.com/", "-o", "/"],
        ["https://example.com/", "--db", "{tmp}"],  # a directory: no database
    ],
    ids=["url", "option", "xlsx-to-stdout", "directory-output", "history-db"],
)
def test_2_bad_input_before_anything_runs(tmp_path, args):
    # No browser either: reaching the scan would exit 4, not 2.
    env = {"COOKIESCAN_BROWSER": str(tmp_path / "no-chromium")}
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = CliRunner().invoke(cli, ["scan", *args], env=env)
    assert result.exit_code == 2, result.output
    assert "Error" in result.output and "Traceback" not in result.output


@pytest.mark.browser
def test_3_start_page_unreachable(localweb, tmp_path):
    out = tmp_path / "r.json"
    result = scan(localweb, "https://unreachable.example.org/", "-o", str(out), "--no-history")
    assert result.exit_code == 3, result.output
    data = json.loads(out.read_text())  # the result is still written, with the error
    assert data["phases"][0]["visits"][0]["errors"], data


def test_4_no_usable_browser(tmp_path):
    env = {"COOKIESCAN_BROWSER": str(tmp_path / "no-chromium")}
    result = CliRunner().invoke(cli, ["scan", "https://example.com/", "--no-history"], env=env)
    assert result.exit_code == 4, result.output
    assert "no-chromium" in result.output and "Traceback" not in result.output


def test_130_interrupted(tmp_path):
    # A "browser" that never answers: Ctrl-C comes while Playwright waits for it to start.
    started = tmp_path / "started"
    fake = tmp_path / "chromium"
    fake.write_text(f"#!/bin/sh\ntouch '{started}'\nexec sleep 60\n")
    fake.chmod(0o755)
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
    }
    cmd = [sys.executable, "-m", "scanner", "scan", "https://example.com/", "--browser",
           str(fake), "--no-history", "-o", str(tmp_path / "r.json")]  # fmt: skip
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert started.exists(), "the scan never launched the browser"
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        else:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # the fake browser, if left
            except ProcessLookupError:
                pass
    text = stderr.decode()
    assert proc.returncode == 130, text
    assert "Traceback" not in text
    assert text.strip().splitlines()[-1].startswith("interrupted: the pages already scanned")


# -- where the contract is written -------------------------------------------------------


@pytest.mark.parametrize("command", [[], ["scan"], ["report"]])
def test_help_lists_every_exit_code(command):
    result = CliRunner().invoke(cli, [*command, "--help"], terminal_width=100)
    assert result.exit_code == 0
    for code, meaning in CODES.items():
        assert any(
            line.strip().startswith(f"{code} ") and meaning in line
            for line in result.output.splitlines()
        ), (code, result.output)


@pytest.mark.parametrize("doc", ["README.md", "docs/cli.md"])
def test_docs_list_every_exit_code(doc):
    text = (ROOT / doc).read_text(encoding="utf-8")
    section = text.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    for code, meaning in CODES.items():
        assert f"| {code} |" in section and meaning in section, (doc, code)
