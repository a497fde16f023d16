"""No result lost after a finished scan (issue 11, part 6): outputs checked before the browser
starts, atomic writes, a fallback file and the journal kept when the output fails, and lone
surrogates from a page safe in every format and on stdout. The human summary on a terminal
(issue 14, part 1) is run under a real pseudo-terminal.
"""

from __future__ import annotations

import dataclasses
import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import reports
from scanner.cli import cli
from scanner.cli.summary import human_summary
from scanner.collect.journal import Journal, load_journal
from scanner.collect.storable import storable_result
from scanner.model import PhaseResult, Visit

ROOT = Path(__file__).resolve().parent.parent
SURROGATE = "https://surrogate.example.com/"
ONE_PAGE = ["--phases", "no-interaction", "--max-pages", "1", "--dwell", "0", "--no-sitemap"]


def child_env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
    }


def local_args(web) -> list[str]:
    return [f"--browser-arg={a}" for a in web.browser_args()] + ["--ignore-https-errors"]


def lone_surrogates(text: str) -> list[str]:
    return [c for c in text if 0xD800 <= ord(c) <= 0xDFFF]


# -- before the browser starts: no browser at all -------------------------------------------


@pytest.mark.parametrize(
    "args, words",
    [
        (["--format", "xlsx"], "binary"),
        (["-o", "{tmp}"], "is a directory"),
        (["-o", "{tmp}/missing/r.json"], "does not exist"),
        (["-o", "{tmp}/file/r.json"], "not a folder"),
        (["--format", "csv", "-o", "{tmp}/missing/tables/"], "does not exist"),
    ],
)
def test_a_bad_destination_exits_2_before_the_browser_starts(tmp_path, args, words):
    (tmp_path / "file").write_text("x")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    # A browser that does not exist: had the scan started, the exit would be 4.
    env = {"COOKIESCAN_BROWSER": str(tmp_path / "no-chromium")}
    result = CliRunner().invoke(cli, ["scan", "https://example.com/", *args], env=env)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and words in lines[0], lines
    assert not list((tmp_path / "data").glob("**/*.partial.jsonl"))  # no journal begun


def test_report_checks_its_destination_before_reading(tmp_path):
    result = CliRunner().invoke(cli, ["report", str(tmp_path / "absent.json"), "-o", "/"])
    assert result.exit_code == 2 and "is a directory" in result.output, result.output


# -- atomic writes -----------------------------------------------------------------------------


def test_a_failed_write_keeps_the_previous_file(tmp_path, monkeypatch):
    from report_fixtures import demo_result

    target = tmp_path / "r.json"
    target.write_text("previous")
    monkeypatch.setattr(os, "replace", _fail_enospc)  # the disk fills at the last moment
    with pytest.raises(reports.ReportError, match="No space left"):
        reports.write(demo_result(), "json", target)
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temporary file left


def _fail_enospc(*_args):
    raise OSError(28, "No space left on device")


def test_writes_keep_the_mode_and_follow_links(tmp_path):
    from report_fixtures import demo_result

    real = tmp_path / "real.json"
    real.write_text("old")
    real.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    reports.write(demo_result(), "json", link)
    assert link.is_symlink() and json.loads(real.read_text())["start_url"]
    assert real.stat().st_mode & 0o777 == 0o640


# -- the journal: storable lines -------------------------------------------------------------


def test_journal_lines_keep_no_surrogate_and_no_password(tmp_path):
    from report_fixtures import demo_result

    result = demo_result()
    visit = Visit(
        url="https://alice:s3cret@www.example.com/",
        final_url="https://alice:s3cret@www.example.com/x",
        depth=0,
        phase="no-interaction",
        started_at=result.started_at,
        duration_ms=1.0,
        title="lone \ud800 title",
    )
    path = tmp_path / "j.partial.jsonl"
    journal = Journal(path)
    journal.header(result)
    journal.visit(visit)
    journal.close()
    text = path.read_text(encoding="utf-8")  # strict UTF-8: it would fail on a surrogate
    assert "s3cret" not in text and "alice:***@www.example.com" in text
    loaded = load_journal(path)
    assert loaded.phases[0].visits[0].title == "lone \ufffd title"


def test_storable_result_replaces_only_what_needs_it():
    from report_fixtures import demo_result

    result = demo_result()
    assert storable_result(result) is result  # nothing to replace: the very same object
    phase = result.phases[0]
    visits = (dataclasses.replace(phase.visits[0], title="\udc00"), *phase.visits[1:])
    bad = dataclasses.replace(result, phases=(PhaseResult(phase.phase, visits, phase.consent),))
    cleaned = storable_result(bad)
    assert cleaned.phases[0].visits[0].title == "\ufffd"
    assert cleaned.phases[0].visits[1] is visits[1]  # the rest is shared, not copied


def test_a_saved_result_with_an_escaped_lone_surrogate_renders_everywhere(tmp_path):
    # Another tool may write "\ud800" in JSON: loading makes it U+FFFD, as a scan does.
    data = json.loads((ROOT / "tests" / "expected" / "demo.json").read_text())
    data["phases"][0]["visits"][0]["title"] = "x\ud800y"
    saved = tmp_path / "s.json"
    saved.write_text(json.dumps(data))  # ensure_ascii: the file holds the escape
    render_every_format(saved, tmp_path)


def render_every_format(saved: Path, tmp_path: Path) -> None:
    """``report`` of ``saved`` in every format, to files and (text formats) to a pipe."""
    for fmt in reports.FORMATS:
        out = tmp_path / f"out.{fmt}"
        result = CliRunner().invoke(cli, ["report", str(saved), "--format", fmt, "-o", str(out)])
        assert result.exit_code == 0, (fmt, result.output)
        if fmt != "xlsx":
            assert not lone_surrogates(out.read_text(encoding="utf-8")), fmt
    for fmt in ("json", "md", "html", "csv"):
        done = subprocess.run(
            [sys.executable, "-m", "scanner", "report", str(saved), "--format", fmt],
            capture_output=True,
            env=child_env(tmp_path),
            timeout=60,
        )
        assert done.returncode == 0, (fmt, done.stderr.decode())
        done.stdout.decode("utf-8")  # strict: valid UTF-8


# -- real scans ------------------------------------------------------------------------------


def run_in_a_terminal(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    """Run ``cmd`` with stdout on a pseudo-terminal; its exit code, stdout and stderr."""
    master, slave = os.openpty()
    err = cwd / "stderr.txt"
    with open(err, "wb") as stderr:
        proc = subprocess.Popen(
            cmd, stdout=slave, stderr=stderr, stdin=subprocess.DEVNULL, cwd=cwd, env=env
        )
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the terminal's last writer is gone
                    break
                if not data:
                    break
                chunks.append(data)
            elif proc.poll() is not None:
                break
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return code, b"".join(chunks).decode("utf-8"), err.read_text(encoding="utf-8")


@pytest.mark.browser
@pytest.mark.timeout(180)
def test_on_a_terminal_scan_prints_a_summary_and_saves_the_json(localweb, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    cmd = [sys.executable, "-m", "scanner", "scan", SURROGATE, *ONE_PAGE, *local_args(localweb)]
    code, stdout, stderr = run_in_a_terminal(cmd, work, child_env(tmp_path))
    assert code == 0, stderr
    assert "Traceback" not in stderr
    assert "Verdict (" in stdout and "Phases:" in stdout and "no-interaction" in stdout
    assert '"schema_version"' not in stdout  # no JSON poured into the terminal
    saved = list(work.glob("cookiescan-surrogate.example.com-*.json"))
    assert len(saved) == 1, list(work.iterdir())
    assert f"Full result (JSON): {saved[0].name}" in stdout
    data = json.loads(saved[0].read_text(encoding="utf-8"))
    visit = data["phases"][0]["visits"][0]
    assert visit["title"] == "lone \ufffd title"  # the page's lone surrogate, replaced
    assert {s["key"] for s in visit["storage"]} >= {"key\ufffd"}
    assert not list((tmp_path / "data" / "cookiescan").glob("*.partial.jsonl"))
    listed = subprocess.run(
        [sys.executable, "-m", "scanner", "history", "list"],
        capture_output=True,
        env=child_env(tmp_path),
        timeout=60,
    )
    assert "surrogate.example.com" in listed.stdout.decode()  # recorded despite the surrogate
    render_every_format(saved[0], tmp_path)


def fallback_of(stderr: str, tmp_path: Path) -> tuple[Path, Path]:
    """The fallback result and the journal that the last line of ``stderr`` names."""
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("Error: ") and "No space left on device" in last, stderr
    assert "; the result is saved in " in last, last
    saved = Path(last.split("; the result is saved in ")[1].split(" (the pages also in ")[0])
    journal = Path(last.split(" (the pages also in ")[1].rstrip(")"))
    assert saved.parent == tmp_path / "data" / "cookiescan" / "results"
    assert saved.name.startswith("surrogate.example.com-") and saved.suffix == ".json"
    return saved, journal


@pytest.mark.browser
@pytest.mark.timeout(180)
@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("where", ["-o", "stdout"])
def test_a_full_disk_after_the_scan_loses_nothing(localweb, tmp_path, where):
    cmd = [sys.executable, "-m", "scanner", "scan", SURROGATE, *ONE_PAGE, *local_args(localweb)]
    with open("/dev/full", "w") as full:
        if where == "-o":
            cmd += ["-o", "/dev/full"]
        done = subprocess.run(
            cmd,
            stdout=full if where == "stdout" else subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=child_env(tmp_path),
            timeout=150,
        )
    stderr = done.stderr.decode()
    assert done.returncode == 3, stderr
    assert "Traceback" not in stderr
    saved, journal = fallback_of(stderr, tmp_path)
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert data["start_url"] == SURROGATE and data["complete"] is True
    assert journal.exists() and journal.parent == tmp_path / "data" / "cookiescan"
    assert load_journal(journal).phases[0].visits[0].url == SURROGATE
    assert not Path("/dev/full.partial.jsonl").exists()
    assert "recorded in the history as scan" in stderr


# -- the summary itself, on a hand-built result --------------------------------------------


def test_summary_lists_the_verdict_findings_and_phases():
    from report_fixtures import demo_result

    result = demo_result()
    text = human_summary(result, "cookiescan-www.example.com-20260101-000000.json")
    assert result.verdict is not None and f"Verdict ({result.verdict.verdict}): " in text
    findings = [f for f in result.findings if f.type != "verdict"]
    assert f"Findings ({len(findings)}" in text
    assert findings[0].type in text
    for phase in result.phases:
        assert f"  {phase.phase} " in text
    assert text.endswith("--format html -o report.html\n")
