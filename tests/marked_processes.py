"""The processes a test starts, marked by a token in their environment, so that a test can
check that none is left behind (and kill what a failed test left): ``token`` is a fixture,
``child_env`` the environment that carries it."""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

import pytest

MARK = "COOKIESCAN_TEST_RUN"  # put in the environment of every process a test starts


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
