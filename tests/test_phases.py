"""Phases: the consent phases operate the banner before any other page loads."""

from __future__ import annotations

import pytest
from conftest import scan_local

pytestmark = pytest.mark.browser
HOME = "https://www.example.com/"


def test_consent_phase_alone_crawls_after_the_click(localweb):
    result = scan_local(localweb, HOME, phases=("reject-all",), max_pages=4, dwell=0.5)
    phase = result.phase("reject-all")
    assert phase.consent is not None and phase.consent.outcome == "done"
    home, *others = phase.visits
    assert home.url == HOME and len(others) == 3  # links were still followed
    assert all(v.started_at > phase.consent.time for v in others)


def test_consent_phases_revisit_a_subset(localweb):
    result = scan_local(
        localweb,
        HOME,
        phases=("no-interaction", "accept-all"),
        max_pages=4,
        consent_max_pages=2,
        dwell=0.5,
    )
    first = [v.url for v in result.phase("no-interaction").visits]
    second = [v.url for v in result.phase("accept-all").visits]
    assert len(first) == 4 and second == first[:2]
