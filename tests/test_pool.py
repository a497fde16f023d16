"""The page workers of a phase (an ``asyncio.TaskGroup``): a failure of the scan's own
machinery (the journal, the progress callback) ends the scan with ``ScanError`` at once,
keeps the pages finished until then, and leaves no task behind.

Page failures are not such failures: ``visit_page`` records them on the visit (test_faults.py).
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanner.cli import cli
from scanner.collect.journal import Journal, load_journal
from scanner.config import ScanConfig
from scanner.errors import ScanError
from scanner.model import PHASES, ScanResult
from scanner.pipeline import scan_async

pytestmark = pytest.mark.browser
HOME = "https://www.example.com/"
#: Longer than a healthy stop takes, far shorter than a worker pool waiting forever.
STOP_WITHIN = 60.0


def config_for(web, **options) -> ScanConfig:
    """A small, fast scan of the demo shop on the local web; two pages in flight at a time."""
    options = {"max_pages": 4, "concurrency": 2, "dwell": 0.5, "idle_timeout": 1.0, **options}
    return ScanConfig(url=HOME, **web.scan_options(), **options)


def scan_and_count_tasks(config: ScanConfig, **kwargs) -> tuple[ScanResult | ScanError, list]:
    """Run ``scan_async`` in a fresh event loop; return its outcome (the result, or the
    ``ScanError`` it raised) and the tasks still pending when it returned."""

    async def main() -> tuple[ScanResult | ScanError, list]:
        try:
            outcome: ScanResult | ScanError = await scan_async(config, **kwargs)
        except ScanError as exc:
            outcome = exc
        current = asyncio.current_task()
        return outcome, [t for t in asyncio.all_tasks() if t is not current]

    return asyncio.run(main())


def fail_journal_visit(monkeypatch, on_call: int) -> list[int]:
    """Make the ``on_call``-th ``Journal.visit`` (and every later one) raise ``OSError``, as
    a full disk would; the calls before it write as usual. Returns the call counter."""
    calls = [0]
    write = Journal.visit

    def visit(self, visit):
        calls[0] += 1
        if calls[0] >= on_call:
            raise OSError(28, "No space left on device")
        write(self, visit)

    monkeypatch.setattr(Journal, "visit", visit)
    return calls


def records(journal: Path) -> list[str]:
    return [json.loads(line)["type"] for line in journal.read_text().splitlines()]


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    "phases, on_call",
    [
        # the 2nd page of the crawl, with the other worker busy on a page of its own
        (("no-interaction",), 2),
        # the start page of a consent phase, visited alone (one worker) before the others
        (("reject-all",), 1),
    ],
)
def test_journal_failure_ends_the_scan(localweb, tmp_path, monkeypatch, phases, on_call):
    journal = tmp_path / "scan.partial.jsonl"
    fail_journal_visit(monkeypatch, on_call)
    began = time.monotonic()
    outcome, pending = scan_and_count_tasks(config_for(localweb, phases=phases), journal=journal)
    assert time.monotonic() - began < STOP_WITHIN
    assert isinstance(outcome, ScanError), outcome
    message = str(outcome)
    assert message.startswith("the scan stopped: OSError: [Errno 28] No space left on device")
    assert f"the finished pages are kept in {journal}" in message
    assert isinstance(outcome.__cause__, OSError)
    assert not pending, pending
    # The pages written before the failure are kept, and the journal says it is unfinished.
    assert records(journal) == ["header"] + ["visit"] * (on_call - 1)
    kept = load_journal(journal)
    assert kept.complete is False and kept.finished_at is None
    assert sum(len(p.visits) for p in kept.phases) == on_call - 1
    if on_call > 1:
        assert kept.phases[0].visits[0].url.startswith(HOME)  # whichever page finished first


@pytest.mark.timeout(120)
def test_failing_progress_callback_ends_the_scan(localweb, tmp_path):
    journal = tmp_path / "scan.partial.jsonl"
    lines: list[str] = []

    def progress(line: str) -> None:
        if " found: " in line:  # a page line (the phase's first line says it starts)
            lines.append(line)
        if len(lines) == 2:
            raise RuntimeError("progress display closed")

    began = time.monotonic()
    config = config_for(localweb, phases=("no-interaction",))
    outcome, pending = scan_and_count_tasks(config, journal=journal, progress=progress)
    assert time.monotonic() - began < STOP_WITHIN
    assert isinstance(outcome, ScanError), outcome
    assert str(outcome) == (
        "the scan stopped: RuntimeError: progress display closed; "
        f"the finished pages are kept in {journal}"
    )
    assert isinstance(outcome.__cause__, RuntimeError)
    assert not pending, pending
    assert len(lines) == 2
    # A page is written to the journal before it is reported: both reported pages are kept.
    kept = load_journal(journal)
    assert kept.complete is False
    assert len(kept.phases[0].visits) >= 2
    assert "end" not in records(journal)


@pytest.mark.timeout(120)
def test_cli_failing_journal_is_one_line_and_a_nonzero_exit(localweb, tmp_path, monkeypatch):
    out = tmp_path / "result.json"
    fail_journal_visit(monkeypatch, 2)
    args = [
        "scan",
        HOME,
        "-o",
        str(out),
        "--dwell",
        "0.5",
        "--idle-timeout",
        "1",
        "--max-pages",
        "4",
        "--concurrency",
        "2",
        "--phases",
        "no-interaction",
        "--ignore-https-errors",
        "--no-history",
        "-q",
    ]
    for flag in localweb.browser_args():
        args += ["--browser-arg", flag]
    result = CliRunner().invoke(cli, args)
    # An exception other than SystemExit escaping the command is a traceback for the user.
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    error = result.stderr.strip().splitlines()
    assert len(error) == 1 and error[0].startswith("Error:"), result.stderr
    assert "No space left on device" in error[0]
    journal = Path(str(out) + ".partial.jsonl")
    assert str(journal) in error[0]
    assert not out.exists() and result.stdout == ""
    assert load_journal(journal).complete is False  # the finished page is kept


@pytest.mark.timeout(180)
def test_demo_scan_leaves_no_task_behind(localweb):
    # Every phase (consent ones included), so the banner operator's tasks count too.
    outcome, pending = scan_and_count_tasks(config_for(localweb, max_pages=3))
    assert isinstance(outcome, ScanResult) and outcome.complete
    assert [p.phase for p in outcome.phases] == list(PHASES)
    assert not pending, pending
