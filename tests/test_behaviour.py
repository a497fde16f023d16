"""Unknown third parties judged by behaviour (issue 12 part 1): the rules on hand-built
results, the identifier heuristics, and the unknown-tracker vs benign-CDN site in Chromium."""

from __future__ import annotations

import pytest
from conftest import scan_local, visit_of

from scanner.analyse.behaviour import MIN_COOKIE_DAYS, unknown_trackers
from scanner.analyse.judge import judge
from scanner.analyse.verdict import verdict_of
from scanner.collect.identifiers import Identifiers, encodings, looks_like_identifier
from scanner.model import (
    Carried,
    ConsentAction,
    Cookie,
    Match,
    PhaseResult,
    Request,
    ScanResult,
    StorageItem,
    Visit,
)

START = "https://shop.example.com/"
ID = "u-8f14e45fceea167a5a36"
CARRIED = (Carried("cookie", "_trk", "shop.example.com", "url", "plain"),)


def req(url: str, time_ms: float = 100.0, kind: str = "image", **kw) -> Request:
    host = url.split("/")[2]
    party = "first" if host.endswith("example.com") else "third"
    return Request(url, "GET", kind, host, party, time_ms, **kw)  # type: ignore[arg-type]


def cookie(name: str, domain: str, days: float | None = 365.0, **kw) -> Cookie:
    party = "first" if domain.endswith("example.com") else "third"
    kw.setdefault("sources", ("wire", "jar"))
    kw.setdefault("identifier", True)
    return Cookie(name, domain, "/", party, days, time_ms=50.0, **kw)  # type: ignore[arg-type]


def visit(phase: str = "no-interaction", **kw) -> Visit:
    return Visit(START, START, 0, phase, "2025-01-01T00:00:00+00:00", 900.0, **kw)  # type: ignore[arg-type]


def result(*visits: Visit, matches=(), reject: Visit | None = None) -> ScanResult:
    phases = [PhaseResult("no-interaction", visits)]
    if reject is not None:
        action = ConsentAction(
            "reject-all", "done", page=START, time="2025-01-01T00:00:00.500+00:00",
            details={"time_ms": 500.0},
        )  # fmt: skip
        phases.append(PhaseResult("reject-all", (reject,), action))
    return ScanResult(
        START, ("example.com",), "0", "0", "ua", {}, "2025-01-01T00:00:00+00:00", None,
        phases=tuple(phases), matches=tuple(matches),
    )  # fmt: skip


def found(r: ScanResult, phase: str = "no-interaction") -> dict[str, tuple[str, set[str]]]:
    return {
        ref["id"]: (severity, {e["signal"] for e in evidence})
        for ref, severity, evidence, _ in unknown_trackers(r, phase)  # type: ignore[arg-type]
    }


# -- identifiers ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value",
    ["8f14e45fceea167a5a36", "3f2a9c1e-4b5d-4c6e-8f7a-9b0c1d2e3f4a", "GA1.2.987654321.1690000000"],
)
def test_identifier_values(value):
    assert looks_like_identifier(value)


@pytest.mark.parametrize(
    "value",
    ["1", "true", "abc123", "accepted", "necessary,analytics", "2024-05-01T10:00:00Z",
     "1716200000", "1716200000123", "en-US", "https://www.example.com/page", "aaaaaaaaaaaa",
     "20240501", "dismiss-the-banner"],
)  # fmt: skip
def test_values_that_are_not_identifiers(value):
    assert not looks_like_identifier(value)


def test_identifier_found_plain_url_encoded_and_base64():
    ids = Identifiers()
    ids.add("cookie", "uid", "t.example.net", "id:8f14e45f/ceea167a")
    url_encoded = "https://t.example.net/p?u=id%3A8f14e45f%2Fceea167a"
    assert [c.encoding for c in ids.carried(url_encoded)] == ["url"]
    b64 = dict((e, t) for t, e in encodings("id:8f14e45f/ceea167a"))["base64"]
    (carried,) = ids.carried("https://t.example.net/collect", body=b64)
    assert (carried.name, carried.where, carried.encoding) == ("uid", "body", "base64")
    # A value in a URL's path is a build hash or a content id, not a sent identifier.
    assert ids.carried("https://cdn.example.org/8f14e45f/app.js") == ()


# -- the rules --------------------------------------------------------------------------
def test_identifier_cookie_and_pixel_carrying_it_are_high():
    v = visit(
        requests=(req("https://t.tracker.net/px.gif?u=" + ID, carries=CARRIED),),
        cookies=(cookie("uid", "t.tracker.net"),),
    )
    assert found(result(v)) == {
        "tracker.net": ("high", {"carries-identifier", "identifier-cookie"})
    }


def test_first_party_identifier_cookie_written_by_its_script_is_its():
    c = cookie(
        "_trk", "shop.example.com", sources=("js", "jar"), set_by="https://t.tracker.net/t.js"
    )
    assert found(result(visit(cookies=(c,)))) == {"tracker.net": ("high", {"identifier-cookie"})}
    own = cookie("_own", "shop.example.com", sources=("js", "jar"), set_by=START)
    assert found(result(visit(cookies=(own,)))) == {}


def test_weak_signals_follow_their_strength():
    storage = StorageItem(
        "local", "https://w.widget.net", "wid", "third", 20, 10.0, identifier=True
    )
    beacon = req("https://b.beacons.net/c", kind="ping", initiator_type="beacon")
    js_only = cookie("x", "shop.example.com", sources=("js",), set_by="https://j.jsonly.net/a.js")
    v = visit(requests=(beacon,), storage=(storage,), cookies=(js_only,))
    assert found(result(v)) == {
        "widget.net": ("medium", {"identifier-storage"}),
        "beacons.net": ("low", {"beacon"}),
        "jsonly.net": ("medium", {"identifier-cookie"}),  # only a page script saw it
    }


def test_benign_cdn_and_non_identifiers_are_never_flagged():
    v = visit(
        requests=(req("https://cdn.fonts.net/font.woff2"), req("https://cdn.fonts.net/lib.js")),
        cookies=(
            cookie("session", "t.tracker.net", days=None),
            cookie("short", "t.tracker.net", days=MIN_COOKIE_DAYS / 2),
            cookie("pref", "t.tracker.net", identifier=False),
        ),
    )
    r = result(v)
    assert found(r) == {}
    assert {f.type for f in judge(r)} == {"unknown_third_party", "verdict"}


def test_known_services_are_left_to_their_signature():
    v = visit(requests=(req("https://t.tracker.net/px.gif?u=" + ID, carries=CARRIED),))
    known = Match("no-interaction", START, "request", "https://t.tracker.net/a.js", "trk", "host:x")
    assert found(result(v, matches=[known])) == {}


def test_after_reject_only_what_came_after_the_click():
    before = req("https://t.tracker.net/px.gif?u=1", time_ms=100.0, carries=CARRIED)
    after = req("https://t.tracker.net/px.gif?u=2", time_ms=900.0, carries=CARRIED)
    r = result(visit(), reject=visit("reject-all", requests=(before, after)))
    ((ref, severity, evidence, _),) = unknown_trackers(r, "reject-all")
    assert [e["url"] for e in evidence] == [after.url]
    findings = judge(r)
    assert [(f.type, f.service["id"]) for f in findings if f.type.startswith("tracking")] == [
        ("tracking_after_reject", "tracker.net")
    ]
    (service,) = verdict_of(r, findings).services
    assert (service.service_id, service.category, service.verdict) == (
        "tracker.net", "unknown", "tracks-after-reject",
    )  # fmt: skip


def test_websocket_carrying_an_identifier_is_judged_like_a_request():
    ws = req("wss://live.sockets.net/feed", kind="websocket", carries=CARRIED)
    assert found(result(visit(requests=(ws,)))) == {"sockets.net": ("high", {"carries-identifier"})}


# -- in Chromium ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def unknown_scan(localweb):
    return scan_local(localweb, "https://unknown.example.com/", phases=("no-interaction",))


@pytest.mark.browser
def test_unknown_tracker_flagged_and_cdn_not(unknown_scan):
    tracking = [f for f in unknown_scan.findings if f.type == "tracking_before_consent"]
    assert [f.service for f in tracking] == [
        {"id": "example.net", "name": "example.net", "category": "unknown"}
    ]
    (f,) = tracking
    assert f.severity == "high"
    signals = {(e["signal"], e.get("name") or e.get("key") or e.get("url")) for e in f.evidence}
    assert ("identifier-cookie", "_trk") in signals  # first party, written by its script
    assert ("identifier-cookie", "trk_uid") in signals  # third party, by Set-Cookie
    assert ("identifier-storage", "_trk_ls") in signals
    carried = [e for e in f.evidence if e["signal"] == "carries-identifier"]
    assert {e["url"].split("?")[0] for e in carried} == {
        "https://trk.example.net/px.gif",
        "https://trk.example.net/collect",
    }
    pixel = next(e for e in carried if "px.gif" in e["url"])
    assert {"source": "cookie", "name": "_trk", "owner": "unknown.example.com", "where": "url",
            "encoding": "plain"} in pixel["carries"]  # fmt: skip
    beacon = next(e for e in carried if "collect" in e["url"])
    assert {c["encoding"] for c in beacon["carries"]} == {"base64"}
    assert unknown_scan.verdict.verdict == "violations"


@pytest.mark.browser
def test_benign_cdn_stores_nothing_and_receives_nothing(unknown_scan):
    home = visit_of(unknown_scan, "https://unknown.example.com/")
    cdn = [r for r in home.requests if r.host == "cdn.example.org"]
    assert {r.resource_type for r in cdn} >= {"script", "stylesheet", "font"}
    assert all(r.carries == () for r in cdn)
    services = {s.service_id for s in unknown_scan.verdict.services}
    assert "example.org" not in services
    # The site's own preferences are no identifiers.
    assert next(c for c in home.cookies if c.name == "lang").identifier is False
    assert next(s for s in home.storage if s.key == "theme").identifier is False
