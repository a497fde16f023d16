"""The page a cookie was seen on, passed with each cookie (``signatures.page_context``): one
immutable value per visit, so the database keeps no page between calls and the order in which
visits, results or their observations are matched changes nothing."""

from __future__ import annotations

import pytest
from test_public_lists import RADAR_TRK, write

import signatures
from scanner.analyse.match import match_result
from scanner.model import Cookie, PhaseResult, Request, ScanResult, Visit
from signatures import lists

SHOP = "https://shop.example.com/"
TRACKER = "https://trk.example.net/t.js"
TRK = "list:tracker-radar cookie:_trk domain:trk.example.net"


@pytest.fixture
def radar_db(tmp_path, monkeypatch):
    """A database with a Tracker Radar folder: the script of trk.example.net writes ``_trk``."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    folder = tmp_path / "domains" / "US"
    folder.mkdir(parents=True)
    write(folder, "trk.example.net.json", RADAR_TRK)
    lists.add_list(tmp_path / "domains", "tracker-radar")
    return signatures.load()


def visit(phase: str, urls: tuple[str, ...], cookies: tuple[str, ...] = ()) -> Visit:
    requests = tuple(
        Request(url=u, method="GET", resource_type="script", host=u.split("/")[2],
                party="first" if "shop" in u else "third", time_ms=1.0)
        for u in urls
    )  # fmt: skip
    jar = tuple(Cookie(name=n, domain="shop.example.com", path="/", party="first",
                       lifetime_days=1.0) for n in cookies)  # fmt: skip
    return Visit(url=SHOP, final_url=SHOP, depth=0, phase=phase, started_at="t",
                 duration_ms=1.0, requests=requests, cookies=jar)  # fmt: skip


def result_of(*visits: Visit) -> ScanResult:
    return ScanResult(
        start_url=SHOP, first_party=("example.com",), tool_version="0", browser_version="0",
        user_agent="ua", config={}, started_at="t", finished_at="t",
        phases=tuple(PhaseResult(v.phase, (v,)) for v in visits),
    )  # fmt: skip


def cookie_patterns(result: ScanResult) -> list[tuple[str, str, str]]:
    return [(m.phase, m.value, m.pattern) for m in result.matches if m.kind == "cookie"]


def test_a_cookie_is_named_by_the_requests_of_its_own_visit_only(radar_db):
    # The same page in two phases: the tracker was requested in the first, whose cookie jar
    # was empty; the second wrote _trk without it. A database that learnt "the page" from the
    # requests it was asked kept the first visit's hosts for the second (same URL).
    result = match_result(
        result_of(
            visit("no-interaction", (SHOP, TRACKER)), visit("reject-all", (SHOP,), ("_trk",))
        ),
        radar_db,
    )
    assert cookie_patterns(result) == []
    both = result_of(visit("accept-all", (SHOP, TRACKER), ("_trk",)))
    assert cookie_patterns(match_result(both, radar_db)) == [("accept-all", "_trk", TRK)]


def test_results_matched_in_any_order_match_as_they_do_alone(radar_db):
    tracked = result_of(visit("accept-all", (SHOP, TRACKER), ("_trk",)))
    bare = result_of(visit("accept-all", (SHOP,), ("_trk",)))
    alone = [match_result(r, radar_db).matches for r in (tracked, bare)]
    again = [match_result(r, radar_db).matches for r in (bare, tracked, bare)]
    assert again == [alone[1], alone[0], alone[1]]
    assert [m.pattern for m in alone[0] if m.kind == "cookie"] == [TRK]


def test_a_page_context_is_one_immutable_value_per_visit():
    urls = [
        "https://A.trk.example.net/t.js",
        "https://cdn.example.org/",
        "https://a.trk.example.net/",
    ]
    page = signatures.page_context("https://Shop.example.com:8443/a", urls)
    assert (page.site, page.hosts) == ("example.com", ("a.trk.example.net", "cdn.example.org"))
    assert page == signatures.page_context(page.url, list(page.requests))
    with pytest.raises(AttributeError):
        page.url = "https://other.example/"  # type: ignore[misc]
    # our own database takes the page and ignores it: every database is called alike
    plain = signatures.load(paths=[signatures.BUNDLED_DIR])
    assert type(plain) is signatures.SignatureDB
    found = plain.match_cookie("mj.preferences", "a.example.com", page=page)
    assert found.pattern == "cookie:mj.preferences"
    assert plain.match_request("https://r.mjt.lu/x", page_url=page.url).pattern == "host:mjt.lu"


def test_the_page_module_examples_hold():
    import doctest

    import signatures.page

    assert doctest.testmod(signatures.page, optionflags=doctest.ELLIPSIS).failed == 0
