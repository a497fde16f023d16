"""One exception tree, exported by the package, and one way to quote an exception."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import scanner
from scanner import errors
from scanner.errors import first_line

TREE = ("ConfigError", "BrowserNotFound", "BrowserError", "ScanError", "ScheduleError")


@pytest.mark.parametrize("name", TREE)
def test_every_error_is_in_the_tree_drawn_and_exported(name):
    cls = getattr(errors, name)
    assert issubclass(cls, errors.CookiescanError)
    assert f"── {name} " in errors.__doc__
    assert getattr(scanner, name) is cls and name in scanner.__all__


def test_the_package_exports_scan_and_scan_async_without_importing_the_browser():
    assert {"CookiescanError", "scan", "scan_async"} <= set(scanner.__all__)
    assert inspect.iscoroutinefunction(scanner.scan_async)
    code = "import sys, scanner; sys.exit('playwright' in sys.modules)"
    root = Path(__file__).parent.parent
    assert subprocess.run([sys.executable, "-c", code], cwd=root).returncode == 0


@pytest.mark.parametrize(
    "exc, default, expected",
    [
        (RuntimeError("Page.goto: net::ERR_NAME_NOT_RESOLVED\nCall log:\n  - navigating"), None,
         "Page.goto: net::ERR_NAME_NOT_RESOLVED"),
        (RuntimeError("\n  only line  \n"), None, "only line"),
        (TimeoutError(), None, "TimeoutError"),
        (TimeoutError(), "", ""),
        (TimeoutError(), "evaluate failed", "evaluate failed"),
        (ValueError("kept"), "unused", "kept"),
    ],
)  # fmt: skip
def test_first_line(exc, default, expected):
    assert first_line(exc, default) == expected
