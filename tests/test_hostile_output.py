"""Secrets and terminal escapes in what the scanner stores and prints (issue #11, parts 4-5).

A password in ``--proxy`` or in the start URL's userinfo must appear in no result render, no
history row and no progress line; escape sequences from a hostile site (a page URL or title
with ESC/OSC codes) must reach the terminal as visible ``\\xNN`` text, never raw.

No browser: the pipeline runs with a fake browser and a fake phase runner, so its own code
(provenance, start URL, page URLs) is what is tested.
"""

from __future__ import annotations

import gzip
import io
import json
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import reports
import scanner.pipeline as pipeline
from scanner.cli import cli
from scanner.cli.common import echo_text
from scanner.config import ScanConfig
from scanner.errors import printable, redact_url
from scanner.model import PhaseResult, ScanResult
from tests.report_fixtures import demo_result, visit

URL_SECRET = "urlpass123"
PROXY_SECRET = "proxypass456"
START = f"http://alice:{URL_SECRET}@127.0.0.1:9/"
PROXY = f"http://bob:{PROXY_SECRET}@127.0.0.1:9"
ESC_URL = "http://127.0.0.1:9/\x1b]0;pwned\x07\x1b[2J\x1b]8;;http://evil/\x1b\\x\x9b31m"
OSC52 = "\x1b]52;c;cm0gLXJmIH4=\x07"


class FakeBrowser:
    version = "FakeChromium 1.0"

    async def close(self) -> None:
        pass


class FakeRunner:
    """Visits the start URL as given (credentials and all) and a hostile sitemap URL."""

    def __init__(self, browser: Any, config: ScanConfig, fp: Any, phase: Any, *rest: Any):
        self.config, self.phase, self.progress = config, phase, rest[1]

        class Frontier:
            skipped: dict[str, int] = {}

        self.frontier = Frontier()

    async def run(self, pages: Any) -> PhaseResult:
        if "@" in START and self.config.proxy:  # the browser still gets the real values
            assert PROXY_SECRET in self.config.proxy and URL_SECRET in self.config.url
        self.progress(f"{self.phase}: visited {self.config.url}")
        self.progress(f"{self.phase}: visited {ESC_URL}")
        visits = (
            visit(self.phase, self.config.url, [], title=f"Shop{OSC52}"),
            visit(self.phase, ESC_URL, [], title="\x1b]0;owned\x07"),
        )
        return PhaseResult(phase=self.phase, visits=visits)


@pytest.fixture
def fake_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    async def launch(*_args: Any, **_kwargs: Any) -> FakeBrowser:
        return FakeBrowser()

    monkeypatch.setattr(pipeline, "launch", launch)
    monkeypatch.setattr(pipeline, "PhaseRunner", FakeRunner)


def scanned(proxy: str = PROXY, url: str = START, **options: Any) -> ScanResult:
    config = ScanConfig(
        url=url,
        proxy=proxy,
        phases=("no-interaction",),
        browser_args=(f"--proxy-server={proxy}",),
        **options,
    )
    return pipeline.run_scan(config)


def all_renders(result: ScanResult, tmp_path: Path) -> dict[str, str]:
    out = {fmt: reports.render(result, fmt) for fmt in ("json", "html", "md", "csv")}
    reports.write(result, "csv", str(tmp_path / "tables"))
    for table in sorted((tmp_path / "tables").iterdir()):
        out[f"csv/{table.name}"] = table.read_text(encoding="utf-8")
    xlsx = reports.render(result, "xlsx")
    assert isinstance(xlsx, bytes)
    with zipfile.ZipFile(io.BytesIO(xlsx)) as book:
        out["xlsx"] = "".join(book.read(n).decode("utf-8", "replace") for n in book.namelist())
    return {k: str(v) for k, v in out.items()}


def database_text(path: Path) -> str:
    """Every value of every row of the history database, gzip blobs unpacked."""
    parts: list[str] = []
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("select name from sqlite_master where type='table'")]
        for table in tables:
            for row in conn.execute(f'select * from "{table}"'):
                for value in row:
                    if isinstance(value, bytes):
                        try:
                            value = gzip.decompress(value)
                        except OSError:
                            pass
                        value = value.decode("utf-8", "replace")
                    parts.append(str(value))
    return "\n".join(parts)


# Secrets -----------------------------------------------------------------------------------


def test_redact_url() -> None:
    assert redact_url(START) == "http://alice:***@127.0.0.1:9/"
    assert redact_url("socks5://tok3n@host:1080") == "socks5://***@host:1080"
    assert redact_url("bob:pw@proxy:3128") == "bob:***@proxy:3128"
    assert redact_url("https://example.com/a@b") == "https://example.com/a@b"
    assert redact_url("https://u:p@ss:w@example.com/x") == "https://u:***@example.com/x"
    assert redact_url(f"error at {START} and {PROXY}.") == (
        "error at http://alice:***@127.0.0.1:9/ and http://bob:***@127.0.0.1:9."
    )


def test_result_keeps_no_password(fake_browser: None, tmp_path: Path) -> None:
    result = scanned(extra={"upstream": PROXY})
    assert result.start_url == "http://alice:***@127.0.0.1:9/"
    assert result.config["proxy"] == "http://bob:***@127.0.0.1:9"
    assert result.config["url"] == "http://alice:***@127.0.0.1:9/"
    assert result.phases[0].visits[0].url == "http://alice:***@127.0.0.1:9/"
    for fmt, text in all_renders(result, tmp_path).items():
        assert URL_SECRET not in text, fmt
        assert PROXY_SECRET not in text, fmt
    from scanner.fleet import history

    db = tmp_path / "history.sqlite"
    history.record(result, db)
    history.dispose()
    stored = database_text(db)
    assert "127.0.0.1" in stored  # the row is there…
    assert URL_SECRET not in stored and PROXY_SECRET not in stored  # …without the passwords


def test_scan_command_prints_and_stores_no_password(fake_browser: None, tmp_path: Path) -> None:
    out, db = tmp_path / "result.json", tmp_path / "history.sqlite"
    run = CliRunner().invoke(
        cli,
        [
            "scan",
            START,
            "--proxy",
            PROXY,
            "--phases",
            "no-interaction",
            "-o",
            str(out),
            "--db",
            str(db),
        ],
    )
    assert run.exit_code == 0, run.output + run.stderr
    assert "visited http://alice:***@127.0.0.1:9/" in run.stderr
    for text in (run.stdout, run.stderr, out.read_text(encoding="utf-8"), database_text(db)):
        assert URL_SECRET not in text and PROXY_SECRET not in text
    assert json.loads(out.read_text(encoding="utf-8"))["config"]["proxy"].startswith("http://bob:")


def test_bad_url_message_keeps_no_password() -> None:
    run = CliRunner().invoke(cli, ["scan", f"http://alice:{URL_SECRET}@host:99999/", "-q"])
    assert run.exit_code == 2
    assert "invalid port" in run.stderr and URL_SECRET not in run.stderr


# Terminal escapes --------------------------------------------------------------------------


def test_printable() -> None:
    assert printable("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert printable("tab\tnew\nline") == "tab\tnew\nline"
    assert printable("\x7f\x85\x9b\x00\r") == "\\x7f\\x85\\x9b\\x00\\x0d"
    assert printable("lone \ud800 surrogate") == "lone \\ud800 surrogate"
    assert printable("café ✓") == "café ✓"


def hostile_escape_result() -> ScanResult:
    result = demo_result()
    phase = result.phases[0]
    visits = (*phase.visits, visit(phase.phase, ESC_URL, [], title=f"T{OSC52}\x9d0;x\x9c"))
    phases = (PhaseResult(phase=phase.phase, visits=visits, consent=phase.consent),)
    from dataclasses import replace

    return replace(result, phases=phases + result.phases[1:], warnings=(f"w {ESC_URL}",))


def test_md_report_escapes_control_characters() -> None:
    text = reports.render(hostile_escape_result(), "md")
    assert isinstance(text, str)
    bad = [c for c in text if (ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F]
    assert not bad
    assert "\\\\x1b\\]0;pwned" in text  # visible, and inert in Markdown


def test_report_command_on_a_terminal_escapes(tmp_path: Path) -> None:
    saved = tmp_path / "r.json"
    reports.write(hostile_escape_result(), "json", str(saved))
    for fmt in ("md", "json"):
        run = CliRunner().invoke(cli, ["report", str(saved), "--format", fmt])
        assert run.exit_code == 0
        assert "\x1b" not in _on_a_terminal(run.stdout), fmt


def _on_a_terminal(text: str) -> str:
    """What ``echo_text`` writes when stdout is a terminal."""

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    import sys

    tty, saved = Tty(), sys.stdout
    sys.stdout = tty
    try:
        echo_text(text, nl=False)
    finally:
        sys.stdout = saved
    return tty.getvalue()


def test_echo_text_escapes_only_on_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert _on_a_terminal(f"x{OSC52}\x9b\n") == "x\\x1b]52;c;cm0gLXJmIH4=\\x07\\x9b\n"
    echo_text(f"x{OSC52}", nl=False)  # a file or a pipe gets the bytes unchanged
    assert capsys.readouterr().out == f"x{OSC52}"


def test_progress_lines_escape_hostile_urls(fake_browser: None, tmp_path: Path) -> None:
    run = CliRunner().invoke(
        cli,
        ["scan", "http://127.0.0.1:9/", "--phases", "no-interaction", "--no-history"]
        + ["-o", str(tmp_path / "r.json")],
    )
    assert run.exit_code == 0, run.stderr
    assert "visited http://127.0.0.1:9/\\x1b]0;pwned\\x07\\x1b[2J" in run.stderr
    assert "\x1b" not in run.stderr and "\x07" not in run.stderr and "\x9b" not in run.stderr
