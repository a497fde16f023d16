"""The dashboard's guards: loopback by default, the token beyond it, CSRF on every POST,
read-only, a strict CSP on every page, and hostile site data escaped."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from click.testing import CliRunner
from starlette.routing import Route
from starlette.testclient import TestClient
from test_dashboard import HOSTILE, SHOP, csrf, dashboard, recorded_history  # noqa: F401

from scanner.cli import cli
from scanner.dashboard import Settings, create_app, is_loopback
from scanner.dashboard.security import PAGE_CSP
from scanner.errors import ConfigError
from scanner.fleet import history
from scanner.fleet import schedule as sched

LOCAL = "http://127.0.0.1:8765"


class Tags(HTMLParser):
    """Every tag of a page as a browser's parser sees it: names, scripts, event handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.scripts: list[dict[str, str | None]] = []
        self.handlers: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.add(tag)
        if tag == "script":
            self.scripts.append(dict(attrs))
        self.handlers += [(tag, name) for name, _ in attrs if name.startswith("on")]


POSTS = ["/scan", "/schedules/pause", "/schedules/resume", "/schedules/run"]


def test_loopback_is_told_apart():
    assert all(is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "192.0.2.7", "dashboard.example"))


def test_listening_beyond_loopback_needs_a_token(tmp_path):
    with pytest.raises(ConfigError, match="COOKIESCAN_SERVE_TOKEN"):
        create_app(Settings(db=str(tmp_path / "h.sqlite"), host="0.0.0.0"))


def test_serve_refuses_to_start_beyond_loopback_without_a_token(monkeypatch):
    monkeypatch.delenv("COOKIESCAN_SERVE_TOKEN", raising=False)
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--port", "1"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "COOKIESCAN_SERVE_TOKEN" in lines[0]


def test_serve_builds_the_app_from_its_options(tmp_path, monkeypatch):
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    monkeypatch.delenv("COOKIESCAN_SERVE_TOKEN", raising=False)
    db = str(tmp_path / "h.sqlite")
    result = CliRunner().invoke(cli, ["serve", "--db", db, "--port", "8799", "--read-only"])
    assert result.exit_code == 0, result.output
    ((app, options),) = calls
    assert options["host"] == "127.0.0.1" and options["port"] == 8799
    assert app.state.settings.db == db and app.state.settings.read_only
    assert "http://127.0.0.1:8799/ (read-only)" in result.stderr
    monkeypatch.setenv("COOKIESCAN_SERVE_TOKEN", "s3cret-token")
    result = CliRunner().invoke(cli, ["serve", "--db", db, "--host", "0.0.0.0"])
    assert result.exit_code == 0, result.output
    assert calls[-1][0].state.settings.token == "s3cret-token"
    assert "s3cret-token" not in result.output  # the token is never printed
    history.dispose()


def test_a_request_without_the_token_is_refused_beyond_loopback(tmp_path):
    settings = Settings(db=str(tmp_path / "h.sqlite"), host="0.0.0.0", token="s3cret-token")
    with TestClient(create_app(settings), base_url="http://dashboard.example:8765") as client:
        refused = client.get("/")
        assert refused.status_code == 401 and "token" in refused.text
        assert refused.headers["content-security-policy"] == PAGE_CSP
        assert client.get("/api/sites").status_code == 401
        assert client.get("/static/app.css").status_code == 401
        wrong = client.get("/", headers={"Authorization": "Bearer s3cret-tokeN"})
        assert wrong.status_code == 401
        assert client.post("/scan", data={"url": SHOP}).status_code == 401
        bearer = client.get("/api/sites", headers={"Authorization": "Bearer s3cret-token"})
        assert bearer.status_code == 200 and bearer.json()["sites"] == []
        # A browser opens /?token=... once: a cookie, and the token leaves the address bar.
        opened = client.get("/?token=s3cret-token&verdict=issues", follow_redirects=False)
        assert opened.status_code == 303 and opened.headers["location"] == "/?verdict=issues"
        cookie = opened.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert client.get("/").status_code == 200  # the client kept the cookie
    history.dispose()


def test_on_loopback_a_foreign_host_name_is_refused(tmp_path):
    # DNS rebinding: a page of evil.example whose name now points at 127.0.0.1.
    app = create_app(Settings(db=str(tmp_path / "h.sqlite")))
    with TestClient(app, base_url="http://evil.example:8765") as client:
        assert client.get("/api/sites").status_code == 400
    with TestClient(app, base_url="http://localhost:8765") as client:
        assert client.get("/api/sites").status_code == 200
    history.dispose()


def test_every_post_route_is_in_the_csrf_list(dashboard):  # noqa: F811
    client, *_ = dashboard
    posts = {
        r.path.replace("{action}", a)
        for r in client.app.routes  # type: ignore[attr-defined]
        if isinstance(r, Route) and "POST" in (r.methods or ())
        for a in ("pause", "resume", "run")
    }
    assert posts == set(POSTS)


@pytest.mark.parametrize("path", POSTS)
def test_every_post_needs_the_csrf_token_and_our_origin(dashboard, path):  # noqa: F811
    client, _ids, db, store = dashboard
    sched.add_schedule(SHOP, cron="0 3 * * 1", db=db, store=store)
    form = {"id": "www.example.com", "url": SHOP}
    assert client.post(path, data=form).status_code == 403
    assert client.post(path, data={**form, "csrf_token": "0" * 64}).status_code == 403
    token = csrf(client)
    foreign = client.post(
        path, data={**form, "csrf_token": token}, headers={"Origin": "http://evil.example"}
    )
    assert foreign.status_code == 403
    assert client.post(path, data=form, headers={"Origin": "null"}).status_code == 403
    assert "CSRF" in client.post(path, data=form).text
    assert client.get("/api/tasks").json()["tasks"] == []  # nothing was started


def test_read_only_hides_and_refuses_every_action(tmp_path, recorded_history):  # noqa: F811
    import shutil

    db, store = str(tmp_path / "h.sqlite"), str(tmp_path / "s.sqlite")
    shutil.copyfile(recorded_history[0], db)
    sched.add_schedule(SHOP, cron="0 3 * * 1", db=db, store=store)
    app = create_app(Settings(db=db, store=store, read_only=True))
    with TestClient(app, base_url=LOCAL) as client:
        for path in ("/", "/schedules", f"/site?site={SHOP}"):
            html = client.get(path).text
            assert '<form method="post"' not in html and 'href="/scan"' not in html
            assert "csrf_token" not in html
        assert "read-only" in client.get("/").text
        assert client.get("/scan").status_code == 403
        for path in POSTS:
            assert client.post(path, data={"id": "www.example.com"}).status_code == 403
        assert client.get("/api/schedules").json()["schedules"][0]["paused"] is False
    history.dispose()


def test_every_page_sends_a_strict_content_security_policy(dashboard):  # noqa: F811
    client, ids, *_ = dashboard
    paths = ["/", "/api/sites", f"/site?site={SHOP}", f"/diff?old={ids['shop-2']}&new="
             f"{ids['shop-3']}", "/schedules", "/scan", "/static/app.js", "/nope",
             f"/scans/{ids['shop-3']}/evidence/accept-all-before.png"]  # fmt: skip
    for path in paths:
        response = client.get(path)
        assert response.headers["content-security-policy"] == PAGE_CSP, path
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "same-origin"
    assert "script-src 'self'" in PAGE_CSP and "unsafe" not in PAGE_CSP


def test_hostile_site_data_is_escaped(dashboard):  # noqa: F811
    client, ids, *_ = dashboard
    pages = [
        "/",
        f"/site?site={HOSTILE}",
        f"/diff?old={ids['hostile-1']}&new={ids['hostile-2']}",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.text
        tags = Tags()
        tags.feed(html)
        # our one script, no tag the site wrote, no event handler in any tag
        assert tags.scripts == [{"src": "/static/app.js", "defer": None}], path
        assert not tags.handlers and "img" not in tags.names, (path, tags.handlers)
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in client.get("/").text


def test_a_store_that_cannot_be_read_is_one_line_not_a_crash(tmp_path) -> None:
    import sqlite3
    from html import unescape

    store = str(tmp_path / "s.sqlite")
    sched.add_schedule("https://www.example.org/", every=60, store=store)
    with sqlite3.connect(store) as conn:
        conn.execute("UPDATE apscheduler_jobs SET job_state = x'00ff00'")
    app = create_app(Settings(db=str(tmp_path / "h.sqlite"), store=store))
    with TestClient(app, base_url=LOCAL, raise_server_exceptions=False) as client:
        for path in ("/api/schedules", "/schedules", "/"):
            page = client.get(path)
            assert page.status_code == 500, path
            assert "Internal Server Error" not in page.text, path
            assert "schedule 'www.example.org' cannot be read" in unescape(page.text), path
