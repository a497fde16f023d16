"""The dashboard (``cookiescan serve``), without a browser: its pages and JSON, its guards.

``build_history`` records hand-built results (``report_fixtures``) into a temporary SQLite
history; ``tests/test_dashboard_browser.py`` uses the same history in Chromium.
"""

from __future__ import annotations

import dataclasses
import re
import shutil

import pytest
from report_fixtures import XSS, demo_result, empty_result, hostile_result
from starlette.testclient import TestClient

from scanner.dashboard import Settings, chart, create_app
from scanner.dashboard.chart import trend_svg
from scanner.fleet import history
from scanner.fleet import schedule as sched
from scanner.model import ScanResult, Verdict

SHOP = "https://www.example.com/"
CALM = "https://calm.example.org/"
#: A site whose very name is a payload: it would open a dialog if it ever ran.
HOSTILE = 'https://evil.example.net/"><img src=x onerror=alert(1)><script>alert(2)</script>/'


def without(result: ScanResult, service_id: str, started_at: str) -> ScanResult:
    """``result`` as it was before ``service_id`` came: its matches and findings gone."""
    verdict = result.verdict
    assert verdict is not None
    return dataclasses.replace(
        result,
        started_at=started_at,
        finished_at=started_at,
        services={k: v for k, v in result.services.items() if k != service_id},
        matches=tuple(m for m in result.matches if m.service_id != service_id),
        findings=tuple(f for f in result.findings if (f.service or {}).get("id") != service_id),
        verdict=dataclasses.replace(
            verdict, services=tuple(s for s in verdict.services if s.service_id != service_id)
        ),
    )


def calm_result() -> ScanResult:
    demo = demo_result()
    return dataclasses.replace(
        without(demo, "mailjet", "2025-03-05T09:00:00+00:00"),
        start_url=CALM,
        findings=(),
        verdict=Verdict("no-issues-found", "No issues found on the pages visited"),
    )


def hostile_site_result() -> ScanResult:
    """``hostile_result`` (payloads in every cookie, service and message) at a hostile URL."""
    return dataclasses.replace(hostile_result(), start_url=HOSTILE)


def build_history(db: str, *, hostile: bool = True) -> dict[str, int]:
    """Record the test history into ``db``; return the scan ids by name."""
    demo = demo_result()
    ids = {
        "shop-1": history.record(without(demo, "mailjet", "2025-01-06T10:00:00+00:00"), db),
        "shop-2": history.record(without(demo, "mailjet", "2025-02-03T10:00:00+00:00"), db),
        "shop-3": history.record(demo, db),  # 2025-03-04: Mailjet appeared
        "calm": history.record(calm_result(), db),
        "down": history.record(empty_result(), db),
    }
    if hostile:
        ids["hostile-1"] = history.record(hostile_site_result(), db)
        ids["hostile-2"] = history.record(hostile_site_result(), db)
    return ids


@pytest.fixture(scope="module")
def recorded_history(tmp_path_factory):
    """The test history, recorded once per module: each test gets a copy."""
    path = tmp_path_factory.mktemp("history") / "history.sqlite"
    ids = build_history(str(path))
    history.dispose()
    return path, ids


@pytest.fixture
def dashboard(tmp_path, recorded_history):
    db, store = str(tmp_path / "history.sqlite"), str(tmp_path / "schedules.sqlite")
    shutil.copyfile(recorded_history[0], db)
    ids = recorded_history[1]
    app = create_app(Settings(db=db, store=store, out_dir=str(tmp_path / "scans")))
    with TestClient(app, base_url="http://127.0.0.1:8765") as client:
        yield client, ids, db, store
    history.dispose()


def csrf(client: TestClient, path: str = "/scan") -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', client.get(path).text)
    assert found, "no CSRF token in the form"
    return found.group(1)


def by_site(client: TestClient) -> dict[str, dict]:
    return {s["site"]: s for s in client.get("/api/sites").json()["sites"]}


# -- sites ---------------------------------------------------------------------------------------


def test_sites_lists_every_site_with_its_latest_verdict_and_changes(dashboard):
    client, ids, _db, _store = dashboard
    sites = by_site(client)
    assert set(sites) == {SHOP, CALM, "https://down.example.org/", HOSTILE}
    shop = sites[SHOP]
    assert shop["scans"] == 3 and shop["latest"]["id"] == ids["shop-3"]
    assert shop["verdict"] == "violations"
    assert shop["severity"] == {"high": 2, "medium": 1, "low": 0, "info": 1}
    assert shop["before_consent"] == ["Google Analytics 4"]
    assert shop["after_reject"] == ["Mailjet"]
    changes = shop["changes"]
    assert changes["previous_id"] == ids["shop-2"] and changes["changed"]
    assert changes["services"] == {"appeared": ["Mailjet"], "disappeared": []}
    assert [f["type"] for f in changes["findings"]["appeared"]] == ["tracking_after_reject"]
    assert sites[CALM]["verdict"] == "no-issues-found" and sites[CALM]["changes"] is None
    assert sites["https://down.example.org/"]["verdict"] is None
    assert sites["https://down.example.org/"]["latest"]["complete"] is False
    assert sites[HOSTILE]["changes"]["changed"] is False
    assert all(s["next_run"] is None and s["schedules"] == [] for s in sites.values())


def test_sites_are_filtered_and_sorted_on_the_server(dashboard):
    client, *_ = dashboard

    def order(**params):
        return [s["site"] for s in client.get("/api/sites", params=params).json()["sites"]]

    assert order()[0] == SHOP  # worst verdict first by default
    assert order(verdict="violations") == [SHOP]
    assert order(verdict="no-issues-found") == [CALM]
    assert order(q="CALM.example") == [CALM]
    assert order(sort="site", order="asc") == sorted(order())
    assert order(sort="site", order="desc") == sorted(order(), reverse=True)
    assert order(sort="scans")[0] == SHOP
    assert order(sort="findings", order="asc")[-1] == SHOP
    html = client.get("/", params={"verdict": "no-issues-found"}).text
    assert "calm.example.org" in html and "www.example.com" not in html
    assert 'aria-sort="descending"' in client.get("/").text


def test_sites_page_shows_the_same_rows_as_its_json(dashboard):
    client, *_ = dashboard
    html = client.get("/").text
    rows = re.findall(r'<tr data-site="([^"]*)" data-verdict="([^"]*)"', html)
    expected = [
        (s["site"], s["verdict"] or "none") for s in client.get("/api/sites").json()["sites"]
    ]
    unescaped = [(r[0].replace("&#34;", '"').replace("&lt;", "<").replace("&gt;", ">")
                  .replace("&#39;", "'").replace("&amp;", "&"), r[1]) for r in rows]  # fmt: skip
    assert unescaped == expected


def test_an_empty_history_says_how_to_fill_it(tmp_path):
    app = create_app(Settings(db=str(tmp_path / "h.sqlite"), store=str(tmp_path / "s.sqlite")))
    with TestClient(app, base_url="http://127.0.0.1:8765") as client:
        assert "The history is empty" in client.get("/").text
        assert client.get("/api/sites").json()["sites"] == []
        assert client.get("/api/schedules").json()["store"] is False
    assert not (tmp_path / "s.sqlite").exists()  # looking never creates the schedule store
    history.dispose()


# -- a site, its chart, its scans' files ----------------------------------------------------------


def test_site_page_draws_its_trend_and_lists_its_scans(dashboard):
    client, ids, *_ = dashboard
    page = client.get("/api/site", params={"site": SHOP}).json()
    assert [s["id"] for s in page["scans"]] == [ids["shop-3"], ids["shop-2"], ids["shop-1"]]
    assert page["scans"][0]["previous_id"] == ids["shop-2"]
    assert [p["findings"] for p in page["chart"]] == [3, 3, 4]  # oldest first
    assert page["diff"] == {"old": ids["shop-2"], "new": ids["shop-3"]}
    assert "accept-all-before.png" in page["scans"][0]["evidence"]
    html = client.get("/site", params={"site": SHOP}).text
    assert html.count('<svg class="trend"') == 1
    assert html.count('class="point point-findings"') == 3
    assert f'href="/scans/{ids["shop-3"]}/report"' in html
    assert client.get("/site", params={"site": "https://nowhere.example.org/"}).status_code == 404
    assert client.get("/api/site").status_code == 400


def test_trend_chart_reads_time_or_spaces_scans_evenly():
    points = [
        {"id": 1, "started_at": "2025-01-01T00:00:00+00:00", "findings": 2, "third_parties": 9},
        {"id": 2, "started_at": "2025-01-02T00:00:00+00:00", "findings": 0, "third_parties": 3},
        {"id": 3, "started_at": "2025-01-11T00:00:00+00:00", "findings": 5, "third_parties": 4},
    ]
    svg = str(trend_svg(points))
    xs = [float(x) for x in re.findall(r'<circle class="point point-findings" cx="([\d.]+)"', svg)]
    assert xs[1] - xs[0] < (xs[2] - xs[1]) / 5  # one day apart, then nine
    hostile = [{**p, "started_at": XSS[n]} for n, p in enumerate(points)]
    svg = str(trend_svg(hostile))
    assert "<script" not in svg and "<img" not in svg and "&lt;" in svg
    xs = [float(x) for x in re.findall(r'<circle class="point point-findings" cx="([\d.]+)"', svg)]
    assert xs[1] - xs[0] == pytest.approx(xs[2] - xs[1])
    middle = chart.LEFT + (chart.WIDTH - chart.LEFT - chart.RIGHT) / 2
    assert f'cx="{middle:.1f}"' in str(trend_svg(points[:1]))  # one scan: in the middle
    assert trend_svg([]) == ""


def test_report_is_served_as_is_with_its_own_csp(dashboard):
    import reports

    client, ids, db, _ = dashboard
    response = client.get(f"/scans/{ids['shop-3']}/report")
    assert response.status_code == 200
    assert response.text == reports.render(history.load(ids["shop-3"], db), "html")
    meta = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', response.text)
    assert meta and response.headers["content-security-policy"].startswith(meta.group(1))
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    since = client.get(f"/scans/{ids['shop-3']}/report", params={"since": ids["shop-2"]}).text
    assert 'id="changes"' in since and 'id="changes"' not in response.text
    assert client.get("/scans/999/report").status_code == 404


def test_result_and_evidence_files(dashboard):
    client, ids, *_ = dashboard
    response = client.get(f"/scans/{ids['shop-3']}/result.json")
    assert response.headers["content-disposition"].startswith("attachment")
    data = response.json()
    assert data["start_url"] == SHOP
    assert all(
        c["value"] is None for p in data["phases"] for v in p["visits"] for c in v["cookies"]
    )
    png = client.get(f"/scans/{ids['shop-3']}/evidence/accept-all-before.png")
    assert png.headers["content-type"] == "image/png" and png.content.startswith(b"\x89PNG")
    assert client.get(f"/scans/{ids['shop-3']}/evidence/nothing.png").status_code == 404
    assert client.get(f"/scans/{ids['calm']}/evidence/..%2F..%2Fetc%2Fpasswd").status_code == 404
    scan = client.get(f"/api/scans/{ids['shop-3']}").json()
    assert scan["verdict"] == "violations" and "reject-all-after.png" in scan["evidence"]


# -- diff ----------------------------------------------------------------------------------------


def test_diff_shows_two_scans_side_by_side_and_the_new_service(dashboard):
    client, ids, *_ = dashboard
    params = {"old": ids["shop-2"], "new": ids["shop-3"]}
    page = client.get("/api/diff", params=params).json()
    assert page["summary"]["services"]["appeared"] == ["Mailjet"]
    assert page["old"]["after_reject"] == [] and page["new"]["after_reject"] == ["Mailjet"]
    assert page["changes"]["totals"]["services"]["appeared"] == 2  # accept-all and reject-all
    html = client.get("/diff", params=params).text
    assert re.search(r'<tr class="kind-services">.*?<td class="new">.*?Mailjet', html, re.S)
    assert 'class="card scan-before"' in html and 'class="card scan-after"' in html
    assert client.get("/diff", params={"old": ids["calm"], "new": ids["shop-3"]}).status_code == 400
    assert client.get("/diff", params={"old": 998, "new": 999}).status_code == 404
    assert client.get("/api/diff", params={"old": "x", "new": 1}).json()["error"]


# -- schedules and scans started here -------------------------------------------------------------


def test_schedules_pause_and_resume_and_show_on_the_sites_page(dashboard):
    client, _ids, db, store = dashboard
    sched.add_schedule(SHOP, cron="0 3 * * 1", db=db, store=store)
    listed = client.get("/api/schedules").json()
    assert listed["store"] is True
    (entry,) = listed["schedules"]
    assert entry["id"] == "www.example.com" and entry["paused"] is False
    assert by_site(client)[SHOP]["next_run"] == entry["next_run_time"]
    soonest = client.get("/api/sites", params={"sort": "next", "order": "asc"}).json()
    assert soonest["sites"][0]["site"] == SHOP
    token = csrf(client, "/schedules")
    done = client.post("/schedules/pause", data={"id": entry["id"], "csrf_token": token},
                       follow_redirects=False)  # fmt: skip
    assert done.status_code == 303 and done.headers["location"] == "/schedules"
    assert client.get("/api/schedules").json()["schedules"][0]["paused"] is True
    assert by_site(client)[SHOP]["next_run"] is None
    assert "paused" in client.get("/").text
    assert 'action="/schedules/resume"' in client.get("/schedules").text
    done = client.post("/schedules/resume", data={"id": entry["id"]},
                       headers={"X-CSRF-Token": token, "Accept": "application/json"})  # fmt: skip
    assert done.json() == {"ok": True, "action": "resume", "id": "www.example.com"}
    assert client.get("/api/schedules").json()["schedules"][0]["next_run_time"]
    missing = client.post("/schedules/pause", data={"id": "nope", "csrf_token": token})
    assert missing.status_code == 404


def test_a_scan_started_here_is_recorded_in_the_history(dashboard, monkeypatch):
    # The scan itself is faked (tests/test_dashboard_browser.py runs a real one): what is
    # checked here is the task's life and its recording.
    import json

    from scanner.dashboard import tasks as tasks_module

    client, _ids, db, _ = dashboard
    seen = {}

    def fake_run_batch(jobs, out, **_kw):
        seen["config"] = jobs[0].config
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{jobs[0].name}.json"
        path.write_text(json.dumps(calm_result().to_dict()), encoding="utf-8")
        (out / f"{jobs[0].name}.log").write_text("[no-interaction] 1/1 page\n", encoding="utf-8")
        return {"outcomes": [{"status": "ok", "pages": 3, "result_file": str(path)}]}

    monkeypatch.setattr(tasks_module, "run_batch", fake_run_batch)
    before = len(history.list_scans(db))
    started = client.post(
        "/scan",
        data={"url": CALM, "max_pages": "3", "phases": ["no-interaction", "reject-all"],
              "csrf_token": csrf(client)},
        follow_redirects=False,
    )  # fmt: skip
    assert started.status_code == 303 and started.headers["location"].startswith("/tasks/")
    task_id = started.headers["location"].rsplit("/", 1)[1]
    task = _wait(client, task_id)
    assert task["state"] == "done", task
    assert seen["config"]["max_pages"] == 3
    assert seen["config"]["phases"] == ["no-interaction", "reject-all"]
    assert task["log"] == ["[no-interaction] 1/1 page"]
    assert len(history.list_scans(db)) == before + 1
    assert history.get(task["scan_id"], db)["source"] == "dashboard"
    assert client.get("/api/tasks").json()["tasks"][0]["id"] == task_id
    assert f"/scans/{task['scan_id']}/report" in client.get(f"/tasks/{task_id}").text


def _wait(client: TestClient, task_id: str) -> dict:
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        task = client.get(f"/api/tasks/{task_id}").json()["task"]
        if task["state"] in ("done", "failed"):
            return task
        time.sleep(0.05)
    raise AssertionError(f"task {task_id} still {task['state']}")


@pytest.mark.parametrize(
    "form, message",
    [
        ({"url": "file:///etc/passwd"}, "http(s) URL"),
        ({"url": "https://www.example.com/", "max_pages": "lots"}, "whole number"),
        ({"url": "https://www.example.com/", "max_pages": "0"}, "max_pages"),
        ({"url": "https://www.example.com/", "phases": "accept-some"}, "unknown phase"),
    ],
)
def test_a_scan_with_bad_input_is_refused_with_a_message(dashboard, form, message):
    client, *_ = dashboard
    response = client.post("/scan", data={**form, "csrf_token": csrf(client)})
    assert response.status_code == 400 and message in response.text
    assert client.get("/api/tasks").json()["tasks"] == []


def test_a_missing_task_or_page_is_a_404(dashboard):
    client, *_ = dashboard
    assert client.get("/tasks/nope").status_code == 404
    assert client.get("/api/tasks/nope").status_code == 404
    assert client.get("/no-such-page").status_code == 404


def test_a_script_acts_with_the_token_from_the_json(dashboard):
    client, *_ = dashboard
    token = client.get("/api/scan").json()["csrf_token"]
    assert token and client.get("/api/schedules").json()["csrf_token"] == token
    headers = {"X-CSRF-Token": token, "Accept": "application/json"}
    refused = client.post("/scan", data={"url": "ftp://www.example.com/"}, headers=headers)
    assert refused.status_code == 400  # past the CSRF check, refused for its URL
    assert refused.json() == {"error": "give an http(s) URL to scan, not 'ftp://www.example.com/'"}
