"""``scanner.mail``: the test emails of tests/emails/ and what each must show.

tests/emails/expected.json holds, per file, the ESPs, the pixels (rule, reasons, per
recipient), the tracked links (rule, tracking, destination), the number of remote images that
are not trackers, the findings and the events. No browser, no network.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

import signatures
from scanner.mail import EmailScan, scan_bytes, scan_paths
from scanner.mail.esp import EmailIndex
from scanner.mail.judge import is_tracked
from scanner.mail.urls import destination, identifiers, is_redirect

EMAILS = Path(__file__).parent / "emails"
EXPECTED = json.loads((EMAILS / "expected.json").read_text(encoding="utf-8"))
#: The ESPs the issue asks for (#17): each has an [email] table and a sample message.
ESPS = (
    "mailjet", "mailchimp", "brevo", "sendgrid", "amazon-ses", "hubspot", "klaviyo",
    "salesforce-marketing-cloud", "campaign-monitor", "constant-contact", "mailerlite",
    "getresponse", "activecampaign", "customer-io", "sarbacane", "cleverreach",
)  # fmt: skip


@pytest.fixture(scope="module")
def db():
    return signatures.load([signatures.BUNDLED_DIR])


@pytest.fixture(scope="module")
def scan(db) -> EmailScan:
    return scan_paths([EMAILS], db=db, tool_version="test")


def _actual(message):
    if message.error:
        return {"error": message.error.split(":")[0]}
    return {
        "esps": sorted({e.service_id for e in message.esps}),
        "pixels": [[p.pattern or "", list(p.reasons), p.per_recipient] for p in message.pixels],
        "tracked_links": [
            [link.pattern or "", link.tracking, link.destination]
            for link in message.links
            if is_tracked(link)
        ],
        "remote_images": len(message.images),
        "findings": [f"{f.type}:{f.severity}" for f in message.findings],
        "events": [e.name for e in message.events],
    }


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_test_email_shows_what_is_expected(scan, name):
    messages = {m.source.removeprefix(f"{EMAILS}/"): m for m in scan.messages}
    assert name in messages, f"{name} was not scanned"
    assert _actual(messages[name]) == EXPECTED[name]


def test_every_file_of_tests_emails_is_expected(scan):
    sources = {m.source.removeprefix(f"{EMAILS}/") for m in scan.messages}
    assert sources == set(EXPECTED)


@pytest.mark.parametrize("esp", ESPS)
def test_each_esp_has_an_email_table_and_is_recognised_in_its_sample(db, scan, esp):
    table = db.service(esp).data["email"]
    assert table.get("headers") or (table.get("opens") and table.get("clicks"))
    sample = next(m for m in scan.messages if m.source.endswith(f"esp-{esp}.eml"))
    assert esp in {e.service_id for e in sample.esps}
    if table.get("opens"):
        assert sample.pixels[0].service_id == esp
        assert sample.pixels[0].per_recipient
        assert {"Delivered", "Bounced", "Marked as Spam", "Opened"} <= {
            e.name for e in sample.events
        }
    if table.get("clicks"):
        assert any(link.service_id == esp and link.tracking == "esp-click" for link in sample.links)


def test_at_least_fifteen_esps_carry_open_and_click_patterns(db):
    both = [s.id for s in db.services if s.data.get("email", {}).get("opens")
            and s.data["email"].get("clicks")]  # fmt: skip
    assert len(both) >= 15, both


def test_demo_newsletter_is_a_mailjet_newsletter_with_every_event(db):
    demo = Path(__file__).parent.parent / "scanner" / "demo" / "newsletter.eml"
    message = scan_paths([demo], db=db).messages[0]
    assert message.error is None and message.warnings == ()
    assert {e.service_id for e in message.esps} == {"mailjet"}
    assert [p.pattern for p in message.pixels] == ["email-open:mjt.lu/oo/"]
    tracked = [link for link in message.links if link.tracking == "esp-click"]
    assert [link.destination.split("?")[0] for link in tracked] == [
        "https://www.example.com/sale/",
        "https://www.example.com/products/blue-sneaker.html",
        "https://www.example.com/blog/spring-care.html",
    ]
    assert tracked[0].utm["utm_campaign"] == "spring-sale"
    assert [e.name for e in message.events] == [
        "Delivered", "Bounced", "Marked as Spam", "Opened", "Link Clicked", "Unsubscribed",
    ]  # fmt: skip
    assert message.unsubscribe.one_click
    assert [i.url.split("/")[2] for i in message.images] == ["www.example.com", "cdn.example.net"]
    pixel = next(f for f in message.findings if f.type == "open_tracking_pixel")
    assert pixel.severity == "high" and pixel.consent == "required"
    assert "ePrivacy Art. 5(3)" in pixel.message and "2026-042" in pixel.message


def test_mbox_messages_are_numbered_and_summarised_per_sender(db):
    scan = scan_paths([EMAILS / "several.mbox"], db=db)
    assert [m.source.rsplit("#", 1)[1] for m in scan.messages] == ["1", "2", "3", "4"]
    assert [bool(m.error) for m in scan.messages] == [False, False, True, False]
    senders = {s.sender: s for s in scan.senders}
    news = senders["news@shop.example.com"]
    assert (news.messages, news.esps, news.with_open_pixel) == (3, ("brevo", "mailchimp"), 2)
    assert senders["orders@shop.example.com"].findings == {}


def test_cdn_images_are_not_pixels_and_spacers_are_layout(scan):
    message = next(m for m in scan.messages if m.source.endswith("cdn-image.eml"))
    assert message.pixels == ()
    assert [i.note for i in message.images] == ["", "", "spacer"]


def test_quoted_printable_and_base64_bodies_are_decoded(scan):
    for name in ("quoted-printable.eml", "base64.eml"):
        message = next(m for m in scan.messages if m.source.endswith(name))
        assert message.subject.startswith("Café")
        assert message.links[0].text.startswith("Café"), name
        assert message.pixels[0].service_id == "sendgrid"


def test_recipient_address_is_found_plain_encoded_and_hashed():
    address = "ann@example.org"
    found = {
        how: identifiers(url, [address])[0].detail
        for how, url in {
            "plain": f"https://t.example/o.gif?to={address}",
            "md5": f"https://t.example/{hashlib.md5(address.encode()).hexdigest()}.gif",
            "sha256": f"https://t.example/o?h={hashlib.sha256(address.encode()).hexdigest()}",
            "base64": f"https://t.example/o?z={base64.b64encode(address.encode()).decode()}",
        }.items()
    }
    assert found == {
        "plain": "the recipient's address",
        "md5": "the recipient's address, MD5",
        "sha256": "the recipient's address, SHA-256",
        "base64": "the recipient's address, base64",
    }


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://x.mjt.lu/lnk/A/1/h/aHR0cHM6Ly9zaG9wLmV4YW1wbGUuY29tLw", "https://shop.example.com/"),
        ("https://r.example.net/c?url=https%3A%2F%2Fshop.example.com%2Fa", "https://shop.example.com/a"),
        ("https://a.r.us-east-1.awstrack.me/L0/https:%2F%2Fshop.example.com%2F/1/0100/s=1",
         "https://shop.example.com/"),
        ("https://shop.example.com/products/blue.html", None),
    ],
)  # fmt: skip
def test_destination_of_a_redirect(url, expected):
    found = destination(url)
    assert (found[0] if found else None) == expected


def test_share_buttons_and_same_site_urls_are_not_redirects():
    share = "https://www.facebook.com/sharer/sharer.php?u=https://shop.example.com/"
    assert not is_redirect(share, "https://shop.example.com/")
    assert not is_redirect("https://shop.example.com/a?next=/b", "https://shop.example.com/b")
    assert is_redirect("https://click.mailer.example.net/r", "https://shop.example.com/")


def test_an_esp_branded_domain_is_matched_by_path_on_any_host(db):
    index = EmailIndex(db)
    assert index.match_click("https://url1234.shop.example.com/ls/click?upn=u001.abc").pattern == (
        "email-click:* regex:^/ls/click\\?upn="
    )
    assert index.match_open("https://r.email.shop.example.com/tr/op/" + "A" * 30).service_id == (
        "brevo"
    )
    assert index.match_open("https://shop.example.com/tr/op/short") is None


def test_scan_bytes_scans_one_message(db):
    data = (EMAILS / "esp-mailjet.eml").read_bytes()
    assert scan_bytes(data, db=db).pixels[0].pattern == "email-open:mjt.lu/oo/"
