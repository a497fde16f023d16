"""``report --format pdf`` and ``scan --format pdf``: the HTML report printed by Chromium
(``scanner/collect/pdf.py``), checked with pypdf: it is a PDF, it has pages, it holds the
verdict and the new sections; the printer fetches nothing; the banner screenshots print at the
page's width; ``pdf`` needs ``-o``, checked before any browser starts (issue 16, part 1).
"""

from __future__ import annotations

import dataclasses
import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from report_fixtures import BANNER_REJECT, demo_result, tiny_png

import reports
from scanner.cli import cli

pypdf = pytest.importorskip("pypdf")


def run(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())  # lines wrap where the page ends


@pytest.fixture()
def saved(tmp_path) -> Path:
    path = tmp_path / "result.json"
    path.write_text(reports.render(demo_result(), "json"), encoding="utf-8")
    return path


# -- checked before anything runs -------------------------------------------------------------
def test_pdf_without_output_exits_2_before_any_browser(saved):
    # A browser that does not exist: had printing started, the exit would be 4.
    env = {"COOKIESCAN_BROWSER": "/nonexistent/chrome"}
    result = run("report", str(saved), "--format", "pdf", env=env)
    assert result.exit_code == 2, result.output
    assert "--format pdf is binary: give a file with -o" in result.output
    scanned = run("scan", "https://www.example.com/", "--format", "pdf", env=env)
    assert scanned.exit_code == 2, scanned.output
    assert "give a file with -o" in scanned.output and "Traceback" not in scanned.output


def test_pdf_without_a_browser_exits_4_and_writes_nothing(saved, tmp_path):
    out = tmp_path / "r.pdf"
    result = run(
        "report",
        str(saved),
        "--format",
        "pdf",
        "-o",
        str(out),
        env={"COOKIESCAN_BROWSER": "/nonexistent/chrome"},
    )
    assert result.exit_code == 4, result.output
    assert "/nonexistent/chrome" in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_the_library_needs_a_printer_for_pdf():
    with pytest.raises(reports.ReportError, match="needs a browser"):
        reports.render(demo_result(), "pdf")
    printed = reports.render(demo_result(), "pdf", printer=lambda html: html.encode()[:15])
    assert printed == b"<!DOCTYPE html>"  # the printer is handed the HTML report


# -- printed by Chromium ------------------------------------------------------------------------
@pytest.mark.browser
def test_report_prints_a_pdf_holding_the_verdict(saved, tmp_path):
    out = tmp_path / "report.pdf"
    result = run("report", str(saved), "--format", "pdf", "-o", str(out))
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    pages, text = pdf_text(data)
    assert pages >= 3, pages
    for words in [
        "Violations found",
        "Tracking before consent",
        "Data transfers outside the EU/EEA",
        "Which service was seen on which page",
        "Storage keys",
        "EU-US Data Privacy Framework",
        f"1 / {pages}",  # the footer numbers the pages
    ]:
        assert words in text, words


@pytest.mark.browser
def test_the_printer_fetches_nothing(tmp_path):
    from scanner.collect.pdf import print_pdf

    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        html = (
            f'<html><head><link rel="stylesheet" href="{url}/css"></head><body>'
            f'<h1>Offline</h1><img src="{url}/img.png"><iframe src="{url}/frame"></iframe>'
            "</body></html>"
        )
        data = print_pdf(html)
    finally:
        server.shutdown()
        server.server_close()
    assert data.startswith(b"%PDF-")
    assert "Offline" in pdf_text(data)[1]
    assert hits == []


@pytest.mark.browser
def test_banner_screenshots_print_at_page_width(tmp_path):
    """A 1280 px screenshot shows at 480 px on screen, and across the page when printed."""
    from playwright.sync_api import sync_playwright

    from scanner.collect.browser import find_browser

    result = demo_result()
    wide = tiny_png(1280, 60, [(0, 10, 1280, 40, (40, 48, 64))] + BANNER_REJECT)
    phases = []
    for p in result.phases:
        if p.consent is not None:
            details = dict(p.consent.details) | {"screenshot_before": wide}
            p = dataclasses.replace(p, consent=dataclasses.replace(p.consent, details=details))
        phases.append(p)
    html = str(reports.render(dataclasses.replace(result, phases=tuple(phases)), "html"))
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_browser(), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(path.as_uri())
        width = "() => document.querySelector('.shots img').getBoundingClientRect().width"
        on_screen = page.evaluate(width)
        page.emulate_media(media="print")
        page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
        printed = page.evaluate(width)
        browser.close()
    assert on_screen <= 480
    assert printed > 650, printed


@pytest.mark.browser
def test_scan_writes_a_pdf(tmp_path):
    out = tmp_path / "scan.pdf"
    result = run("scan", "--dwell", "1", "--max-pages", "2", "--format", "pdf", "-o", str(out))
    assert result.exit_code == 0, result.output
    pages, text = pdf_text(out.read_bytes())
    assert pages >= 2 and "Cookie and tracker report" in text
    assert not Path(str(out) + ".partial.jsonl").exists()  # the journal went once written
