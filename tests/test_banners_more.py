"""Banners a first look misses: reject only on a second layer, in a late cross-origin iframe.

Issue 12 part 3. ``tests/sites/layers.example.com/``: the first layer offers "Accept all" and
"Manage preferences"; "Reject all" is on the second layer. ``iframe-layers.example.com``: a
Portuguese banner in a consent platform's iframe (``prefs.example.org``, another site) added a
second after load, with "Rejeitar tudo" only on its second layer. Both gate Mailjet: the
reject-all phase must show the refusal done (no Mailjet) and ``no_reject_on_first_layer``.
Also the IAB GPP API (``gpp.example.com``: 1.1 on the banner page, 1.0 and broken ones
beside), read before and after the choice next to TCF.
"""

from __future__ import annotations

import asyncio

import pytest
from together import Scans, local_config

from scanner.collect.browser import launch
from scanner.consent.autoconsent import Session
from scanner.consent.tcf import read_gpp
from scanner.model import PHASES, ScanResult

pytestmark = pytest.mark.browser

MJ = "mailjet"


@pytest.fixture(scope="module")
def scans(localweb):
    """The three banner sites, scanned side by side (``together.py``)."""
    return Scans(
        **{
            site: local_config(localweb, f"https://{site}.example.com/", phases=PHASES, max_pages=1)
            for site in ("layers", "iframe-layers")
        },
        gpp=local_config(
            localweb, "https://gpp.example.com/", phases=("accept-all", "reject-all"), max_pages=1
        ),
    )


def services_in(result: ScanResult, phase: str) -> set[str]:
    return {m.service_id for m in result.matches if m.phase == phase}


def findings(result: ScanResult) -> set[tuple[str, str | None]]:
    return {(f.type, f.phase) for f in result.findings if f.type != "verdict"}


@pytest.mark.parametrize("site", ["layers", "iframe-layers"])
def test_reject_on_the_second_layer_is_done(scans, site):
    result = scans[site]
    action = result.phase("reject-all").consent
    assert action.outcome == "done", action.details.get("reason")
    assert [c["kind"] for c in action.details["clicks"]] == ["settings", "reject"]
    assert [c["layer"] for c in action.details["clicks"]] == [1, 2]
    assert action.details["banner_closed"] is True
    assert len(action.details["layers"]) == 2 and action.details["layers"][1]["reject"]
    # The refusal held: Mailjet after "accept all" only.
    assert MJ in services_in(result, "accept-all")
    assert MJ not in services_in(result, "reject-all")
    assert MJ not in services_in(result, "no-interaction")
    assert ("no_reject_on_first_layer", "reject-all") in findings(result)
    assert not {f for f in findings(result) if f[0] == "tracking_after_reject"}


def test_the_second_layer_evidence(scans):
    action = scans["layers"].phase("reject-all").consent
    assert action.text == "Reject all" and action.method == "heuristic"
    assert action.details["banner"]["buttons"]["accept"] == ["Accept all"]
    assert "reject" not in action.details["banner"]["buttons"]
    assert scans["layers"].phase("accept-all").consent.text == "Accept all"


def test_the_late_cross_origin_iframe_banner(scans):
    result = scans["iframe-layers"]
    action = result.phase("reject-all").consent
    assert action.text == "Rejeitar tudo"
    banner = action.details["banner"]
    assert banner["in_iframe"] and banner["frame"] == "https://prefs.example.org/banner.html"
    assert all(c["frame"] == banner["frame"] for c in action.details["clicks"])
    accept = result.phase("accept-all").consent
    assert (accept.outcome, accept.text) == ("done", "Aceitar tudo")


async def _autoconsent_worlds(web) -> dict[str, str]:
    launched = await launch(args=web.browser_args())
    try:
        context = await launched.browser.new_context(ignore_https_errors=True)
        page = await context.new_page()
        await page.goto("https://iframe-layers.example.com/", wait_until="load")
        session = Session(page)
        assert await session.start()  # before the platform's iframe exists
        for _ in range(40):
            await asyncio.sleep(0.1)
            worlds = {w.url: state for w, state in session.lifecycle.items()}
            if (
                "https://prefs.example.org" in worlds
                and worlds["https://prefs.example.org"] != "loading"
            ):
                break
        assert session.forged == 0 and not session.errors, session.summary()
        frames = {w.url: w.frame.url for w in session.lifecycle if w.frame is not None}
        await session.close()
        return {**worlds, **{"frame:" + k: v for k, v in frames.items()}}
    finally:
        await launched.close()


def test_autoconsent_runs_in_a_frame_that_appears_later(localweb):
    """The consent platform's iframe is added a second after load, after autoconsent started:
    its content script still runs there (it reports its lifecycle from that frame)."""
    worlds = asyncio.run(_autoconsent_worlds(localweb))
    assert worlds.get("https://prefs.example.org") not in (None, "loading"), worlds
    assert worlds["frame:https://prefs.example.org"] == "https://prefs.example.org/banner.html"


def test_gpp_is_read_before_and_after_the_choice(scans):
    """``gpp.example.com`` has a GPP 1.1 API whose string changes with the choice."""
    result = scans["gpp"]
    strings = {}
    for phase in ("accept-all", "reject-all"):
        action = result.phase(phase).consent
        assert action.outcome == "done", action.details.get("reason")
        before, after = action.details["gpp_before"], action.details["gpp_after"]
        assert before["gpp_version"] == "1.1" and before["cmp_id"] == 4242
        assert (before["cmp_display_status"], before["signal_status"]) == ("visible", "not ready")
        assert before["gpp_string"] == "" and before["applicable_sections"] == [-1]
        assert before["supported_apis"] == ["2:tcfeuv2", "7:usnat"]
        assert (after["cmp_display_status"], after["signal_status"]) == ("hidden", "ready")
        assert after["applicable_sections"] == [2] and after["section_list"] == [2]
        strings[phase] = after["gpp_string"]
        consents = after["parsed_sections"]["tcfeuv2"][0]["PurposeConsents"]
        assert consents == [phase == "accept-all"] * 3
        assert "tcf_before" not in action.details  # no __tcfapi on this site
    assert strings["accept-all"] != strings["reject-all"]
    assert all(s.startswith("DBABMA~") for s in strings.values())


async def _read_gpp_of(web, paths: list[str]) -> dict[str, object]:
    launched = await launch(args=web.browser_args())
    try:
        context = await launched.browser.new_context(ignore_https_errors=True)
        page = await context.new_page()
        read = {}
        for path in paths:
            await page.goto("https://gpp.example.com" + path, wait_until="load")
            read[path] = await read_gpp(page)
        return read
    finally:
        await launched.close()


def test_gpp_versions_and_misbehaving_apis(localweb):
    read = asyncio.run(
        _read_gpp_of(localweb, ["/v10.html", "/hostile.html", "/throws.html", "/late.html"])
    )
    v10 = read["/v10.html"]
    assert v10["gpp_version"] == "1.0" and v10["cmp_id"] == 31
    assert v10["supported_apis"] == ["tcfeuv2"]
    # 1.0 keeps the string in getGPPData, which is asked for after ping.
    assert v10["gpp_string"] == "DBABM~CPXxRfAPXxRfA" and v10["applicable_sections"] == [2]
    assert v10["parsed_sections"] == {"tcfeuv2": {"Version": 2}}
    assert read["/hostile.html"] == {"error": "no answer from __gpp"}
    assert "broken CMP" in read["/throws.html"]["error"]
    assert read["/late.html"] is None  # a 404 page: no API at all
