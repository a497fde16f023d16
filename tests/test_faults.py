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
