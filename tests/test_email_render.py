"""`cookiescan email --render` (scanner/collect/render.py): the message opened in Chromium with
images on and scripts off; what loads is recorded and tied to the sender's service; nothing
is fetched without --render; the message cannot run script, read files or navigate away."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from scanner.cli.email import email_command

PIXEL = "https://mjt.lu/oo/BAAAAHCK8RcAAAAAAAAAAQfRVcAAAAAbVEAAAAAABsGxABnY2FkZ/a1b2c3d4/e.gif"
MESSAGE = f"""\
From: Shop <news@shop.example.com>
To: alice@example.org
Subject: Our news
Message-ID: <render-1@shop.example.com>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<html><head><meta http-equiv="refresh" content="1;url=https://evil.example.org/left"></head>
<body>
<p>Hello!</p>
<img src="{PIXEL}" width="1" height="1" alt="">
<div style="background-image:url('https://cdn.example.net/hero.png')">Sale</div>
<img src="file:///etc/passwd">
<script src="https://www.example.com/never-run.js"></script>
</body></html>
"""


@pytest.fixture
def message(tmp_path):
    path = tmp_path / "news.eml"
    path.write_text(MESSAGE)
    return path


def run(path, *args):
    return CliRunner().invoke(email_command, [str(path), "--format", "json", "-q", *args])


def test_without_render_nothing_is_fetched(localweb, message):
    before = len(localweb.hits)
    result = run(message)
    assert result.exit_code == 0, result.output
    (scanned,) = json.loads(result.stdout)["messages"]
    assert scanned["rendered"] is None
    assert scanned["pixels"] and len(localweb.hits) == before


@pytest.mark.browser
def test_render_records_what_loads_and_refuses_the_rest(localweb, message):
    args = ["--render"]
    for flag in localweb.browser_args():
        args += ["--browser-arg", flag]
    result = run(message, *args)
    assert result.exit_code == 0, result.output
    (scanned,) = json.loads(result.stdout)["messages"]
    loaded = {item["url"]: item for item in scanned["rendered"]["loaded"]}
    assert loaded[PIXEL]["tracker"] is True and loaded[PIXEL]["service_id"] == "mailjet"
    assert loaded[PIXEL]["resource_type"] == "image"
    assert loaded["https://cdn.example.net/hero.png"]["tracker"] is False
    assert not any("never-run.js" in url for url in loaded)  # scripts are off
    assert not any(url.startswith("file:") for url in loaded)
    assert "https://evil.example.org/left" in scanned["rendered"]["refused"]
    hosts = [host for host, _path in localweb.hits]
    assert "mjt.lu" in hosts and "evil.example.org" not in hosts
    md = CliRunner().invoke(email_command, [str(message), "--format", "md", "-q", *args])
    assert "tracks the opening" in md.stdout and "Rendered (images on, scripts off)" in md.stdout


def test_render_without_a_browser_is_exit_4(message, tmp_path):
    result = run(message, "--render", "--browser", str(tmp_path / "no-such-chromium"))
    assert result.exit_code == 4
    assert "Traceback" not in result.output
