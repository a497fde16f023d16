"""Careless input at run time (issue #11, part 7): broken or locked history and schedule
databases, bad database URLs, deeply nested JSON, a full disk and absurd intervals give one line
and exit 2, never a traceback. The hostile pages are in test_hostile_runtime.py, the processes
in test_hostile_signals.py.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cli_errors import assert_one_line_exit_2, invoke

from scanner.fleet import history
from scanner.fleet import schedule as sched

BUSY = "https://busy.example.com/"


# -- databases: one line, exit 2 ---------------------------------------------------------------


def broken_database(kind: str, tmp_path: Path) -> str:
    """A path or URL to a database that cannot be used, of the given kind."""
    path = tmp_path / f"{kind}.sqlite"
    if kind == "corrupt":
        path.write_bytes(b"this is not a database\n" * 200)
    elif kind == "truncated":
        valid = tmp_path / "valid.sqlite"
        history.engine(valid)
        history.dispose()
        path.write_bytes(valid.read_bytes()[:5000])
    elif kind == "directory":
        path.mkdir()
    elif kind == "read-only":
        path.touch()
        if os.geteuid() != 0:
            path.chmod(0o444)
            return str(path)
        return f"sqlite:///file:{path}?mode=ro&uri=true"  # root writes to any file
    elif kind == "parent-is-a-file":
        (tmp_path / "file").write_text("x")
        return str(tmp_path / "file" / "history.sqlite")
    elif kind == "garbage-url":
        return "://nothing"
    elif kind == "unknown-dialect":
        return "nosuchdb://host/db"
    elif kind == "missing-driver":
        return "postgresql+nosuchdriver://user:secret@127.0.0.1:1/db"
    elif kind == "bad-port":
        return "mysql://user@host:port/db"
    elif kind == "unopenable":
        return "sqlite:////proc/no/such/dir/x.sqlite"
    return str(path)


DATABASES = [
    "corrupt", "truncated", "directory", "read-only", "parent-is-a-file", "garbage-url",
    "unknown-dialect", "missing-driver", "bad-port", "unopenable",
]  # fmt: skip


@pytest.mark.parametrize("kind", DATABASES)
def test_history_list_with_a_broken_database(tmp_path, kind):
    db = broken_database(kind, tmp_path)
    assert_one_line_exit_2(invoke("history", "list", "--db", db), "history database")
    assert "secret" not in invoke("history", "list", "--db", db).output


@pytest.mark.parametrize("kind", ["corrupt", "directory", "unknown-dialect"])
@pytest.mark.parametrize(
    "command",
    [
        ["history", "show", "1"],
        ["history", "export", "--site", "www.example.com"],
        ["diff", "--site", "www.example.com", "--last"],
        ["diff", "1", "2"],
        ["schedule", "add", BUSY, "--every", "60"],
    ],
)
def test_every_history_command_with_a_broken_database(tmp_path, monkeypatch, kind, command):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    db = broken_database(kind, tmp_path)
    assert_one_line_exit_2(invoke(*command, "--db", db), "history database")


def test_a_locked_history_database(tmp_path, monkeypatch):
    monkeypatch.setattr(history, "BUSY_TIMEOUT", 0.2)
    history.dispose()
    db = tmp_path / "locked.sqlite"
    history.engine(db)
    history.dispose()
    holder = sqlite3.connect(db)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert_one_line_exit_2(invoke("history", "list", "--db", str(db)), "locked")
    finally:
        holder.rollback()
        holder.close()
        history.dispose()


@pytest.mark.browser
@pytest.mark.parametrize("kind", ["corrupt", "directory", "garbage-url"])
@pytest.mark.parametrize("fail_on", [[], ["--fail-on", "new"]])
def test_scan_with_a_broken_database_stops_before_scanning(tmp_path, kind, fail_on):
    # Not 1 ("findings") with --fail-on new, and no browser started for nothing.
    db = broken_database(kind, tmp_path)
    result = invoke("scan", BUSY, "--db", db, "--page-timeout", "1", *fail_on)
    assert_one_line_exit_2(result, "history database")


def test_batch_with_a_broken_database_stops_before_scanning(tmp_path):
    sites = tmp_path / "sites.txt"
    sites.write_text(BUSY + "\n")
    db = broken_database("corrupt", tmp_path)
    result = invoke("batch", str(sites), "--db", db, "--fail-on", "new", "-q")
    assert_one_line_exit_2(result, "history database")
    assert not (tmp_path / "sites-results").exists()


STORES = [*DATABASES, "bad-job"]


def broken_store(kind: str, tmp_path: Path) -> str:
    if kind != "bad-job":
        return broken_database(kind, tmp_path)
    store = str(tmp_path / "store.sqlite")
    sched.add_schedule(BUSY, every=60, store=store)
    with sqlite3.connect(store) as conn:
        conn.execute("UPDATE apscheduler_jobs SET job_state = x'00ff00'")
    return store


@pytest.mark.parametrize("kind", STORES)
@pytest.mark.parametrize(
    "command",
    [
        ["schedule", "list"],
        ["schedule", "add", BUSY, "--every", "60"],
        ["schedule", "remove", "x"],
        ["schedule", "run", "--stop-after", "0"],
    ],
)
def test_every_schedule_command_with_a_broken_store(tmp_path, monkeypatch, kind, command):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    store = broken_store(kind, tmp_path)
    assert_one_line_exit_2(invoke(*command, "--store", store), "schedule store")
    if kind == "bad-job":  # refused, not deleted as APScheduler would
        with sqlite3.connect(store) as conn:
            assert conn.execute("SELECT count(*) FROM apscheduler_jobs").fetchone() == (1,)


@pytest.mark.parametrize("every", ["1e12", "nan", "inf", "1e308"])
def test_schedule_add_refuses_absurd_intervals(tmp_path, every):
    result = invoke("schedule", "add", BUSY, "--every", every, "--store", str(tmp_path / "s"))
    assert result.exit_code == 2, (result.output, result.exception)
    assert "Traceback" not in result.output and "the interval must be" in result.output
    assert sched.list_schedules(str(tmp_path / "s")) == []


# -- reports: nesting, full disks ------------------------------------------------------------


@pytest.mark.parametrize("name", ["deep.json", "deep.partial.jsonl"])
def test_report_of_a_deeply_nested_file(tmp_path, name):
    path = tmp_path / name
    path.write_text("[" * 200_000 + "]" * 200_000)
    assert_one_line_exit_2(invoke("report", str(path)), "nested")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("fmt", ["json", "html", "md", "csv"])
def test_report_to_a_full_disk(tmp_path, fmt):
    saved = Path(__file__).parent / "expected" / "demo.json"
    result = invoke("report", str(saved), "--format", fmt, "-o", "/dev/full")
    assert_one_line_exit_2(result, "/dev/full", "No space left")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("command", [["report", "RESULT"], ["history", "list"]])
def test_output_to_a_full_stdout(tmp_path, command):
    saved = str(Path(__file__).parent / "expected" / "demo.json")
    args = [saved if a == "RESULT" else a for a in command]
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path)}
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "scanner", *args], stdout=full,
                              stderr=subprocess.PIPE, env=env, timeout=60)  # fmt: skip
    stderr = done.stderr.decode()
    assert done.returncode == 2, stderr
    assert stderr.strip().splitlines() == [
        "Error: cannot write the output: No space left on device"
    ]
