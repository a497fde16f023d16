"""Careless input to batches, schedules and the history (issue 11 part 8, issue 14 part 7):
crons that never fire, URLs and ids that reach outside, duplicate and IDN sites, a long sites
file, formula cells in the history CSV, control characters in TOML, and the webhook."""

from __future__ import annotations

import csv
import datetime as dt
import http.server
import io
import json
import logging
import os
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_diff import make_result

from scanner.cli import cli
from scanner.fleet import history, webhook
from scanner.fleet import schedule as sched
from scanner.fleet.sites import BatchError, canonical_url, load_sites
from scanner.fleet.triggers import parse_trigger
from signatures._toml import dumps

URL = "https://www.example.com/"
UTC = dt.timezone.utc


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def assert_one_line_exit_2(result, *words: str) -> None:
    assert result.exit_code == 2, (result.output, result.exception)
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for word in words:
        assert word in lines[0], result.output


# -- cron --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cron, reason",
    [
        ("0 3 30 2 *", "never fires: no month it names has a day 30"),
        ("0 3 31 4,6,9,11 *", "never fires: no month it names has a day 31"),
        ("61 * * * *", "bad minute '61' (takes 0-59"),
        ("0 24 * * *", "bad hour '24'"),
        ("0 3 0 * *", "bad day-of-month '0'"),
        ("0 3 * 13 *", "bad month '13'"),
        ("0 3 * * 8", "bad day-of-week '8'"),
        ("@daily", "5 fields expected"),
        ("0 0 3 * * 1", "5 fields expected"),
    ],
)
def test_a_cron_that_never_fires_or_cannot_be_read_is_refused_for_its_reason(
    tmp_path, cron, reason
):
    store = str(tmp_path / "s.sqlite")
    assert_one_line_exit_2(invoke("schedule", "add", URL, "--cron", cron, "--store", store), reason)
    assert sched.list_schedules(store) == []


@pytest.mark.parametrize(
    "cron, fires",
    [
        # Both days restricted: either one fires, as in cron (the 1st, and every Monday).
        ("0 3 1 * 1", ["Sun 2026-11-01", "Mon 2026-11-02", "Mon 2026-11-09", "Mon 2026-11-16"]),
        ("0 3 13 * 5", ["Fri 2026-11-06", "Fri 2026-11-13", "Fri 2026-11-20", "Fri 2026-11-27"]),
        # Day 31 never comes in February, the Mondays of February do.
        ("0 3 31 2 1", ["Mon 2027-02-01", "Mon 2027-02-08", "Mon 2027-02-15", "Mon 2027-02-22"]),
        # A star in either field: both must match (Debian's cron).
        ("0 3 */10 * 1", ["Mon 2026-12-21", "Mon 2027-01-11", "Mon 2027-02-01", "Mon 2027-03-01"]),
        ("0 3 29 2 *", ["Tue 2028-02-29", "Sun 2032-02-29", "Fri 2036-02-29", "Wed 2040-02-29"]),
        ("0 3 * * 0,7", ["Sun 2026-11-01", "Sun 2026-11-08", "Sun 2026-11-15", "Sun 2026-11-22"]),
    ],
)
def test_cron_days_fire_as_cron_fires_them(cron, fires):
    trigger = parse_trigger(cron, None)
    now, seen = dt.datetime(2026, 11, 1, 3, tzinfo=UTC), []  # Sunday 1 November, 03:00
    fire = trigger.get_next_fire_time(None, now)  # now itself may fire
    for _ in fires:
        seen.append(fire.strftime("%a %Y-%m-%d"))
        assert fire.strftime("%H:%M") == "03:00"
        fire = trigger.get_next_fire_time(fire, now)
    assert seen == fires


def test_a_cron_schedule_reads_back_from_the_store(tmp_path):
    store = str(tmp_path / "s.sqlite")
    added = sched.add_schedule(URL, cron="0  3 1 * 1", store=store)
    assert added["trigger"] == "cron[0 3 1 * 1, 'UTC']"
    fire = dt.datetime.fromisoformat(added["next_run_time"])
    assert fire > dt.datetime.now(UTC) and (fire.day == 1 or fire.weekday() == 0)
    assert sched.list_schedules(store) == [added]  # unpickled by APScheduler, the same


# -- schedule URLs and ids ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, reason",
    [
        ("file:///etc/passwd", "unsupported URL scheme 'file:'"),
        ("", "no URL given"),
        ("   ", "no URL given"),
        ("javascript:alert(1)", "unsupported URL scheme 'javascript:'"),
        ("ftp://files.example.com/", "unsupported URL scheme 'ftp:'"),
        ("https://", "no valid host name"),
        ("https://www.example.com:99999/", "invalid port"),
        ("https://bad..example.com/", "no valid host name"),
    ],
)
def test_schedule_add_refuses_what_cannot_be_scanned(tmp_path, url, reason):
    store = str(tmp_path / "s.sqlite")
    result = invoke("schedule", "add", url, "--every", "60", "--store", store)
    assert_one_line_exit_2(result, reason)
    assert sched.list_schedules(store) == []


@pytest.mark.parametrize(
    "schedule_id", ["../../x", "..", ".", ".hidden", "a/b", "a\\b", "x" * 121, "tab\there", "é"]
)
def test_schedule_ids_cannot_name_a_folder_outside_the_schedules_folder(
    tmp_path, monkeypatch, schedule_id
):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    before = sorted(tmp_path.rglob("*"))
    result = invoke("schedule", "add", URL, "--every", "60", "--id", schedule_id)
    assert_one_line_exit_2(result, "invalid schedule id")
    assert sched.list_schedules() == []
    # Nothing but the (empty) store was written: no folder, no file outside.
    after = {p for p in tmp_path.rglob("*") if p not in before}
    assert {p.name for p in after if p.is_file()} == {"schedules.sqlite"}
    # A schedule stored with such an id by an older version fails to run, writing nothing.
    spec = {"id": schedule_id, "config": {"url": URL}}
    assert sched.run_scheduled_scan(spec)["status"] == "failed"
    assert {p for p in tmp_path.rglob("*") if p not in before} == after


def test_a_good_id_and_an_idn_host(tmp_path):
    store = str(tmp_path / "s.sqlite")
    added = sched.add_schedule("https://MÜNCHEN.test/straße", every=60, store=store)
    assert added["url"] == "https://xn--mnchen-3ya.test/stra%C3%9Fe"
    assert added["id"] == "xn--mnchen-3ya.test_stra_C3_9Fe"
    # The punycode form is the same site: the same id, so it is refused as a second one.
    with pytest.raises(sched.ScheduleError, match="exists"):
        sched.add_schedule("https://xn--mnchen-3ya.test/stra%C3%9Fe", every=60, store=store)
    assert sched.add_schedule(URL, every=60, schedule_id="shop_2-b.x", store=store)["id"] == (
        "shop_2-b.x"
    )


# -- sites files: canonical, deduplicated, fast --------------------------------------------------


@pytest.mark.parametrize(
    "given, canonical",
    [
        ("HTTP://Example.COM", "http://example.com/"),
        ("http://example.com:80/a#top", "http://example.com/a"),
        ("https://example.com:443", "https://example.com/"),
        ("https://example.com:8443/", "https://example.com:8443/"),
        ("www.example.com/shop", "https://www.example.com/shop"),
        ("https://münchen.test/", "https://xn--mnchen-3ya.test/"),
        ("https://xn--mnchen-3ya.test/", "https://xn--mnchen-3ya.test/"),
        ("https://例え.テスト/ä?q=ü", "https://xn--r8jz45g.xn--zckzah/%C3%A4?q=%C3%BC"),
        ("http://[::1]:8080/", "http://[::1]:8080/"),
        ("https://www.example.com./", "https://www.example.com/"),
    ],
)
def test_canonical_urls(given, canonical):
    assert canonical_url(given) == canonical
    assert canonical_url(canonical) == canonical


def test_a_site_listed_twice_is_scanned_once_with_a_warning(tmp_path):
    sites = tmp_path / "sites.txt"
    sites.write_text(
        "HTTP://Example.com/\nhttp://example.com\nhttp://EXAMPLE.com:80/#top\n"
        "https://www.example.org/?b=2&a=1\nhttps://www.example.org/?a=1&b=2\n"
        "https://münchen.test/\nhttps://xn--mnchen-3ya.test\nhttps://example.com/\n",
        encoding="utf-8",
    )
    warnings: list[str] = []
    jobs = load_sites(sites, warn=warnings.append)
    assert [j.config["url"] for j in jobs] == [
        "http://example.com/",
        "https://www.example.org/?b=2&a=1",  # scanned as given; only the key sorts the query
        "https://xn--mnchen-3ya.test/",
        "https://example.com/",  # https is another site than http
    ]
    assert [j.name for j in jobs] == ["example.com", "www.example.org", "xn--mnchen-3ya.test",
                                      "example.com-2"]  # fmt: skip
    (line,) = warnings
    assert "4 duplicate site(s) dropped" in line and "\n" not in line


def test_duplicates_are_logged_when_no_one_listens(tmp_path, caplog):
    sites = tmp_path / "sites.txt"
    sites.write_text("https://www.example.com/\nHTTPS://WWW.EXAMPLE.COM\n")
    with caplog.at_level(logging.WARNING, logger="cookiescan.sites"):
        assert len(load_sites(sites)) == 1
    assert "1 duplicate site(s) dropped" in caplog.text


def test_toml_sites_are_duplicates_only_with_the_same_options(tmp_path):
    sites = tmp_path / "sites.toml"
    sites.write_text(
        '[[site]]\nurl = "https://www.example.com/"\nmax_pages = 5\n'
        '[[site]]\nurl = "HTTPS://www.example.com:443"\nmax_pages = 5\n'
        '[[site]]\nurl = "https://www.example.com"\nmax_pages = 6\n'
        '[[site]]\nurl = "file:///etc/passwd"\n'
    )
    with pytest.raises(BatchError, match=r"site 4 \(file:///etc/passwd\): unsupported URL"):
        load_sites(sites)
    sites.write_text(sites.read_text().rsplit("[[site]]", 1)[0])
    warnings: list[str] = []
    jobs = load_sites(sites, warn=warnings.append)
    assert [j.config["max_pages"] for j in jobs] == [5, 6] and len(warnings) == 1


def test_a_long_sites_file_parses_in_linear_time(tmp_path):
    # 200,000 lines took 219 s: names of one host were made unique by probing name-2, name-3…
    # from 2 each time (quadratic), and every line built and dumped a config of its own.
    lines = 50_000
    sites = tmp_path / "sites.txt"
    sites.write_text("".join(f"https://www.example.com/?p={i}\n" for i in range(lines)))
    started = time.process_time()
    jobs = load_sites(sites)
    seconds = time.process_time() - started
    assert len(jobs) == lines and jobs[-1].name == f"www.example.com-{lines}"
    assert len({j.name for j in jobs}) == lines
    jobs[0].config["first_party"].append("x")  # no two jobs share a list
    assert jobs[1].config["first_party"] == []
    assert seconds < 25, seconds  # about 1 s; the quadratic version took minutes


# -- the history CSV -----------------------------------------------------------------------------

HOSTILE = ['=HYPERLINK("http://evil.example")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def test_history_csv_is_formula_safe(tmp_path):
    db = str(tmp_path / "h.sqlite")
    for day, hosts in (("06", HOSTILE[:3]), ("13", HOSTILE[3:])):
        result = make_result({"no-interaction": {"hosts": hosts}},
                             started_at=f"2025-01-{day}T03:00:00+00:00")  # fmt: skip
        history.record(result, db, source="=cmd|' /C calc'!A0")
    try:
        exported = invoke("history", "export", "--site", "www.example.com", "--db", db)
        listed = invoke("history", "list", "--format", "csv", "--db", db)
    finally:
        history.dispose()
    for output in (exported, listed):
        assert output.exit_code == 0, output.output
        rows = list(csv.reader(io.StringIO(output.stdout, newline="")))
        assert len(rows) == 3 and len({len(r) for r in rows}) == 1  # no row split by a CR
        cells = [cell for row in rows for cell in row]
        assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))], cells
    cells = [c for row in csv.reader(io.StringIO(exported.stdout, newline="")) for c in row]
    assert '\'+1+1 -2+3 =HYPERLINK("http://evil.example")' in cells
    assert "'=cmd|' /C calc'!A0" in cells


# -- TOML ---------------------------------------------------------------------------------------


def test_toml_written_with_control_characters_reads_back():
    value = 'del\x7f one\x01 nl\n cr\r tab\t nul\x00 quote" back\\ é \u2028'
    document = {"pack": {"name": value, "odd key\x7f": [value]}, "services": [{"id": value}]}
    assert tomllib.loads(dumps(document)) == document


# -- the webhook --------------------------------------------------------------------------------


class Flaky(http.server.BaseHTTPRequestHandler):
    """Answers the first ``failures`` POSTs with 503 (then 500), later ones with 204."""

    answers: list[int] = []
    received: list[tuple[dict, bytes]] = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Flaky.received.append((dict(self.headers), body))
        status = Flaky.answers.pop(0) if Flaky.answers else 204
        if status == 0:  # hang up without an answer
            self.close_connection = True
            return
        if status == -1:  # answer too late
            time.sleep(10)
            status = 204
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def flaky():
    Flaky.received, Flaky.answers = [], []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook?token=private"
    server.shutdown()
    server.server_close()


def test_the_webhook_retries_a_failing_receiver_and_signs_every_attempt(flaky, caplog):
    Flaky.answers = [503, 0, 500]
    payload = {"schedule": "shop", "new_findings": [{"type": "tracking_before_consent"}]}
    with caplog.at_level(logging.INFO, logger="cookiescan.webhook"):
        assert webhook.notify(flaky, payload, secret="s3cret", backoff=0.01)
    assert len(Flaky.received) == 4  # 503, a hang-up, 500, then 204
    ids = {headers[webhook.DELIVERY_HEADER] for headers, _ in Flaky.received}
    assert len(ids) == 1  # one delivery, tried four times
    for headers, body in Flaky.received:
        assert json.loads(body) == payload
        assert webhook.verify("s3cret", body, headers[webhook.SIGNATURE_HEADER])
        assert not webhook.verify("other", body, headers[webhook.SIGNATURE_HEADER])
    assert "sent (attempt 4)" in caplog.text and "private" not in caplog.text


def test_the_webhook_gives_up_on_a_refusal_and_after_its_attempts(flaky):
    Flaky.answers = [400]
    assert not webhook.notify(flaky, {"a": 1}, backoff=0.01)
    assert len(Flaky.received) == 1  # a 400 is not tried again
    Flaky.received.clear()
    Flaky.answers = [503, 503, 503]
    assert not webhook.notify(flaky, {"a": 1}, attempts=3, backoff=0.01)
    assert len(Flaky.received) == 3
    assert webhook.SIGNATURE_HEADER not in Flaky.received[0][0]  # no secret, no signature


def test_the_webhook_times_out_a_receiver_that_does_not_answer(flaky):
    Flaky.answers = [-1]
    started = time.monotonic()
    assert webhook.notify(flaky, {"a": 1}, timeout=0.5, attempts=2, backoff=0.01)
    assert len(Flaky.received) == 2 and time.monotonic() - started < 8  # not 10: timed out


def test_a_stopping_scheduler_stops_the_retries(flaky):
    Flaky.answers = [503] * 5
    stop = threading.Event()
    stop.set()
    assert not webhook.notify(flaky, {"a": 1}, attempts=5, backoff=30, cancel=stop)
    assert len(Flaky.received) == 1


def test_a_schedule_signs_with_its_secret_or_the_environment(flaky, monkeypatch, tmp_path):
    monkeypatch.setenv(webhook.SECRET_ENV, "from-env")
    assert sched.send_report({"webhook": flaky}, {"schedule": "a"})
    assert sched.send_report({"webhook": flaky, "webhook_secret": "stored"}, {"schedule": "b"})
    (h1, b1), (h2, b2) = Flaky.received
    assert webhook.verify("from-env", b1, h1[webhook.SIGNATURE_HEADER])
    assert webhook.verify("stored", b2, h2[webhook.SIGNATURE_HEADER])
    # The secret is stored with the schedule, never listed.
    store = str(tmp_path / "s.sqlite")
    added = invoke("schedule", "add", URL, "--every", "60", "--webhook", flaky,
                   "--webhook-secret", "hush", "--store", store)  # fmt: skip
    assert added.exit_code == 0, added.output
    listed = invoke("schedule", "list", "--verbose", "--store", store)
    assert "hush" not in added.output + listed.output
    no_hook = ["--every", "60", "--webhook-secret", "x", "--id", "b", "--store", store]
    assert_one_line_exit_2(invoke("schedule", "add", URL, *no_hook), "needs a webhook")


# -- the batch, end to end ---------------------------------------------------------------------


@pytest.mark.browser
def test_a_batch_scans_a_site_listed_three_ways_once(tmp_path):
    from scanner.demo.localweb import LocalWeb

    sites = tmp_path / "sites.txt"
    sites.write_text("HTTPS://WWW.Example.com/\nhttps://www.example.com\n"
                     "https://www.example.com:443/#top\n")  # fmt: skip
    out = tmp_path / "out"
    with LocalWeb() as web:
        args = [str(sites), "-d", str(out), "--no-history", "--dwell", "0.5",
                "--phases", "no-interaction", "--max-pages", "1", "--no-sitemap",
                "--ignore-https-errors", "--idle-timeout", "1"]  # fmt: skip
        for flag in web.browser_args():
            args += ["--browser-arg", flag]
        code = "from scanner.cli.batch import batch; batch()"
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
        done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                              text=True, timeout=240, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    results = {p.name for p in out.glob("*.json")} - {"batch-summary.json"}
    assert results == {"www.example.com.json"}
    assert "2 duplicate site(s) dropped" in done.stderr
    summary = json.loads(done.stdout)
    assert [o["url"] for o in summary["outcomes"]] == [URL]
