"""A report a DPO can act on (issue 16, part 3): the data-transfer summary, the page × service
matrix, unknown hosts folded into one table, storage keys grouped across pages, and the
lifetime the site asked for beside the one Chromium stored, in HTML, Markdown, CSV and XLSX;
the HTML sections checked once more as Chromium lays them out.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re

import pytest
from report_fixtures import SITE, demo_result

import reports
from reports.tables import build_tables
from reports.transfers import classify_place, transfer_risk, transfer_summary
from reports.view import ResultView
from reports.where import storage_groups, unknown_party_findings
from scanner.model import Finding, StorageItem


def section(html: str, ident: str) -> str:
    start = html.index(f'<section id="{ident}">')
    return html[start : html.index("</section>", start)]


def with_services(**extra) -> object:
    result = demo_result()
    return dataclasses.replace(result, services=dict(result.services) | extra)


def with_storage_on_every_page():
    """The demo with one localStorage key written on each of the three pages it crawled."""
    result = demo_result()
    key = StorageItem("local", "https://www.example.com", "cart_id", "first", 12)
    phases = []
    for p in result.phases:
        visits = tuple(
            dataclasses.replace(v, storage=(*v.storage, key)) if p.phase == "no-interaction" else v
            for v in p.visits
        )
        phases.append(dataclasses.replace(p, visits=visits))
    return dataclasses.replace(result, phases=tuple(phases))


def with_unknown_hosts(*hosts: str):
    """The demo with one ``unknown_third_party`` finding per host (as the judge writes)."""
    result = demo_result()
    extra = tuple(
        Finding(
            "unknown_third_party",
            "info",
            "no-interaction",
            None,
            (SITE,),
            ({"kind": "request", "host": h, "url": f"https://{h}/p.gif", "page": SITE},),
            f"{h} matches no signature: review it by hand.",
        )
        for h in hosts
    )
    return dataclasses.replace(result, findings=result.findings + extra)


# -- the transfer rules ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "place, zone",
    [
        ("Sweden (EU member state, Sinch group)", "eea"),
        ("European Union", "eea"),
        ("Norway", "eea"),
        ("FR", "eea"),
        ("United Kingdom", "adequate"),
        ("Switzerland", "adequate"),
        ("JP", "adequate"),
        ("United States (US data processing region)", "us"),
        ("US", "us"),
        ("India", "outside"),
        ("Worldwide (Google CDN)", "outside"),
        ("Outside the EU", "outside"),
    ],
)
def test_places_are_classified(place, zone):
    assert classify_place(place)[0] == zone


@pytest.mark.parametrize(
    "zone, safeguards, risk",
    [
        ("adequate", [], "low"),
        ("us", ["EU-US Data Privacy Framework"], "low"),
        ("us", ["Standard Contractual Clauses"], "medium"),
        ("outside", ["Binding Corporate Rules"], "medium"),
        ("outside", ["the visitor's consent"], "high"),
        ("us", [], "unknown"),
    ],
)
def test_transfer_risk(zone, safeguards, risk):
    assert transfer_risk(zone, safeguards)[0] == risk


def test_transfer_summary_of_the_demo():
    result = with_services(
        mystery={"id": "mystery", "name": "Mystery widget", "category": "functional"},
        sccs={
            "id": "sccs",
            "name": "Offshore chat",
            "vendor": {"name": "Chat Pvt Ltd", "country": "IN"},
            "compliance": {
                "transfers": [{"destination": "India", "safeguards": ["SCCs"]}],
                "data_transfers_outside_eu": True,
            },
        },
    )
    t = transfer_summary(ResultView(result))
    rows = {r["id"]: r for r in t["outside"]}
    assert rows["google-analytics-4"]["destination"] == "United States"
    assert rows["google-analytics-4"]["risk"] == "low"
    assert rows["google-analytics-4"]["before_choice"] is True
    assert rows["google-tag-manager"]["risk"] == "unknown"  # outside, no safeguard documented
    assert rows["google-tag-manager"]["source"] == "the vendor's country"
    assert rows["sccs"]["risk"] == "medium" and rows["sccs"]["before_choice"] is False
    assert [s["id"] for s in t["inside"]] == ["mailjet"]  # data_transfers_outside_eu = false
    assert [s["id"] for s in t["unknown"]] == ["mystery"]  # no facts at all
    assert t["unknown_hosts"] == 1
    assert t["counts"] == {"high": 0, "medium": 1, "low": 1, "unknown": 2}


# -- HTML -----------------------------------------------------------------------------------
def test_html_transfer_section():
    html = str(reports.render(with_services(), "html"))
    part = section(html, "transfers")
    assert "3 services send personal data" in part
    assert "1 low risk, 2 with no documented safeguard" in part
    assert re.search(
        r"Google Analytics 4.*?United States.*?EU-US Data Privacy Framework", part, re.S
    )
    assert '<span class="risk low">low</span>' in part
    assert part.count('<span class="risk unknown">unknown</span>') == 2
    assert "Stay in the EU/EEA</b> (as their facts say): Mailjet (France)" in part
    assert "1 third-party host no signature knows" in part
    assert 'href="#transfers"' in html


def test_html_matrix_marks_each_phase_per_page():
    part = section(str(reports.render(demo_result(), "html")), "matrix")
    rows = re.findall(r"<tr><td class=\"url\">(.*?)</td>(.*?)</tr>", part, re.S)
    assert [r[0] for r in rows] == [SITE, SITE + "contact", SITE + "newsletter"]
    start = rows[0][1]
    # GA4 before any choice needs consent: red; Mailjet after "Reject all": red (the judge).
    assert start.count('class="ph bad"') == 2
    assert 'class="ph bad" data-phase="no-interaction" title="Google Analytics 4' in start
    assert 'class="ph bad" data-phase="reject-all" title="Mailjet' in start
    assert 'class="ph before" data-phase="reject-all" title="Google Analytics 4' in start
    assert 'class="ph"' not in rows[1][1]  # the 404 page: nothing seen
    assert rows[2][1].count('data-phase="no-interaction"') == 1  # Google Fonts only


def test_unknown_hosts_fold_into_one_card():
    result = with_unknown_hosts("a.tracker.example.org", "b.tracker.example.org")
    others, folded = unknown_party_findings(ResultView(result).sorted_findings())
    assert [u["host"] for u in folded] == [
        "a.tracker.example.org",
        "b.tracker.example.org",
        "px.adnetwork.example.net",
    ]
    assert all(f.type != "unknown_third_party" for f in others)
    html = str(reports.render(result, "html"))
    part = section(html, "findings")
    assert part.count('class="card finding') == 4  # 3 findings and the folded one
    assert part.count('id="unknown-findings"') == 1
    assert "Unknown third party — 3 hosts" in part
    assert "Findings (4)" in html  # the nav counts the folded card once


def test_storage_keys_grouped_across_pages():
    result = with_storage_on_every_page()
    groups = {g["key"]: g for g in storage_groups(ResultView(result))}
    assert groups["cart_id"]["pages"] == 3
    assert groups["cart_id"]["phases"] == ["no-interaction"]
    assert groups["consent_state"]["phases"] == ["accept-all", "reject-all"]
    part = section(str(reports.render(result, "html")), "storage")
    assert part.count("cart_id") == 1
    assert re.search(r"cart_id</td>.*?<td class=\"num\">3</td>", part, re.S)


def test_declaration_shows_the_lifetime_asked_for():
    part = section(str(reports.render(demo_result(), "html")), "declaration")
    row = part[part.index('<td class="mono">_ga</td>') :]
    row = row[: row.index("</tr>")]
    assert "13 months" in row and "asked for 2 years" in row
    ga4 = part[part.index('<td class="mono">_ga_ABC123</td>') :]
    assert "asked for" not in ga4[: ga4.index("</tr>")]


# -- Markdown -------------------------------------------------------------------------------
def test_markdown_sections():
    md = str(reports.render(with_unknown_hosts("a.tracker.example.org"), "md"))
    assert "## Data transfers outside the EU/EEA" in md
    assert (
        "| Google Analytics 4 | Google LLC (United States) | United States "
        "| EU-US Data Privacy Framework | low: " in md
    )
    assert "Stay in the EU/EEA: Mailjet." in md
    assert "## Which service was seen on which page" in md
    assert "| https://www.example.com/ | **B** A R | A **R** |" in md
    assert "- **INFO** Unknown third parties: 2 host(s) match no signature" in md
    assert md.count("matches no signature: review it by hand") == 0  # folded, not one each
    assert "| \\_ga | example.com | Analytics | 13 months (asked for 2 years) | first |" in md
    grouped = str(reports.render(with_storage_on_every_page(), "md"))
    assert (
        "| cart\\_id | local | https://www.example.com | Unclassified | Before any choice | 3 |"
        in grouped
    )


# -- CSV and XLSX ---------------------------------------------------------------------------
def test_cookie_tables_show_both_lifetimes(tmp_path):
    reports.write(demo_result(), "csv", tmp_path / "tables")
    with open(tmp_path / "tables" / "cookies.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    header = list(rows[0])
    at = header.index("lifetime_days")
    assert header[at : at + 4] == [
        "lifetime_days",
        "lifetime",
        "requested_lifetime_days",
        "requested_lifetime",
    ]
    ga = next(r for r in rows if r["name"] == "_ga")
    assert (ga["lifetime_days"], ga["requested_lifetime_days"]) == ("400.0", "730.0")
    assert ga["requested_lifetime"] == "2 years"
    session = next(r for r in rows if r["name"] == "PHPSESSID")
    assert session["requested_lifetime_days"] == "" and session["lifetime"] == "session"


def test_xlsx_cookie_sheet_has_the_requested_lifetime():
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(io.BytesIO(reports.render(demo_result(), "xlsx")))
    sheet = book["cookies"]
    header = [c.value for c in sheet[1]]
    col = header.index("requested_lifetime_days")
    values = {row[header.index("name")]: row[col] for row in sheet.iter_rows(2, values_only=True)}
    assert values["_ga"] == 730 and values["PHPSESSID"] is None
    frame = build_tables(demo_result())["cookies"]
    assert set(frame.loc[frame["name"] == "_ga", "lifetime_days"]) == {400.0}


# -- in Chromium ----------------------------------------------------------------------------
@pytest.mark.browser
def test_new_sections_as_chromium_lays_them_out(tmp_path):
    from playwright.sync_api import sync_playwright

    from scanner.collect.browser import find_browser

    path = tmp_path / "report.html"
    result = with_unknown_hosts("a.tracker.example.org")
    path.write_text(str(reports.render(result, "html")), encoding="utf-8")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_browser(), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(path.as_uri())
        seen = page.evaluate(
            """() => {
              const visible = (el) => !!el && el.getBoundingClientRect().height > 0;
              const transfers = [...document.querySelectorAll('#transfers table tr')].slice(1);
              const bad = [...document.querySelectorAll('#matrix .ph.bad')];
              const low = document.querySelector('#transfers .risk.low');
              return {
                transfers: transfers.filter(visible)
                  .map(tr => tr.cells[0].innerText.split('\\n')[0]),
                bad: bad.filter(visible).map(el => el.title),
                badColor: bad.length ? getComputedStyle(bad[0]).color : null,
                plainColor: getComputedStyle(document.querySelector('#matrix .ph:not(.bad)')).color,
                lowShown: visible(low),
                unknownRows: document.querySelectorAll('#unknown-findings tr').length - 1,
                unknownCards: document.querySelectorAll('#findings .finding.info').length,
                navTransfers: visible(document.querySelector('nav a[href="#transfers"]')),
              };
            }"""
        )
        page.click('nav a[href="#matrix"]')
        in_view = page.evaluate("document.querySelector('#matrix').getBoundingClientRect().top")
        browser.close()
    assert seen["transfers"] == ["Google Analytics 4", "Google Fonts", "Google Tag Manager"]
    assert [t.split(":")[0] for t in seen["bad"]] == ["Google Analytics 4", "Mailjet"]
    assert seen["badColor"] != seen["plainColor"]
    assert seen["lowShown"] and seen["navTransfers"]
    assert seen["unknownRows"] == 2 and seen["unknownCards"] == 1
    assert abs(in_view) < 80  # the nav link scrolls to the matrix
