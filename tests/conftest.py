"""Shared fixtures: the local multi-host web and one scan of the demo shop per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scanner import ScanConfig, scan
from scanner.demo.localweb import SITES as DEMO_SITES
from scanner.demo.localweb import LocalWeb
from scanner.model import ScanResult, Visit


@pytest.fixture(scope="session", autouse=True)
def isolated_data_dir(tmp_path_factory):
    """Journals, history and signature packs of the tests stay out of the user's data dir."""
    old = os.environ.get("XDG_DATA_HOME")
    os.environ["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("xdg-data"))
    yield
    if old is None:
        os.environ.pop("XDG_DATA_HOME", None)
    else:
        os.environ["XDG_DATA_HOME"] = old


#: Test-only sites (consent banners, faults); the demo shop and its third parties ship in the
#: package (``scanner/demo/sites``).
TEST_SITES = Path(__file__).parent / "sites"


def test_web(**kwargs) -> LocalWeb:
    """A local web serving the test sites and the demo shop."""
    return LocalWeb(roots=[TEST_SITES, DEMO_SITES], **kwargs)


@pytest.fixture(scope="session")
def localweb():
    """The test sites and the demo shop at their real hostnames on 127.0.0.1 (HTTPS, HTTP)."""
    with test_web() as web:
        yield web


def scan_local(web: LocalWeb, url: str, **options) -> ScanResult:
    """Scan ``url`` on the local web (fast waits unless the test says otherwise)."""
    options.setdefault("dwell", 1.0)
    options.setdefault("idle_timeout", 2.0)
    return scan(ScanConfig(url=url, **web.scan_options(), **options))


@pytest.fixture(scope="session")
def demo_result(localweb, tmp_path_factory) -> ScanResult:
    """The demo shop scanned once, as the README's scan command does (3.5 s dwell)."""
    journal = tmp_path_factory.mktemp("demo") / "demo.partial.jsonl"
    config = ScanConfig(url="https://www.example.com/", dwell=3.5, **localweb.scan_options())
    return scan(config, journal=journal)


def visit_of(result: ScanResult, url: str, phase: str = "no-interaction") -> Visit:
    """The visit of ``url`` in ``phase`` (fails the test when it was not visited)."""
    phase_result = result.phase(phase)  # type: ignore[arg-type]
    assert phase_result is not None, f"phase {phase} missing"
    for visit in phase_result.visits:
        if visit.url == url:
            return visit
    raise AssertionError(f"{url} not visited: {[v.url for v in phase_result.visits]}")
