"""The dashboard in a real Chromium: sites, a site's chart, a report, a diff, "run now" and
a scan, and hostile names that run no script.

The app is served by uvicorn in a thread on a free port of 127.0.0.1, over the test history of
``tests/test_dashboard.py``; scans started from it go to the local web (``localweb``).

Run as a script to take the README's screenshot of the sites page::

    .venv/bin/python tests/test_dashboard_browser.py docs/dashboard-screenshot.png
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import uvicorn

sys.path.insert(0, str(Path(__file__).parent))  # when run as a script
from test_dashboard import CALM, HOSTILE, SHOP, build_history  # noqa: E402

from scanner.dashboard import Settings, create_app  # noqa: E402
from scanner.fleet import history  # noqa: E402
from scanner.fleet import schedule as sched  # noqa: E402

pytestmark = pytest.mark.browser


@contextmanager
def serve(settings: Settings) -> Iterator[str]:
    """The dashboard served by uvicorn in a thread; yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                            log_level="warning", ws="none", lifespan="on")  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="dashboard", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def scan_options(web: Any) -> dict[str, Any]:
    """Fast scans of the local web (as tests/test_schedule.py does)."""
    return {"dwell": 0.5, "idle_timeout": 1.0, "use_sitemap": False,
            "ignore_https_errors": True, "browser_args": list(web.browser_args())}  # fmt: skip


@pytest.fixture(scope="module")
def site(localweb, tmp_path_factory):
    """The dashboard over the test history, with two schedules; (base URL, db, store, ids)."""
    tmp = tmp_path_factory.mktemp("dashboard")
    db, store = str(tmp / "history.sqlite"), str(tmp / "schedules.sqlite")
    ids = build_history(db)
    options = {**scan_options(localweb), "max_pages": 1, "phases": ["no-interaction"]}
    sched.add_schedule(SHOP, every=24 * 3600, options=options, db=db, store=store,
                       out_dir=str(tmp / "runs"))  # fmt: skip
    # No spaces: a URL the browser would read differently is refused at `schedule add` now
    # (tests/test_hostile_fleet.py); this one is stored (percent-encoded) and shown.
    sched.add_schedule(HOSTILE.replace(" ", "/"), cron="0 3 * * 1", db=db, store=store)
    settings = Settings(db=db, store=store, scan_defaults=scan_options(localweb),
                        out_dir=str(tmp / "scans"))  # fmt: skip
    with serve(settings) as base:
        yield base, db, store, ids
    history.dispose()


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    from scanner.collect.browser import find_browser

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_browser(), args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    """A page that records dialogs and console errors (a CSP violation is one)."""
    page = chromium.new_page(viewport={"width": 1400, "height": 900})
    page.dialogs, page.errors = [], []  # type: ignore[attr-defined]
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    assert page.errors == [], page.errors  # type: ignore[attr-defined]
    page.close()


def site_url(base: str, key: str) -> str:
    return f"{base}/site?site={quote(key, safe='')}"


def test_sites_table_lists_the_scans_with_their_verdicts(site, page):
    base, *_ = site
    page.goto(base + "/")
    rows = page.locator("table.sites tbody tr")
    found = {
        rows.nth(i).locator("td.site").inner_text(): rows.nth(i).locator(".verdict").inner_text()
        for i in range(rows.count())
    }
    assert found[SHOP] == "violations"
    assert found[CALM] == "no issues found"
    assert found["https://down.example.org/"] == "not judged"
    shop = page.locator(f'tr[data-site="{SHOP}"]')
    assert "Mailjet" in shop.locator("td").nth(4).inner_text()  # after refusal
    assert "+ Mailjet" in shop.inner_text()  # new since the previous scan
    # the bundled stylesheet applies (no CDN, nothing blocked by the page's CSP)
    background = page.eval_on_selector("header.top", "e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(23, 32, 43)"
    page.select_option("select[name=verdict]", "no-issues-found")
    page.click("form.filters button")
    assert page.locator("table.sites tbody tr").count() == 1
    assert "calm.example.org" in page.locator("table.sites tbody").inner_text()


def test_a_site_page_draws_its_chart_and_a_report_opens(site, page):
    base, _db, _store, ids = site
    page.goto(site_url(base, SHOP))
    chart = page.locator("svg.trend")
    box = chart.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 100
    assert chart.locator("polyline").count() == 2
    assert chart.locator("circle.point-findings").count() >= 3
    points = chart.locator("polyline.series-findings").get_attribute("points") or ""
    assert len(points.split()) >= 3
    page.locator(f'tr[data-scan="{ids["shop-3"]}"] a.report').click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/scans/{ids['shop-3']}/report")
    assert "Violations found" in page.locator("body").inner_text()
    assert page.evaluate("document.querySelectorAll('details').length") > 0


def test_a_diff_shows_a_new_service(site, page):
    base, _db, _store, ids = site
    page.goto(site_url(base, SHOP))
    page.select_option("select[name=old]", str(ids["shop-1"]))
    page.select_option("select[name=new]", str(ids["shop-3"]))
    page.click("text=Diff")
    page.wait_for_url("**/diff?*")
    appeared = page.locator("tr.kind-services td.new").first.inner_text()
    assert "Mailjet" in appeared
    assert "Mailjet" in page.locator(".scan-after").inner_text()
    assert "Mailjet" not in page.locator(".scan-before").inner_text()
    page.click("text=opening with these changes")
    page.wait_for_load_state()
    assert "Mailjet" in page.locator("#changes").inner_text()


def wait_for_task(page, timeout: float = 150) -> str:
    page.wait_for_selector("#task[data-state=done], #task[data-state=failed]",
                           timeout=timeout * 1000)  # fmt: skip
    return page.locator("#task").get_attribute("data-state") or ""


def test_run_now_records_a_new_scan(site, page):
    base, db, *_ = site
    before = len(history.list_scans(db, site=SHOP))
    page.goto(base + "/schedules")
    page.locator('tr[data-schedule="www.example.com"] button:has-text("Run now")').click()
    page.wait_for_url("**/tasks/*")
    state = wait_for_task(page)
    assert state == "done", page.locator("#task").inner_text()
    assert page.locator("#task-log").inner_text().strip()  # the scan's progress, shown live
    scans = history.list_scans(db, site=SHOP)
    assert len(scans) == before + 1 and scans[0]["source"] == "schedule"
    page.click("#task-report")
    page.wait_for_url(f"**/scans/{scans[0]['id']}/report")
    page.goto(base + "/")
    row = page.locator(f'tr[data-site="{SHOP}"]')
    assert row.locator("td.num").inner_text() == str(before + 1)


def test_a_scan_started_here_is_recorded(site, page):
    base, db, *_ = site
    url = "https://nobanner.example.com/"
    page.goto(base + "/scan")
    page.fill("input[name=url]", url)
    page.fill("input[name=max_pages]", "1")
    page.uncheck("input[value=accept-all]")
    page.uncheck("input[value=reject-all]")
    page.click("text=Start the scan")
    page.wait_for_url("**/tasks/*")
    assert wait_for_task(page) == "done", page.locator("#task").inner_text()
    (scan,) = history.list_scans(db, site=url)
    assert scan["source"] == "dashboard" and scan["pages"] == 1
    page.click("#task-site")
    page.wait_for_load_state()
    assert page.locator("svg.trend").count() == 1


@pytest.mark.parametrize("with_csp", [True, False], ids=["as-served", "csp-removed"])
def test_hostile_names_run_no_script(site, chromium, with_csp):
    base, _db, _store, ids = site
    page = chromium.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    def serve_page(route):
        response = route.fetch()
        headers = dict(response.headers)
        if not with_csp:  # escaping alone must hold: every page without its CSP
            headers.pop("content-security-policy", None)
        body = response.body()
        if route.request.url.endswith("/control"):  # one payload left unescaped
            body = body.replace(b"</main>", b'<img src=x onerror="alert(0)"></main>')
        route.fulfill(response=response, headers=headers, body=body)

    page.route(f"{base}/**", serve_page)
    # The control: the harness sees a script that runs, and the CSP alone stops it.
    page.goto(base + "/control")
    page.wait_for_timeout(300)
    assert dialogs == ([] if with_csp else ["0"])
    dialogs.clear()
    paths = ["/", site_url(base, HOSTILE)[len(base):], "/schedules",
             f"/diff?old={ids['hostile-1']}&new={ids['hostile-2']}"]  # fmt: skip
    for path in paths:
        page.goto(base + path)
        page.mouse.move(20, 20)
        page.mouse.wheel(0, 5000)
        page.wait_for_timeout(200)
        assert page.evaluate("window.__pwned") is None, path
        if path.startswith("/site"):  # the hostile name is shown, as text
            assert "<script>alert(2)</script>" in page.locator("h1").inner_text()
    page.close()
    assert dialogs == []


def news_result() -> Any:
    """For the screenshot: a site with issues only (a cookie that lives too long)."""
    import dataclasses

    from report_fixtures import demo_result
    from test_dashboard import calm_result

    from scanner.model import Verdict

    long_lived = [f for f in demo_result().findings if f.type == "cookie_lifetime_over_13_months"]
    return dataclasses.replace(
        calm_result(),
        start_url="https://news.example.net/",
        started_at="2025-03-05T11:20:00+00:00",
        findings=tuple(long_lived),
        verdict=Verdict("issues", "Issues found"),
    )


if __name__ == "__main__":  # the README's screenshot: the sites page of the test history
    import tempfile

    from playwright.sync_api import sync_playwright

    from scanner.collect.browser import find_browser

    target = sys.argv[1] if len(sys.argv) > 1 else "docs/dashboard-screenshot.png"
    with tempfile.TemporaryDirectory() as tmp:
        db, store = f"{tmp}/history.sqlite", f"{tmp}/schedules.sqlite"
        build_history(db, hostile=False)
        history.record(news_result(), db)
        sched.add_schedule(SHOP, cron="0 3 * * 1", db=db, store=store)
        sched.add_schedule(CALM, cron="30 4 * * *", db=db, store=store)
        with serve(Settings(db=db, store=store)) as base, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=find_browser(), args=["--no-sandbox"])
            shot = browser.new_page(viewport={"width": 1400, "height": 480})
            shot.goto(base + "/")
            shot.screenshot(path=target, full_page=True)
            browser.close()
    print(f"wrote {target}")
