# ruff: noqa: F811 - the fixture token imported from marked_processes is redefined as an argument
"""Processes at run time (issue #11, parts 1 and 7): Ctrl-C exits 130 quietly with the journal
kept; ``schedule run`` honours ``--stop-after`` while a scan hangs, and a SIGKILL of it leaves
no batch worker, Playwright driver or Chromium behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from busy_sites import BUSY
from marked_processes import child_env, local_args, marked_processes, token, wait_gone  # noqa: F401

from scanner.fleet import schedule as sched

# -- processes: Ctrl-C, SIGKILL, --stop-after ---------------------------------------------------


def interrupt_scan(web, tmp_path: Path, token: str, delay: float, group: bool) -> None:
    """Scan the demo shop, press Ctrl-C ``delay`` s after the first page, check the exit."""
    out = tmp_path / f"r-{delay}.json"
    cmd = [sys.executable, "-m", "scanner", "scan", "https://www.example.com/", "--dwell", "3",
           "--no-history", "-o", str(out), *local_args(web)]  # fmt: skip
    proc = subprocess.Popen(
        cmd,
        env=child_env(token, tmp_path),
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    assert proc.stderr is not None
    lines = []
    try:
        for raw in proc.stderr:
            lines.append(raw.decode())
            if "[no-interaction] 1 of" in lines[-1]:
                break
        time.sleep(delay)
        if group:  # Ctrl-C in a terminal: Playwright's driver gets it too, and dies of it
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(signal.SIGINT)
        _, rest = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    stderr = "".join(lines) + rest.decode()
    assert proc.returncode == 130, (delay, stderr)
    assert "Traceback" not in stderr and "never retrieved" not in stderr, (delay, stderr)
    journal = Path(str(out) + ".partial.jsonl")
    assert journal.exists()
    last = stderr.strip().splitlines()[-1]
    assert last == f"interrupted: the pages already scanned are in {journal}", (delay, stderr)


@pytest.mark.browser
@pytest.mark.timeout(240)
@pytest.mark.parametrize("group", [True, False], ids=["terminal", "process"])
def test_ctrl_c_mid_scan_exits_130_quietly_and_keeps_the_journal(localweb, tmp_path, token, group):
    # The driver's death races the cancellation: a few moments, to meet the race. The five
    # scans run at once, each pressed its own moment after its own first page.
    delays = (0.0, 0.1, 0.15, 0.2, 0.5)
    with ThreadPoolExecutor(len(delays)) as pool:
        list(pool.map(lambda d: interrupt_scan(localweb, tmp_path, token, d, group), delays))
    assert wait_gone(token, 20) == []


def add_busy_schedule(web, tmp_path: Path, page_timeout: float) -> str:
    store = str(tmp_path / "schedules.sqlite")
    options = {
        "browser_args": list(web.browser_args()),
        "ignore_https_errors": True,
        "phases": ["no-interaction"],
        "page_timeout": page_timeout,
        "idle_timeout": 1.0,
        "dwell": 0.5,
        "use_sitemap": False,
    }
    sched.add_schedule(BUSY, every=1, options=options, db=str(tmp_path / "h.sqlite"),
                       out_dir=str(tmp_path / "out"), store=store)  # fmt: skip
    return store


def wait_for_chromium(token: str, proc: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the scheduler stopped"
        if any("chrom" in name for _pid, name in marked_processes(token)):
            return
        time.sleep(0.2)
    raise AssertionError("no scan started")


@pytest.mark.browser
@pytest.mark.timeout(120)
def test_sigkill_of_schedule_run_leaves_no_process_behind(localweb, tmp_path, token):
    store = add_busy_schedule(localweb, tmp_path, page_timeout=30)
    cmd = [sys.executable, "-m", "scanner", "schedule", "run", "--store", store, "--poll", "1"]
    proc = subprocess.Popen(
        cmd, env=child_env(token, tmp_path), stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        wait_for_chromium(token, proc, 60)
        time.sleep(2)  # the busy page is open
        os.kill(proc.pid, signal.SIGKILL)  # the scheduler alone, as a supervisor would
        proc.wait()
        assert wait_gone(token, 30) == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.browser
@pytest.mark.timeout(120)
def test_schedule_run_stop_after_is_honoured_while_a_scan_hangs(localweb, tmp_path, token):
    store = add_busy_schedule(localweb, tmp_path, page_timeout=30)  # deadline: over 40 s
    cmd = [sys.executable, "-m", "scanner", "schedule", "run", "--store", store, "--poll", "1",
           "--stop-after", "8"]  # fmt: skip
    started = time.monotonic()
    done = subprocess.run(cmd, env=child_env(token, tmp_path), capture_output=True, timeout=100)
    seconds = time.monotonic() - started
    stderr = done.stderr.decode()
    assert done.returncode == 0, stderr
    assert seconds < 8 + 15, (seconds, stderr)
    assert "Traceback" not in stderr and "stopped" in stderr
    assert wait_gone(token, 20) == []
