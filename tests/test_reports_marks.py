"""Red marks in the reports agree with the judge: before the click is no refusal ignored.

In the demo fixture, Google Analytics 4 fires on the start page at 1.24 s and "Reject all" is
clicked at 2.1 s; Mailjet fires at 2.6 s and the judge flags it (``tracking_after_reject``).
"""

from __future__ import annotations

import dataclasses
import re

from report_fixtures import SITE, demo_result, req, visit

import reports
from reports.html import build_context
from reports.marks import ConsentMarks, after_click
from reports.timeline import build_charts
from reports.view import ResultView

GA, MJ = "Google Analytics 4", "Mailjet"


def card(result, phase: str) -> dict[str, dict]:
    cards = {c["phase"]: c for c in build_context(result)["phase_cards"]}
    return {s["name"]: s for s in cards[phase]["services"]}


def chart_rows(result, phase: str) -> dict:
    charts = {c.phase: c for c in build_charts(ResultView(result))}
    return {r.label: r for r in charts[phase].rows}


def chips(html: str, phase_label: str) -> dict[str, str]:
    """Service name -> chip classes in the phase card titled ``phase_label``."""
    start = html.index(f"<h3>{phase_label}</h3>")
    block = html[start : html.index("</div>\n  </div>", start)]
    found = re.findall(
        r'<span class="chip ([\w -]+)"[^>]*><span class="dot"[^>]*></span>([^<]+)', block
    )
    return {name: cls for cls, name in found}


def timeline_labels(html: str, phase_label: str) -> dict[str, str]:
    section = html[html.index('id="timeline"') : html.index('id="services"')]
    start = section.index(f">{phase_label} <span")
    block = section[start : section.index("</svg>", start)]
    found = re.findall(r'<text class="row-label ?([\w-]*)"[^>]*>([^<]+)</text>', block)
    return {name: cls for cls, name in found}


def what_loaded(md: str, label: str) -> str:
    return next(line for line in md.splitlines() if line.startswith(f"- **{label}**"))


def without_judge(result):
    return dataclasses.replace(result, findings=())


def unflag_mailjet(result):
    """The judge's output minus its tracking_after_reject finding for Mailjet."""
    return dataclasses.replace(
        result, findings=tuple(f for f in result.findings if f.type != "tracking_after_reject")
    )


# -- the rule -------------------------------------------------------------------------------
def test_service_seen_only_before_the_click_is_not_a_violation_after_reject():
    marks = ConsentMarks(ResultView(demo_result()))
    assert marks.judged
    ga = marks.service("reject-all", "google-analytics-4")
    assert ga.before_only and not ga.violation and "before" in ga.note
    mj = marks.service("reject-all", "mailjet")
    assert mj.violation and mj.flag == "yes"


def test_nothing_is_a_violation_after_accepting():
    marks = ConsentMarks(ResultView(demo_result()))
    assert not marks.service("accept-all", "mailjet").violation
    assert marks.service("accept-all", "mailjet").flag == "ok"
    assert marks.service("accept-all", "google-analytics-4").before_only


def test_judge_decides_not_the_timing():
    # Mailjet fired after the click, but the judge did not flag it: the reports do not either.
    marks = ConsentMarks(ResultView(unflag_mailjet(demo_result())))
    assert marks.judged and not marks.service("reject-all", "mailjet").violation


def test_without_judge_output_the_click_time_decides():
    marks = ConsentMarks(ResultView(without_judge(demo_result())))
    assert not marks.judged
    assert marks.service("reject-all", "google-analytics-4").before_only
    assert marks.service("reject-all", "mailjet").flag == "yes"
    assert marks.flagged_pages("reject-all", "mailjet") == {SITE}


def test_fallback_pages_opened_after_the_click_count_as_after():
    result = without_judge(demo_result())
    reject = result.phase("reject-all")
    late = "2025-03-04T10:15:05+00:00"  # the click was at 10:15:02.1
    early = "2025-03-04T10:15:01+00:00"
    collect = "https://www.google-analytics.com/g/collect?v=2&en=page_view"
    pages = [
        visit("reject-all", SITE + "early", [req(collect, 300, "ping")], started_at=early),
        visit("reject-all", SITE + "late", [req(collect, 300, "ping")], started_at=late),
    ]
    seen = {s.visit.url: s for s in ResultView(_with_visits(result, pages)).seen}
    assert after_click(reject, seen[SITE + "early"]) is False
    assert after_click(reject, seen[SITE + "late"]) is True
    marks = ConsentMarks(ResultView(_with_visits(result, pages[:1])))
    assert marks.service("reject-all", "google-analytics-4").before_only
    marks = ConsentMarks(ResultView(_with_visits(result, pages)))
    assert marks.service("reject-all", "google-analytics-4").flag == "yes"


def _with_visits(result, extra):
    phases = tuple(
        dataclasses.replace(p, visits=p.visits + tuple(extra)) if p.phase == "reject-all" else p
        for p in result.phases
    )
    matches = list(result.matches)
    for v in extra:
        for r in v.requests:
            matches.append(
                dataclasses.replace(
                    result.matches[0],
                    phase="reject-all",
                    page=v.url,
                    kind="request",
                    value=r.url,
                    service_id="google-analytics-4",
                    pattern="google-analytics.com",
                )
            )
    return dataclasses.replace(result, phases=phases, matches=tuple(matches))


def test_no_click_means_nothing_happened_after_it():
    result = without_judge(demo_result())
    phases = tuple(
        dataclasses.replace(p, consent=dataclasses.replace(p.consent, outcome="not-found"))
        if p.phase == "reject-all"
        else p
        for p in result.phases
    )
    marks = ConsentMarks(ResultView(dataclasses.replace(result, phases=phases)))
    mj = marks.service("reject-all", "mailjet")
    assert not mj.violation and mj.before_only and "could not be clicked" in mj.note


# -- HTML -----------------------------------------------------------------------------------
def test_html_cards_mark_only_what_the_judge_flags():
    result = demo_result()
    reject = card(result, "reject-all")
    assert reject[GA]["flag"] == "before" and reject[MJ]["flag"] == "yes"
    assert card(result, "no-interaction")[GA]["flag"] == "yes"  # unchanged: no choice made
    html = reports.render(result, "html")
    rendered = chips(html, "After rejecting all")
    assert rendered[GA] == "before" and rendered[MJ] == "yes"
    assert chips(html, "Before any choice")[GA] == "yes"
    assert "yes" not in chips(html, "After accepting all").values()
    assert card(unflag_mailjet(result), "reject-all")[MJ]["flag"] == "ok"


def test_html_cards_fall_back_to_click_time():
    reject = card(without_judge(demo_result()), "reject-all")
    assert reject[GA]["flag"] == "before" and reject[MJ]["flag"] == "yes"


def test_timeline_red_names_agree_with_the_judge():
    result = demo_result()
    rows = chart_rows(result, "reject-all")
    assert rows[GA].mark == "before" and rows[MJ].mark == "violation"
    assert chart_rows(result, "no-interaction")[GA].mark == "violation"
    assert "violation" not in {r.mark for r in chart_rows(result, "accept-all").values()}
    html = reports.render(result, "html")
    labels = timeline_labels(html, "After rejecting all")
    assert labels[GA] == "before" and labels[MJ] == "violation"
    assert timeline_labels(html, "Before any choice")[GA] == "violation"
    assert chart_rows(unflag_mailjet(result), "reject-all")[MJ].mark == ""
    assert chart_rows(without_judge(result), "reject-all")[MJ].mark == "violation"


def test_service_cards_say_before_the_choice_only():
    html = reports.render(demo_result(), "html")
    section = html[html.index('id="services"') : html.index('id="declaration"')]
    ga = section[section.index(f"<h4>{GA}") : section.index('class="desc"')]
    assert "After rejecting all: before the choice only" in ga
    assert '<span class="on bad">Before any choice: seen' in ga
    mj = section[section.index(f"<h4>{MJ}") :]
    assert re.search(r'<span class="on bad"[^>]*>After rejecting all: seen', mj)


# -- Markdown -------------------------------------------------------------------------------
def test_markdown_what_loaded_agrees_with_the_judge():
    md = reports.render(demo_result(), "md")
    line = what_loaded(md, "After rejecting all")
    flagged, before = line.split("before the click only:")
    assert f"{MJ} (**tracking after refusal**)" in flagged and GA not in flagged
    assert GA in before and MJ not in before
    accept = what_loaded(md, "After accepting all")
    assert "tracking after refusal" not in accept and GA in accept.split("before the click")[1]
    md = reports.render(unflag_mailjet(demo_result()), "md")
    assert "tracking after refusal" not in what_loaded(md, "After rejecting all")
    md = reports.render(without_judge(demo_result()), "md")
    assert f"{MJ} (**tracking after refusal**)" in what_loaded(md, "After rejecting all")
