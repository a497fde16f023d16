"""Emails are hostile data: bad MIME, huge messages, scripts, wrong charsets, binary junk.

Each bad message gets a clear error of its own and the others are still scanned; nothing in a
message is run, nothing is fetched, and every renderer keeps what came from the email inert.
"""

from __future__ import annotations

import json
import socket
import urllib.request
from email.message import EmailMessage
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

import signatures
from scanner.mail import Limits, render, scan_paths

EMAILS = Path(__file__).parent / "emails"


@pytest.fixture(scope="module")
def db():
    return signatures.load([signatures.BUNDLED_DIR])


@pytest.fixture(scope="module")
def hostile(db):
    return scan_paths([EMAILS / "hostile.eml"], db=db, tool_version="test")


def _message(subject: str, html: str, **headers: str) -> bytes:
    m = EmailMessage()
    m["From"] = headers.pop("sender", "Shop <news@shop.example.com>")
    m["To"] = "ann@example.org"
    m["Subject"] = subject
    for name, value in headers.items():
        m[name.replace("_", "-")] = value
    m.set_content("text")
    m.add_alternative(html, subtype="html")
    return m.as_bytes()


def test_hostile_message_is_scanned_and_its_active_content_only_counted(hostile):
    message = hostile.messages[0]
    assert message.error is None
    assert "unknown charset 'x-no-such-charset': read as UTF-8" in message.warnings
    active = next(f for f in message.findings if f.type == "active_content")
    kinds = {e["kind"] for e in active.evidence}
    assert {"<script>", "<iframe>", "<form>", "javascript: or data: link"} <= kinds
    assert {"event handler attribute (on...)", "<meta http-equiv=refresh>"} <= kinds
    assert not any(link.url.lower().startswith(("javascript", "data")) for link in message.links)
    assert message.unsubscribe.header == ()  # <javascript:...> is not an unsubscribe URI
    # The <base href> makes the relative link absolute, as a mail client would.
    assert "https://attacker.example/base/relative/page.html" in [x.url for x in message.links]


def test_html_report_escapes_everything_and_loads_nothing(hostile):
    page = render(hostile, "html")
    soup = BeautifulSoup(page, "html.parser")
    csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert soup.find_all(["script", "img", "a", "iframe", "form", "base", "link"]) == []
    assert not [t for t in soup.find_all(True) if any(a.startswith("on") for a in t.attrs)]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the From name, as text


def test_markdown_report_escapes_links_images_html_and_tables(hostile):
    text = render(hostile, "md")
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "\\[click\\](javascript:alert(1))" in text
    assert "](javascript" not in text.replace("\\](javascript", "")
    assert "\\| =1+1" in text


def test_csv_neutralises_formulas(tmp_path, db):
    (tmp_path / "formula.eml").write_bytes(
        _message('=HYPERLINK("http://evil.example","x")', "<p>hi</p>", sender="=cmd@evil.example")
    )
    text = render(scan_paths([tmp_path], db=db), "csv")
    assert "'=HYPERLINK" in text
    assert ",=" not in text


def test_each_bad_message_gets_its_error_and_the_others_are_scanned(tmp_path, db):
    for name in ("broken-boundary.eml", "binary-junk.eml", "esp-mailjet.eml"):
        (tmp_path / name).write_bytes((EMAILS / name).read_bytes())
    (tmp_path / "empty.eml").write_bytes(b"")
    (tmp_path / "text.eml").write_bytes(b"just some words, no header at all\n")
    scan = scan_paths([tmp_path], db=db)
    errors = {Path(m.source).name: m.error for m in scan.messages}
    assert errors["broken-boundary.eml"].startswith("broken MIME: the multipart boundary")
    assert errors["binary-junk.eml"] == "binary data, not an email or an HTML file"
    assert errors["text.eml"].startswith("not an email: no header found")
    assert errors["empty.eml"].startswith("not an email")
    assert errors["esp-mailjet.eml"] is None
    broken = next(m for m in scan.messages if m.source.endswith("broken-boundary.eml"))
    assert broken.subject == "Broken boundary"  # its headers are still reported


def test_huge_messages_are_not_read_and_the_others_are(tmp_path, db):
    small = (EMAILS / "esp-mailjet.eml").read_bytes()
    big = _message("big", "<p>" + "x" * 5000 + "</p>")
    (tmp_path / "a-big.eml").write_bytes(big)
    (tmp_path / "b-small.eml").write_bytes(small)
    envelope = b"From MAILER-DAEMON Mon Mar 16 10:00:00 2026\n"
    (tmp_path / "c.mbox").write_bytes(envelope + big + b"\n" + envelope + small + b"\n")
    limits = Limits(max_message_bytes=len(small) + 100)
    scan = scan_paths([tmp_path], db=db, limits=limits)
    results = {Path(m.source).name: m for m in scan.messages}
    assert set(results) == {"a-big.eml", "b-small.eml", "c.mbox#1", "c.mbox#2"}
    for name in ("a-big.eml", "c.mbox#1"):
        assert "over the 0.0 MiB limit: not scanned" in results[name].error
    assert results["c.mbox#2"].pixels and results["b-small.eml"].pixels


def test_html_and_parts_are_capped_with_a_warning(db):
    html = "<p>" + "y" * 3000 + '</p><img src="https://a.mjt.lu/oo/A/b/e.gif" width=1 height=1>'
    from scanner.mail.esp import EmailIndex
    from scanner.mail.read import RawMessage
    from scanner.mail.scan import scan_message

    data = _message("long", html)
    raw, index = RawMessage("long", "eml", data, len(data)), EmailIndex(db)
    result, _ = scan_message(raw, index, Limits(max_html_bytes=1000))
    assert result.warnings == ("an HTML part of 3066 characters was cut at 1000",)
    assert result.pixels == ()  # the pixel was past the cut
    result, _ = scan_message(raw, index, Limits(max_parts=2))  # root, text, (html)
    assert "more than 2 MIME parts: the rest was not read" in result.warnings


def test_a_wrong_charset_is_replaced_with_a_warning(tmp_path, db):
    raw = (
        b"From: a@shop.example.com\nTo: ann@example.org\nSubject: latin\n"
        b'Content-Type: text/html; charset="utf-8"\n\n<p>Caf\xe9</p>\n'
    )
    (tmp_path / "latin.eml").write_bytes(raw)
    message = scan_paths([tmp_path], db=db).messages[0]
    assert message.error is None
    assert message.warnings == ("1 byte(s) were not valid utf-8: replaced",)


def test_nothing_is_fetched(monkeypatch, db):
    def refuse(*_args, **_kwargs):
        raise AssertionError("the email scan tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    scan = scan_paths([EMAILS], db=db)
    assert scan.fetched is False
    assert len(scan.messages) == len(json.loads((EMAILS / "expected.json").read_text()))
