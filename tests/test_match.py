"""Matching a scan's observations to the signature database (real database, no browser)."""

from __future__ import annotations

from scanner.analyse.match import match_result
from scanner.model import Cookie, PhaseResult, Request, ScanResult, StorageItem, Visit


def result_with(requests=(), cookies=(), storage=()):
    visit = Visit(
        url="https://www.example.com/",
        final_url="https://www.example.com/",
        depth=0,
        phase="no-interaction",
        started_at="t",
        duration_ms=1.0,
        requests=tuple(requests),
        cookies=tuple(cookies),
        storage=tuple(storage),
    )
    return ScanResult(
        start_url="https://www.example.com/",
        first_party=("example.com",),
        tool_version="0",
        browser_version="0",
        user_agent="ua",
        config={},
        started_at="t",
        finished_at="t",
        phases=(PhaseResult("no-interaction", (visit,)),),
    )


def req(url):
    return Request(
        url=url,
        method="GET",
        resource_type="image",
        host=url.split("/")[2],
        party="third",
        time_ms=1.0,
    )


def test_mailjet_and_segment_are_matched_with_their_rules():
    result = match_result(
        result_with(
            requests=[
                req("https://mjt.lu/oo/BAAA.gif"),
                req("https://unknown.example.net/x"),
                req("https://mjt.lu/oo/BAAA.gif"),
            ],
            cookies=[
                Cookie(
                    name="mj.preferences",
                    domain="www.example.com",
                    path="/",
                    party="first",
                    lifetime_days=180.0,
                )
            ],
            storage=[StorageItem("local", "https://www.example.com", "ajs_anonymous_id", "first")],
        )
    )
    by_value = {m.value: m for m in result.matches}
    assert by_value["https://mjt.lu/oo/BAAA.gif"].service_id == "mailjet"
    assert by_value["https://mjt.lu/oo/BAAA.gif"].pattern == "host:mjt.lu"
    assert by_value["mj.preferences"].service_id == "mailjet"
    assert by_value["ajs_anonymous_id"].service_id == "segment"
    assert "https://unknown.example.net/x" not in by_value  # unknown stays unmatched
    assert len(result.matches) == 3  # the repeated pixel is matched once per page
    assert result.services["mailjet"]["name"] == "Mailjet"
    assert set(result.services) == {"mailjet", "segment"}
