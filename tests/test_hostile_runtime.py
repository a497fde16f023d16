"""Hostile sites and careless input at run time (issue #11, parts 1 and 7).

Part 1: a page that never gives its renderer back (``while(true){}`` after load, in the click
handler of the reject button, a ``location.replace`` loop) must not freeze the scan: the page
is closed at its deadline, gets a ``timeout`` error, and the crawl goes on. ``schedule run``
honours ``--stop-after`` while a scan hangs, and a SIGKILL of it leaves no batch worker,
Playwright driver or Chromium behind.

Part 7: Ctrl-C exits 130 quietly with the journal kept. Broken databases and other careless
input are in test_hostile_inputs.py.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import scan_local, visit_of
from together import Scans, local_config

from scanner import ScanConfig
from scanner.collect import watchdog
from scanner.collect.visit import PhaseScope
from scanner.fleet import schedule as sched
from scanner.model import Visit

BUSY = "https://busy.example.com/"
BUSY_REJECT = "https://busy-reject.example.com/"
REPLACE_LOOP = "https://replace-loop.example.com/"
# Fast waits: the per-page deadline is then page_timeout + idle_timeout + dwell + margin.
FAST = {"page_timeout": 3.0, "idle_timeout": 1.0, "dwell": 0.5, "consent_timeout": 2.0}
MARK = "COOKIESCAN_TEST_RUN"  # put in the environment of every process a test starts


def errors_of(visit: Visit) -> dict[str, str]:
    return {e.kind: e.message for e in visit.errors}


# -- the deadline rule, without a browser -----------------------------------------------------


def test_the_page_deadline_is_derived_from_the_config():
    config = ScanConfig(url=BUSY, page_timeout=30, idle_timeout=5, dwell=3.5, consent_timeout=6)
    # Under the virtual clock, a page that freezes is visited again in real time.
    twice = 2 if getattr(config, "clock", "real") == "virtual" else 1
    assert watchdog.page_deadline(config) == twice * (30 + 5 + 3.5) + watchdog.PAGE_MARGIN
    # The page where the banner is operated (always the real clock) also gets the search, the
    # clicks and the settle.
    assert watchdog.page_deadline(config, consent=True) == (
        30 + 5 + 3.5 + watchdog.PAGE_MARGIN + 6 + 3.5 + watchdog.CLICK_MARGIN
    )


class FakeContext:
    """A context whose pages record being closed; ``new_page`` as Playwright's."""

    def __init__(self) -> None:
        self.pages: list[FakePage] = []

    async def new_page(self) -> FakePage:
        page = FakePage()
        self.pages.append(page)
        return page


class FakePage:
    def __init__(self) -> None:
        self.closed = asyncio.Event()

    async def close(self, run_before_unload: bool = False) -> None:
        self.closed.set()


def scope_of(context) -> PhaseScope:
    config = ScanConfig(url=BUSY, **FAST)
    return PhaseScope(context, None, config, None, "no-interaction")  # type: ignore[arg-type]


def visit_of_url(url: str, **fields) -> Visit:
    base = dict(url=url, final_url=url, depth=1, phase="no-interaction", started_at="t",
                duration_ms=1.0)  # fmt: skip
    return Visit(**{**base, **fields})


def test_a_visit_past_its_deadline_is_closed_and_gets_a_timeout():
    async def hangs_until_closed(scope, url, depth, on_loaded=None):
        page = await scope.context.new_page()
        await page.closed.wait()  # a Playwright call into a busy page returns only now
        return visit_of_url(url, title="partial"), ["https://busy.example.com/x"]

    async def main():
        context = FakeContext()
        guard = watchdog.PageGuard(hangs_until_closed, grace=1.0)
        started = time.monotonic()
        visit, links = await guard.visit(scope_of(context), BUSY + "busy.html", 1, None, 0.3)
        return visit, links, time.monotonic() - started, context

    visit, links, seconds, context = asyncio.run(main())
    assert seconds < 2 and context.pages[0].closed.is_set()
    assert visit.title == "partial" and links == ["https://busy.example.com/x"]
    assert "deadline" in errors_of(visit)["timeout"]


def test_a_visit_that_ignores_the_close_is_cancelled_then_left_behind():
    async def shrugs_off_one_cancel(scope, url, depth, on_loaded=None):
        await scope.context.new_page()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            await asyncio.sleep(3600)  # the worst case: the first cancel does not end it
        raise AssertionError("not reached")

    async def main():
        guard = watchdog.PageGuard(shrugs_off_one_cancel, grace=0.2)
        started = time.monotonic()
        visit, links = await guard.visit(scope_of(FakeContext()), BUSY, 0, None, 0.2)
        seconds = time.monotonic() - started
        left = len(guard.abandoned)
        await guard.settle()  # what the phase does once its context is closed
        return visit, links, seconds, left, len(guard.abandoned)

    visit, links, seconds, left, after = asyncio.run(main())
    assert seconds < 2 and links == [] and visit.url == BUSY and visit.depth == 0
    assert set(errors_of(visit)) == {"timeout"}
    assert (left, after) == (1, 0)


def test_a_visit_on_time_is_untouched():
    async def quick(scope, url, depth, on_loaded=None):
        await scope.context.new_page()
        return visit_of_url(url), []

    async def main():
        context = FakeContext()
        visit, _ = await watchdog.PageGuard(quick).visit(scope_of(context), BUSY, 0, None, 5)
        return visit, context

    visit, context = asyncio.run(main())
    assert visit.errors == () and not context.pages[0].closed.is_set()


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


# -- processes: Ctrl-C, SIGKILL, --stop-after ---------------------------------------------------


def marked_processes(token: str) -> list[tuple[int, str]]:
    """Live processes (not zombies) whose environment carries this test's token."""
    needle = f"{MARK}={token}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if needle not in environ:
            continue
        name, _, rest = stat.partition(" (")[2].rpartition(") ")
        if rest.split()[0] != "Z":
            found.append((int(entry.name), name))
    return found


def wait_gone(token: str, seconds: float) -> list[tuple[int, str]]:
    deadline = time.monotonic() + seconds
    while (left := marked_processes(token)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def kill_marked(token: str) -> None:
    """Whatever the test left (a failed test must not leave browsers running)."""
    for pid, _name in marked_processes(token):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


@pytest.fixture
def token():
    value = uuid.uuid4().hex
    yield value
    kill_marked(value)


def child_env(token: str, tmp_path: Path) -> dict[str, str]:
    root = str(Path(__file__).resolve().parent.parent)
    return {
        **os.environ,
        MARK: token,
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p),
    }


def local_args(web) -> list[str]:
    return [f"--browser-arg={a}" for a in web.browser_args()] + ["--ignore-https-errors"]


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
