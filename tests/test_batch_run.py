"""Batch scans on the local web: kill -9 and resume, timeouts, broken sites, --fail-on."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_diff import finding, make_result

from scanner.cli.batch import batch
from scanner.demo.localweb import LocalWeb, Reply
from scanner.fleet import history

PAGES = 3


def small_site(path: str, _method: str) -> Reply:
    """A site of PAGES pages linked from its home page; every page answers after 0.3 s."""
    links = "".join(f'<a href="/p{i}">page {i}</a>' for i in range(1, PAGES))
    body = f"<html><head><title>{path}</title></head><body>{links}</body></html>"
    return Reply(200, body.encode(), [("Content-Type", "text/html")], delay=0.3)


def slow_site(_path: str, _method: str) -> Reply:
    return Reply(200, b"<html><body>slow</body></html>", [("Content-Type", "text/html")], 30)


SITES = [f"s{i}.example.net" for i in range(1, 5)]


@pytest.fixture(scope="module")
def web():
    routes = {host: small_site for host in SITES}
    routes["slow.example.net"] = slow_site
    with LocalWeb(routes=routes) as web:
        yield web


def batch_args(web, marker=""):
    args = ["--dwell", "0.5", "--concurrency", "1", "--no-sitemap", "--ignore-https-errors"]
    args += ["--phases", "no-interaction"]
    args += ["--max-pages", str(PAGES)]
    for flag in (*web.browser_args(), *([f"--cookiescan-test={marker}"] if marker else [])):
        args += ["--browser-arg", flag]
    return args


def visits_in(path: Path) -> int:
    return path.read_text().count('"type": "visit"') if path.exists() else 0


@pytest.mark.browser
def test_killed_batch_resumes_without_rescanning_finished_sites(web, tmp_path):
    sites = tmp_path / "sites.txt"
    sites.write_text("".join(f"https://{h}/\n" for h in SITES))
    out, db = tmp_path / "out", str(tmp_path / "h.sqlite")
    common = [str(sites), "-d", str(out), "--db", db, *batch_args(web)]
    code = "from scanner.cli.batch import batch; batch()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *common, "--jobs", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:  # kill once s1 is done and s2 has a finished page in its journal
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert proc.poll() is None, "the batch ended before it was killed"
            if (out / "s1.example.net.json").exists() and visits_in(
                out / "s2.example.net.json.partial.jsonl"
            ):
                break
            time.sleep(0.05)
        else:
            pytest.fail("the batch did not get to its second site")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the batch, its site processes, their browsers
        proc.wait()
    assert not (out / "s2.example.net.json").exists()
    hits_before = len(web.hits)

    result = CliRunner().invoke(batch, [*common, "--jobs", "3"])  # the three left at once
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    statuses = {o["name"]: o["status"] for o in summary["outcomes"]}
    assert statuses == {"s1.example.net": "skipped", **{h: "ok" for h in SITES[1:]}}
    assert not [h for h, _ in web.hits[hits_before:] if h == "s1.example.net"]  # not rescanned
    for host in SITES:  # every site has its whole result
        data = json.loads((out / f"{host}.json").read_text())
        assert data["complete"] and len(data["phases"][0]["visits"]) == PAGES
    kept = out / "s2.example.net.interrupted-1.jsonl"  # the killed site's pages are kept
    assert visits_in(kept) >= 1
    assert "cut short" in result.stderr
    recorded = sorted(r["host"] for r in history.list_scans(db))
    assert recorded == SITES  # s1 recorded by the first run, the rest by the second, once each
    history.dispose()


@pytest.mark.browser
def test_timeouts_and_broken_sites_never_stop_the_batch(web, tmp_path):
    marker = uuid.uuid4().hex
    sites = tmp_path / "sites.toml"
    sites.write_text(
        '[[site]]\nurl = "https://slow.example.net/"\n'
        '[[site]]\nurl = "https://unreachable.example.org/"\n'
        '[[site]]\nurl = "https://s1.example.net/"\nmax_pages = 1\n'
    )
    args = [str(sites), "--no-history", "--site-timeout", "10", *batch_args(web, marker)]
    result = CliRunner().invoke(batch, args)
    assert result.exit_code == 3, result.output
    summary = json.loads(result.stdout)
    assert (summary["ok"], summary["failed"]) == (1, 2)
    reasons = {f["name"]: f["reason"] for f in summary["failures"]}
    assert reasons["slow.example.net"].startswith("timed out after 10 s")
    assert "unreachable" in reasons["unreachable.example.org"]
    assert "failed: https://slow.example.net/: timed out" in result.stderr
    out = tmp_path / "sites-results"
    assert (out / "s1.example.net.json").exists()
    assert (out / "unreachable.example.org.error.json").exists()
    deadline = time.monotonic() + 1  # the killed scan's browser goes with it, within 1 s
    while left := subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout:
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert left == "", "a browser outlived its killed site scan"


def test_fail_on_high_medium_and_new(tmp_path):
    # Findings come from the judge; here, results saved by an earlier run (hand-built).
    out, db = tmp_path / "out", str(tmp_path / "h.sqlite")
    out.mkdir()
    old = make_result(findings=(finding("a", "high"),), started_at="2025-01-06T03:00:00+00:00")
    new = make_result(
        findings=(finding("a", "high"), finding("b", "medium")),
        started_at="2025-01-13T03:00:00+00:00",
    )
    history.record(old, db)
    (out / "www.example.com.json").write_text(json.dumps(new.to_dict()))
    sites = tmp_path / "sites.txt"
    sites.write_text("https://www.example.com/\n")

    def run(*fail_on):
        args = [str(sites), "-d", str(out), "--db", db]
        for level in fail_on:
            args += ["--fail-on", level]
        return CliRunner().invoke(batch, args)

    assert run().exit_code == 0
    high = run("high")
    assert high.exit_code == 1, high.output
    assert json.loads(high.stdout)["fail_on"] == [
        "https://www.example.com/: high: high a (no-interaction): a message"
    ]
    new_only = run("new")
    assert new_only.exit_code == 1
    assert [r.split(": ")[1] for r in json.loads(new_only.stdout)["fail_on"]] == ["new"]
    assert "medium b" in json.loads(new_only.stdout)["fail_on"][0]
    # Recording this result too changes nothing: "previous" means started before it.
    history.record(new, db)
    assert run("new").exit_code == 1
    assert (
        CliRunner().invoke(batch, [str(sites), "--no-history", "--fail-on", "new"]).exit_code == 2
    )
    history.dispose()
