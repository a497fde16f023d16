"""Every way a page can fail is recorded on that page, and the crawl goes on."""

from __future__ import annotations

import pytest
from conftest import scan_local, visit_of

pytestmark = pytest.mark.browser
ORG = "https://www.example.org/"


@pytest.fixture(scope="module")
def faults(localweb):
    return scan_local(localweb, ORG, max_pages=20, page_timeout=2.0, dwell=0.5)


def kinds(visit):
    return {e.kind for e in visit.errors}


def test_each_fault_is_recorded_on_its_page(faults):
    assert "http" in kinds(visit_of(faults, ORG + "500.html"))
    assert visit_of(faults, ORG + "500.html").status == 500
    assert "http" in kinds(visit_of(faults, ORG + "missing.html"))
    assert kinds(visit_of(faults, ORG + "loop")) == {"redirect-loop"}
    assert kinds(visit_of(faults, ORG + "download")) == {"download"}
    assert "timeout" in kinds(visit_of(faults, ORG + "slow.html"))
    assert kinds(visit_of(faults, "https://unreachable.example.org/")) == {"unreachable"}


def test_dialogs_and_popups_do_not_stop_the_page(faults):
    dialog = visit_of(faults, ORG + "dialog.html")
    assert kinds(dialog) == {"dialog"}
    assert "hello from the site" in dialog.errors[0].message
    assert dialog.title == "Dialog"
    popup = visit_of(faults, ORG + "popup.html")
    assert kinds(popup) == {"popup"}


def test_crawl_goes_on_after_failures(faults):
    urls = [v.url for v in faults.phase("no-interaction").visits]
    assert ORG + "fine.html" in urls
    assert not visit_of(faults, ORG + "fine.html").errors
    assert not any(u.startswith(("javascript:", "mailto:")) for u in urls)
    assert faults.complete and faults.error_count >= 7


def test_tls_error_is_recorded(localweb):
    # Without --ignore-certificate-errors the local web's self-signed certificate is refused.
    from scanner import ScanConfig, scan

    rules = [a for a in localweb.browser_args() if a.startswith("--host-resolver-rules")]
    result = scan(
        ScanConfig(
            url=ORG + "fine.html",
            browser_args=tuple(rules),
            max_pages=1,
            use_sitemap=False,
            dwell=0,
        )
    )
    visit = result.phase("no-interaction").visits[0]
    assert kinds(visit) == {"tls"}
    assert "ERR_CERT" in visit.errors[0].message


def test_time_budget_stops_the_crawl(localweb):
    result = scan_local(
        localweb,
        "https://www.example.com/",
        time_budget=0.5,
        dwell=1.0,
        concurrency=1,
        use_sitemap=False,
    )
    visits = result.phase("no-interaction").visits
    assert 1 <= len(visits) < 8 and result.complete


def test_scan_through_a_proxy(localweb):
    # No host-resolver rules: every request must go through --proxy to reach the local web.
    from connect_proxy import ConnectProxy

    from scanner import ScanConfig, scan

    with ConnectProxy(localweb.https_port) as proxy:
        result = scan(
            ScanConfig(
                url="https://www.example.com/about.html",
                proxy=proxy.url,
                browser_args=("--ignore-certificate-errors",),
                max_pages=1,
                use_sitemap=False,
                dwell=0.5,
            )
        )
    visit = result.phase("no-interaction").visits[0]
    assert not visit.errors and visit.status == 200
    assert any(r.host == "app.mailjet.com" for r in visit.requests)
    assert "app.mailjet.com:443" in proxy.tunnels and "www.example.com:443" in proxy.tunnels
