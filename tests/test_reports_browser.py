"""The HTML report of a hostile site runs no script in a real Chromium.

Every payload in ``report_fixtures.hostile_result`` (and ``hostile_changes``, the "changes since
the previous scan" shown with it) sets ``window.__pwned`` and opens an alert
if it ever runs. The report is checked twice: as rendered, and with its Content-Security-Policy
removed, so escaping alone is proven to hold. A control page with one payload left unescaped
shows that the harness does catch script execution.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from report_fixtures import hostile_changes, hostile_result

import reports

pytestmark = pytest.mark.browser

_CSP = re.compile(r'<meta http-equiv="Content-Security-Policy"[^>]*>')


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    from scanner.collect.browser import find_browser

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_browser(), args=["--no-sandbox"])
        yield browser
        browser.close()


def run_page(browser, path: Path) -> tuple[list[str], object]:
    """Open ``path``, open every <details>, and return (dialogs seen, window.__pwned)."""
    page = browser.new_page()
    dialogs: list[str] = []

    def on_dialog(dialog):
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    page.mouse.move(10, 10)
    page.mouse.wheel(0, 20000)
    page.wait_for_timeout(300)
    pwned = page.evaluate("window.__pwned")
    page.close()
    return dialogs, pwned


@pytest.mark.parametrize("with_csp", [True, False], ids=["as-rendered", "csp-removed"])
@pytest.mark.parametrize("values", [False, True], ids=["hashed-values", "cookie-values"])
def test_hostile_report_runs_no_script(chromium, tmp_path, with_csp, values):
    html = reports.render(
        hostile_result(), "html", include_cookie_values=values, changes=hostile_changes()
    )
    assert isinstance(html, str) and 'id="changes"' in html
    if not with_csp:
        html, n = _CSP.subn("", html)
        assert n == 1
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    dialogs, pwned = run_page(chromium, path)
    assert dialogs == []
    assert pwned is None


def test_harness_catches_script(chromium, tmp_path):
    html = _CSP.sub("", reports.render(hostile_result(), "html"))
    html = html.replace("</main>", '<img src=x onerror="window.__pwned=1;alert(1)"></main>')
    path = tmp_path / "control.html"
    path.write_text(html, encoding="utf-8")
    dialogs, pwned = run_page(chromium, path)
    assert dialogs == ["alert: 1"] and pwned == 1
