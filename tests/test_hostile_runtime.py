"""Hostile sites at run time, in Chromium (issue #11, part 1).

A page that never gives its renderer back (``while(true){}`` after load, in the click handler
of the reject button, a ``location.replace`` loop) must not freeze the scan: the page is closed
at its deadline, gets a ``timeout`` error, and the crawl goes on; ``cookiescan scan`` of such a
site ends with exit 3. The deadline rule, without a browser, is in test_hostile_watchdog.py;
``schedule run --stop-after`` while a scan hangs, SIGKILL and Ctrl-C (part 7) are in
test_hostile_signals.py; careless input is in test_hostile_inputs.py.
"""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest
from busy_sites import BUSY, BUSY_REJECT, FAST, REPLACE_LOOP, errors_of
from conftest import scan_local, visit_of
from marked_processes import child_env, kill_marked, local_args, wait_gone
from together import Scans, local_config

from scanner import ScanConfig
from scanner.collect import watchdog

# -- hostile pages in Chromium -------------------------------------------------------------------


@pytest.fixture(scope="module")
def busy_scans(localweb, busy_cli):
    """Two sites with a busy page, scanned side by side while ``busy_cli`` runs (together.py)."""
    return Scans(
        busy=local_config(localweb, BUSY, phases=("no-interaction",), **FAST),
        busy_reject=local_config(
            localweb, BUSY_REJECT, phases=("no-interaction", "reject-all"), **FAST
        ),
    )


@pytest.mark.browser
@pytest.mark.timeout(150)
def test_a_busy_page_is_closed_at_its_deadline_and_the_crawl_goes_on(busy_scans):
    config = ScanConfig(url=BUSY, **FAST)
    result = busy_scans["busy"]
    seconds = busy_scans.seconds["busy"]
    assert seconds < watchdog.page_deadline(config) + 20, seconds
    busy = visit_of(result, BUSY + "busy.html")
    # Closed at its deadline, or (on a loaded machine) given up when it did not answer the
    # read after the dwell: either way a timeout on that page, and the crawl goes on.
    assert "timeout" in errors_of(busy), busy.errors
    assert "navigation" not in errors_of(busy)  # closing it is not another error
    for page in ("", "calm.html", "quiet.html"):
        assert visit_of(result, BUSY + page).errors == ()
    assert result.complete


@pytest.mark.browser
@pytest.mark.timeout(150)
def test_a_reject_button_that_never_returns(busy_scans):
    result = busy_scans["busy_reject"]
    start = visit_of(result, BUSY_REJECT, "reject-all")
    assert "deadline" in errors_of(start)["timeout"], start.errors
    consent = result.phase("reject-all").consent
    assert consent is not None and consent.outcome == "failed"
    assert "deadline" in consent.details["reason"]
    for page in ("page2.html", "page3.html"):  # the rest of the phase is still scanned
        assert visit_of(result, BUSY_REJECT + page, "reject-all").errors == ()


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_a_location_replace_loop(localweb):
    # Whether Playwright's page.close() gets lost in the loop is a race: ten loops (five
    # pages, two phases) meet it nearly every time.
    phases = ("no-interaction", "accept-all")
    result = scan_local(localweb, REPLACE_LOOP, phases=phases, **FAST)
    for phase in phases:
        loops = [v for v in result.phase(phase).visits if "loop.html" in v.url]
        assert len(loops) == 5
        for visit in loops:
            assert "timeout" in errors_of(visit), visit.errors
        for page in ("calm.html", "quiet.html"):
            assert visit_of(result, REPLACE_LOOP + page, phase).errors == ()


# -- the command line on a busy site ----------------------------------------------------------


@pytest.fixture(scope="module")
def busy_cli(localweb, tmp_path_factory):
    """``cookiescan scan`` of the busy site, run beside ``busy_scans``; its test waits for it."""
    tmp_path, token = tmp_path_factory.mktemp("busy-cli"), uuid.uuid4().hex
    out, log = tmp_path / "busy.json", tmp_path / "stderr.txt"
    cmd = [sys.executable, "-m", "scanner", "scan", BUSY, "--phases", "no-interaction",
           "--page-timeout", "3", "--idle-timeout", "1", "--dwell", "0.5", "--no-history",
           "-o", str(out), *local_args(localweb)]  # fmt: skip
    with log.open("wb") as stderr:
        proc = subprocess.Popen(
            cmd, env=child_env(token, tmp_path), stdout=subprocess.DEVNULL, stderr=stderr
        )
    yield proc, out, log, token
    proc.kill()  # nothing if it ended
    proc.wait()
    kill_marked(token)


@pytest.mark.browser
@pytest.mark.timeout(120)
def test_cli_scan_of_a_busy_site_ends_with_page_errors(busy_cli):
    proc, out, log, token = busy_cli
    proc.wait(timeout=90)
    stderr = log.read_text()
    assert proc.returncode == 3, stderr  # documented: the scan completed, some pages failed
    assert "Traceback" not in stderr and out.exists()
    assert "error(s): timeout" in stderr
    assert wait_gone(token, 20) == []
