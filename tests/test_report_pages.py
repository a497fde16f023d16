"""The page screenshots of an evidence pack in the HTML report (issue #16): shown under the
finding that names the page, read only from the files the pack's ``pages.json`` lists, in the
shape the pack writes, never through a link, never a non-PNG or an oversized file.

Each test builds a fake pack in ``tmp_path`` from the hand-built demo result: ``result.json``,
a ``manifest.json`` (only its presence marks a pack; ``cookiescan verify`` checks it) and
``screenshots/pages.json``.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from report_fixtures import demo_result
from report_png import tiny_png

import reports
from reports import pages as pack_pages
from reports.pages import read_pack_pages
from scanner.cli import cli

HOSTILE_URL = 'https://www.example.com/?q=<img src=x onerror="alert(1)">&a=1'
PNG = base64.b64decode(tiny_png(64, 40, [(4, 4, 30, 12, (220, 38, 38))]).split(",", 1)[1])
PNG_URI = "data:image/png;base64," + base64.b64encode(PNG).decode()


def make_pack(
    folder: Path, kept: list[dict] | None = None, *, index: str | bytes | None = None
) -> Path:
    """A fake evidence pack holding the demo result; returns its ``result.json``."""
    result = demo_result()
    (folder / "screenshots" / "pages" / "no-interaction").mkdir(parents=True)
    (folder / "result.json").write_text(reports.render(result, "json"), encoding="utf-8")
    (folder / "manifest.json").write_text("{}", encoding="utf-8")
    (folder / "screenshots" / "pages" / "no-interaction" / "0.png").write_bytes(PNG)
    if kept is None:
        kept = [entry("screenshots/pages/no-interaction/0.png")]
    document = {
        "limit": 50,
        "kept": kept,
        "not_shot": [
            {"phase": "reject-all", "url": "https://www.example.com/late",
             "why": "over the limit of 50 pages per phase", "findings": [{"index": 1}]}
        ],
    }  # fmt: skip
    text = index if index is not None else json.dumps(document)
    raw = text if isinstance(text, bytes) else text.encode("utf-8")
    (folder / "screenshots" / "pages.json").write_bytes(raw)
    return folder / "result.json"


def entry(file: object, url: str = HOSTILE_URL) -> dict:
    finding = {"index": 0, "type": "tracking_before_consent", "service": "x"}
    return {"phase": "no-interaction", "url": url, "file": file, "findings": [finding]}


def render(result_json: Path, warnings: list[str] | None = None) -> str:
    pack = read_pack_pages(result_json, warn=(warnings if warnings is not None else []).append)
    return reports.render(reports.load_result(result_json), "html", pack=pack)


def finding_cards(html: str) -> list[str]:
    """The HTML of each finding card, in order."""
    section = html.split('<section id="findings">', 1)[1].split("</section>", 1)[0]
    return section.split('<div class="card finding ')[1:]


def test_the_page_of_a_finding_is_shown_under_it_with_its_url_escaped(tmp_path):
    html = render(make_pack(tmp_path))
    cards = finding_cards(html)
    with_shot = [c for c in cards if PNG_URI in c]
    assert len(with_shot) == 1 and "Tracking before consent" in with_shot[0]
    assert 'href="#page-shot-no-interaction-0"' in with_shot[0]
    assert 'id="page-shot-no-interaction-0"' in html  # the full size one, in its section
    assert "Pages with a finding" in html and f"cookiescan verify {tmp_path}" in html
    assert "https://www.example.com/late" in html and "over the limit of 50" in html
    assert '<img src=x onerror="alert(1)">' not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;&amp;a=1" in html


def test_a_result_outside_a_pack_shows_nothing_new(tmp_path):
    result_json = make_pack(tmp_path)
    (tmp_path / "manifest.json").unlink()
    assert read_pack_pages(result_json) is None
    html = render(result_json)
    assert PNG_URI not in html and "Pages with a finding" not in html


def _symlinked(tmp_path: Path) -> dict:
    other = tmp_path.parent / f"{tmp_path.name}-outside.png"
    other.write_bytes(PNG)
    os.symlink(other, tmp_path / "screenshots" / "pages" / "no-interaction" / "1.png")
    return entry("screenshots/pages/no-interaction/1.png")


def _symlinked_folder(tmp_path: Path) -> dict:
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (outside / "0.png").write_bytes(PNG)
    os.symlink(outside, tmp_path / "screenshots" / "pages" / "accept-all")
    return entry("screenshots/pages/accept-all/0.png")


def _not_png(tmp_path: Path) -> dict:
    (tmp_path / "screenshots" / "pages" / "no-interaction" / "2.png").write_bytes(b"<svg/>")
    return entry("screenshots/pages/no-interaction/2.png")


def _too_big(tmp_path: Path) -> dict:
    big = PNG + b"\0" * (pack_pages.MAX_PAGE_BYTES + 1)
    (tmp_path / "screenshots" / "pages" / "no-interaction" / "3.png").write_bytes(big)
    return entry("screenshots/pages/no-interaction/3.png")


HOSTILE = {
    "dot-dot": lambda p: entry("screenshots/pages/no-interaction/../../../result.json"),
    "dot-dot-png": lambda p: entry("screenshots/pages/../pages/no-interaction/0.png"),
    "absolute": lambda p: entry(str(p / "screenshots/pages/no-interaction/0.png")),
    "unknown-phase": lambda p: entry("screenshots/pages/elsewhere/0.png"),
    "not-a-string": lambda p: entry(["screenshots/pages/no-interaction/0.png"]),
    "symlink": _symlinked,
    "symlinked-folder": _symlinked_folder,
    "not-png": _not_png,
    "too-big": _too_big,
    "missing": lambda p: entry("screenshots/pages/no-interaction/9.png"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_entry_gives_a_warning_and_no_image(tmp_path, case):
    pack_dir = tmp_path / "pack"
    pack_dir.mkdir()
    result_json = make_pack(pack_dir, kept=[])
    document = json.loads((pack_dir / "screenshots" / "pages.json").read_text())
    document["kept"] = [HOSTILE[case](pack_dir)]
    (pack_dir / "screenshots" / "pages.json").write_text(json.dumps(document))
    warnings: list[str] = []
    html = render(result_json, warnings)
    assert len(warnings) == 1, warnings
    assert PNG_URI not in html
    assert "Warning:" in html.split('<section id="finding-pages">', 1)[1]


@pytest.mark.parametrize(
    "text", ["{not json", "[]", '{"kept": "x"}', b"\xff\xfe{}", '{"kept": [' * 100000]
)
def test_a_malformed_index_gives_a_warning_and_no_image(tmp_path, text):
    warnings: list[str] = []
    html = render(make_pack(tmp_path, index=text), warnings)
    assert len(warnings) == 1 and PNG_URI not in html
    assert "Pages with a finding" in html


def test_the_total_cap_leaves_a_note(tmp_path, monkeypatch):
    result_json = make_pack(tmp_path, kept=[])
    folder = tmp_path / "screenshots" / "pages" / "no-interaction"
    kept = []
    for n in range(4):
        (folder / f"{n}.png").write_bytes(PNG)
        kept.append(entry(f"screenshots/pages/no-interaction/{n}.png", f"https://e.example/{n}"))
    document = json.loads((tmp_path / "screenshots" / "pages.json").read_text())
    document["kept"] = kept
    (tmp_path / "screenshots" / "pages.json").write_text(json.dumps(document))
    monkeypatch.setattr(pack_pages, "MAX_PAGES", 3)
    warnings: list[str] = []
    pack = read_pack_pages(result_json, warn=warnings.append)
    assert pack is not None and len(pack.shots) == 3
    assert len(warnings) == 1 and "1 more page screenshot" in warnings[0]


def test_cookiescan_report_reads_the_pack(tmp_path):
    result_json = make_pack(tmp_path)
    out = tmp_path.parent / f"{tmp_path.name}-report.html"
    run = CliRunner().invoke(cli, ["report", str(result_json), "--format", "html", "-o", str(out)])
    assert run.exit_code == 0, run.output
    assert PNG_URI in out.read_text(encoding="utf-8")


@pytest.mark.browser
def test_the_thumbnail_renders_in_chromium_under_the_csp(tmp_path):
    from playwright.sync_api import sync_playwright

    from scanner.collect.browser import find_browser

    html = render(make_pack(tmp_path))
    assert "Content-Security-Policy" in html
    page_file = tmp_path / "report.html"
    page_file.write_text(html, encoding="utf-8")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_browser(), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(page_file.resolve().as_uri(), wait_until="load")
            widths = page.evaluate(
                "[...document.querySelectorAll('.page-shots img, .page-full img')]"
                ".map(i => i.complete ? i.naturalWidth : -1)"
            )
        finally:
            browser.close()
    assert widths == [64, 64]
