"""Hostile pages and careless start URLs in the browser room (issue "Hostile sites and careless
input", part 8, collect side).

A start URL that is empty, an IPv6 literal or an IDN host; a page that replaces the built-ins
the scanner reads it with; an accept button that redirects to ``file:``; a page that forges the
consent tool's messages; Chromium profiles (with the site's storage) left in the temporary
directory. Few browser scans: one per hostile site, one of a tiny server on ``[::1]``.
"""

from __future__ import annotations

import asyncio
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import visit_of
from together import Scans, local_config

from scanner import ScanConfig, scan
from scanner.cli import cli
from scanner.collect.browser import RUN_PREFIX, launch, sweep_stale_runs
from scanner.collect.crawl import Frontier, check_start_url
from scanner.collect.parties import FirstParty
from scanner.consent.autoconsent import Session, World, content_script, known_cmps
from scanner.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]

# -- careless start URLs (pure) -------------------------------------------------------------


@pytest.mark.parametrize(
    "given, start",
    [
        ("münchen.example.com", "https://xn--mnchen-3ya.example.com/"),
        ("http://MÜNCHEN.test/a?b=1#c", "http://xn--mnchen-3ya.test/a?b=1"),
        ("xn--mnchen-3ya.test", "https://xn--mnchen-3ya.test/"),
        ("https://ＥＸＡＭＰＬＥ.com/", "https://example.com/"),  # full-width, as browsers map it
        ("http://[::1]:8080", "http://[::1]:8080/"),
        ("http://[0:0:0:0:0:0:0:1]/", "http://[::1]/"),
        ("http://[::FFFF:127.0.0.1]/", "http://[::ffff:7f00:1]/"),  # the browser's spelling
        ("HTTP://WWW.Example.COM:80/x", "http://www.example.com/x"),
        ("http://2130706433/", "http://127.0.0.1/"),  # the URL standard's IPv4 forms
        ("http://0x7f.1:8080/", "http://127.0.0.1:8080/"),
        ("http://0177.0.0.1/", "http://127.0.0.1/"),
        ("https://user:pw@shop.example.com/", "https://user:pw@shop.example.com/"),
    ],
)
def test_start_url_is_written_as_the_browser_will_load_it(given, start):
    assert check_start_url(given) == start


@pytest.mark.parametrize(
    "given, reason",
    [
        ("", "no URL given"),
        ("   \t", "no URL given"),
        ("http://[::1/", "Invalid IPv6 URL"),
        ("http://[zz::1]/", "does not appear to be"),
        ("http://[fe80::1%25eth0]/", "zone ids"),
        ("https://www.example.com/a b", "read differently by the browser"),
        ("http://xn--a.\u0080.com/", "invalid URL"),
        ("http://256.1.1.1/", "not an IPv4 address"),
        ("http://08.1.1.1/", "not an IPv4 address"),
    ],
)
def test_careless_start_urls_are_refused_in_one_line(given, reason):
    with pytest.raises(ConfigError) as caught:
        check_start_url(given)
    assert reason in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("url", ["", "   "])
def test_scan_of_an_empty_url_is_refused_not_sent_to_example_com(url, tmp_path):
    # A browser that does not exist: before the fix, '' became https://www.example.com/ and
    # the scan failed only at the launch (exit 4) — it would have gone to the internet.
    missing = str(tmp_path / "no-chromium")
    result = CliRunner().invoke(cli, ["scan", url, "--no-history", "--browser", missing, "-q"])
    assert result.exit_code == 2, result.output
    assert "no URL given" in result.output and "Traceback" not in result.output


def test_the_start_page_is_always_queued_or_refused_aloud():
    fp = FirstParty("www.example.com")
    # The include/exclude patterns choose the pages it leads to, not the start page.
    f = Frontier(fp, max_pages=5, max_depth=2, include=(r"/blog/",), exclude=(r"^https",))
    assert f.add("https://www.example.com/", 0) and f.queue == [("https://www.example.com/", 0)]
    assert not f.add("https://www.example.com/", 0)  # once
    # The user's own credentials are not an "ambiguous" link.
    g = Frontier(fp, max_pages=5, max_depth=2)
    assert g.add("https://me:pw@www.example.com/", 0)
    with pytest.raises(ConfigError, match="start URL cannot be scanned"):
        Frontier(fp, max_pages=5, max_depth=2).add("https://www.example.net/", 0)


# -- the autoconsent channel (pure) -----------------------------------------------------------


def test_content_script_speaks_only_to_its_secret_binding():
    session = Session(page=None)
    bundle = "x(window.autoconsentSendMessage); window.autoconsentReceiveMessage = f; "
    bundle += "if (!window.autoconsentReceiveMessage) {}"
    script = content_script(bundle, session.binding)
    assert "autoconsentSendMessage" not in script and session.binding in script
    assert Session(page=None).binding != session.binding
    with pytest.raises(ValueError):
        content_script("nothing to wrap", session.binding)


def test_forged_consent_messages_are_dropped():
    session = Session(page=None)
    ours = World(cdp=None, frame_id="F", context_id=7, url="https://www.example.com/")
    session.lifecycle[ours] = "loading"
    popup = {"type": "popupFound", "cmp": "Onetrust"}
    assert "Onetrust" in known_cmps()
    assert session.genuine(ours, popup)
    assert not session.genuine(ours, {"type": "popupFound", "cmp": "Forged CMP"})
    assert not session.genuine(ours, {"type": "whatever"})
    result = {"type": "optInResult", "result": True}
    assert not session.genuine(ours, result)  # nobody asked
    session.popup_world = ours
    loop = asyncio.new_event_loop()
    try:
        session.result = loop.create_future()
        assert session.genuine(ours, result)
    finally:
        loop.close()
    # A call from a world the session did not make (the page's own, another session's).
    session._on_binding(None, {"name": session.binding, "executionContextId": 8,
                               "payload": json.dumps(popup)})  # fmt: skip
    session._on_binding(None, {"name": session.binding, "executionContextId": 7,
                               "payload": "not json"})  # fmt: skip
    assert session.forged == 2 and session.summary()["forged_messages"] == 2


# -- temporary folders (pure) -----------------------------------------------------------------


def test_sweep_removes_only_the_folders_of_dead_scans(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    gone = tmp_path / f"{RUN_PREFIX}{dead}-abc"
    live = tmp_path / f"{RUN_PREFIX}{os.getpid()}-def"
    other = tmp_path / "playwright_chromiumdev_profile-xyz"  # not ours: never touched
    for folder in (gone, live, other):
        (folder / "Default").mkdir(parents=True)
    assert sweep_stale_runs(str(tmp_path)) == [str(gone)]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name])


# -- a page that rebuilt the built-ins (Chromium) -----------------------------------------------


@pytest.fixture(scope="module")
def scans(localweb):
    """The two hostile sites, scanned side by side (``together.py``)."""
    return Scans(
        builtins=local_config(
            localweb,
            "https://hostile-pages.example.com/",
            phases=("no-interaction",),
            max_pages=5,
            dwell=0.5,
        ),
        consent=local_config(
            localweb,
            "https://hostile-consent.example.com/",
            phases=("accept-all",),
            max_pages=3,
            dwell=0.5,
        ),
    )


@pytest.mark.browser
def test_a_page_that_replaces_builtins_keeps_its_title_links_and_storage(scans):
    start = "https://hostile-pages.example.com/"
    result = scans["builtins"]
    page = visit_of(result, start)
    assert page.title == "Hostile pages: rebuilt built-ins"  # not "" nor "forged title"
    assert page.links_found == 2
    assert sorted(v.url for v in result.phase("no-interaction").visits) == [
        start, start + "second.html", start + "third.html"
    ]  # fmt: skip
    keys = {(s.kind, s.key) for s in page.storage}
    assert {("local", "hostile_local"), ("session", "hostile_session")} <= keys
    assert not page.errors


# -- an accept button to file:, forged consent messages (Chromium) ------------------------------


@pytest.fixture(scope="module")
def hostile_consent(scans):
    return scans["consent"]


@pytest.mark.browser
def test_an_accept_button_to_file_is_a_navigation_error(hostile_consent):
    start = "https://hostile-consent.example.com/"
    page = visit_of(hostile_consent, start, "accept-all")
    assert page.final_url == start  # the last real URL, not chrome-error://chromewebdata/
    (error,) = [e for e in page.errors if e.kind == "navigation"]
    assert "chrome-error://" in error.message and "/accept" in error.message
    assert "\n" not in error.message


@pytest.mark.browser
def test_forged_consent_messages_change_nothing(hostile_consent):
    consent = hostile_consent.phase("accept-all").consent
    assert consent is not None
    shown = json.dumps(consent.details)
    assert "Forged CMP" not in shown, consent.details.get("autoconsent")
    assert consent.method == "heuristic" and consent.text == "Accept all"
    # What the page sent on the channel is counted (how often it got a call in is timing).
    assert consent.details["autoconsent"]["forged_messages"] >= 0


# -- an IPv6 start URL, and the temporary folders of a killed scan (Chromium) -------------------


class _V6Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True


class _Pages(http.server.BaseHTTPRequestHandler):
    PAGES = {
        "/": b"<title>v6 home</title><a href='/b.html'>b</a> <a href='/c.html'>c</a>",
        "/b.html": b"<title>v6 b</title><a href='/'>home</a>",
        "/c.html": b"<title>v6 c</title>",
    }

    def do_GET(self):  # noqa: N802 - stdlib naming
        body = self.PAGES.get(self.path.split("?")[0])
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def v6_server():
    try:
        server = _V6Server(("::1", 0), _Pages)
    except OSError:
        yield None  # no IPv6 here: the scan must then fail clearly (see the test)
        return
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _kill_a_scan_mid_page(url: str, tmp: Path) -> None:
    """Start a scan in its own process group and SIGKILL all of it once Chromium runs."""
    code = (
        "import sys; from scanner import ScanConfig, scan; "
        "scan(ScanConfig(url=sys.argv[1], phases=('no-interaction',), dwell=30, clock='real'))"
    )
    env = {**os.environ, "TMPDIR": str(tmp)}
    proc = subprocess.Popen([sys.executable, "-c", code, url], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not list(tmp.glob(f"{RUN_PREFIX}*/playwright_*profile-*/Default")):
            assert proc.poll() is None and time.monotonic() < deadline, "no browser started"
            time.sleep(0.1)
        time.sleep(1.0)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
    # Chromium runs in a process group of its own and exits when its pipe closes: wait for
    # every process that names the folder to be gone, so nothing writes there afterwards.
    deadline = time.monotonic() + 30
    while _processes_naming(tmp):
        assert time.monotonic() < deadline, "Chromium outlived the killed scan"
        time.sleep(0.2)


def _processes_naming(folder: Path) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and str(folder) in (entry / "cmdline").read_text():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.browser
def test_ipv6_start_url_and_no_profile_left_in_tmp(v6_server, tmp_path, monkeypatch):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    if v6_server is None:
        result = scan(ScanConfig(url="http://[::1]:9/", phases=("no-interaction",), dwell=0.2))
        assert result.phase("no-interaction").visits[0].errors  # unreachable, said so
        return
    start = f"http://[::1]:{v6_server}/"
    # A scan killed outright leaves its folder (with the site's storage) behind…
    _kill_a_scan_mid_page(start, tmp)
    left = list(tmp.iterdir())
    assert [p.name[: len(RUN_PREFIX)] for p in left] == [RUN_PREFIX], left
    # …which the next scan removes; its own goes when it ends.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    config = ScanConfig(
        url=start,
        phases=("no-interaction",),
        include=(r"/b\.html$",),  # chooses the pages followed; the start page is always visited
        dwell=0.2,
        idle_timeout=1.0,
    )
    result = scan(config)
    assert result.complete
    urls = [v.url for v in result.phase("no-interaction").visits]
    assert urls == [start, start + "b.html"]
    assert visit_of(result, start).title == "v6 home"
    assert list(tmp.iterdir()) == []


@pytest.mark.browser
def test_a_failed_launch_leaves_no_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(Exception):  # noqa: B017 - BrowserError, whatever the binary says
        asyncio.run(launch("/bin/false"))
    assert list(tmp_path.iterdir()) == []
