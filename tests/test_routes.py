"""Client-side routes: URLs a page pushes with the History API, and links that appear late.

Issue 12 part 3. ``tests/sites/reach.example.com/`` pushes ``/app/deals`` 0.8 s after load
(no link names it; the page there loads a tracker), adds a link to ``/late.html`` 2 s after
load, and has a button that would push ``/app/cart`` (the scan clicks no buttons). The routes
are heard from the browser (DevTools ``Page.navigatedWithinDocument``), not from the page.
"""

from __future__ import annotations

import pytest
from conftest import visit_of
from together import Scans, local_config

from scanner.collect.routes import MAX_ROUTES

REACH = "https://reach.example.com/"
DEALS = REACH + "app/deals"


def tracker_hits(visit) -> set[str]:
    return {
        r.url.rsplit("/", 1)[-1] for r in visit.requests if r.host == "reach-tracker.example.net"
    }


@pytest.fixture(scope="module")
def scans(localweb):
    """The reach site crawled, and its spinning page, scanned side by side (together.py)."""
    one_phase = {"phases": ("no-interaction",)}
    return Scans(
        crawled=local_config(
            localweb, REACH, max_pages=3, dwell=3.0, use_sitemap=False, **one_phase
        ),
        spin=local_config(localweb, REACH + "spin.html", max_pages=1, dwell=1.0, **one_phase),
    )


@pytest.fixture(scope="module")
def crawled(scans):
    return scans["crawled"]


@pytest.mark.browser
def test_a_pushed_route_is_recorded_and_visited(crawled):
    start = visit_of(crawled, REACH)
    assert start.routes == (DEALS,)
    deals = visit_of(crawled, DEALS)
    assert deals.depth == 1 and deals.title == "Deals (a client-side route)"
    assert tracker_hits(deals) == {"deals"}  # the tracker only that route loads


@pytest.mark.browser
def test_a_link_added_after_load_is_followed(crawled):
    late = visit_of(crawled, REACH + "late.html")
    assert tracker_hits(late) == {"late"}
    urls = {v.url for v in crawled.phase("no-interaction").visits}
    assert urls == {REACH, DEALS, REACH + "late.html"}  # never /app/cart: no button clicked


@pytest.mark.browser
def test_routes_are_bounded_and_same_origin(scans):
    url = REACH + "spin.html"
    visit = visit_of(scans["spin"], url)
    assert len(visit.routes) == MAX_ROUTES
    assert all(r.startswith(REACH + "spin/") for r in visit.routes), visit.routes[:3]
    assert len(set(visit.routes)) == len(visit.routes)
