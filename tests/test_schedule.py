"""Schedules: the store and its commands, a schedule that fires, webhooks, restarts."""

from __future__ import annotations

import datetime
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from click.testing import CliRunner

from scanner.cli.schedule import schedule as schedule_cmd
from scanner.demo.localweb import LocalWeb
from scanner.fleet import history
from scanner.fleet import schedule as sched

URL = "https://www.example.com/"


def run(*args):
    return CliRunner().invoke(schedule_cmd, list(args))


def test_add_list_remove(tmp_path):
    store = str(tmp_path / "s.sqlite")
    added = run("add", URL, "--cron", "0 3 * * 1", "--max-pages", "5", "--store", store)
    assert added.exit_code == 0, added.output
    entry = json.loads(added.stdout)
    assert entry["id"] == "www.example.com"
    assert entry["next_run_time"].endswith("03:00:00+00:00")
    assert time.strptime(entry["next_run_time"][:10], "%Y-%m-%d").tm_wday == 0  # a Monday

    again = run("add", URL, "--cron", "0 4 * * *", "--store", store)
    assert again.exit_code == 2 and "exists" in again.output
    assert run("add", URL, "--cron", "0 4 * * *", "--store", store, "--replace").exit_code == 0
    other = run("add", "https://www.example.org/", "--every", "3600", "--id", "org",
                "--store", store)  # fmt: skip
    assert other.exit_code == 0, other.output

    listed = run("list", "--store", store, "--verbose")
    entries = {e["id"]: e for e in json.loads(listed.stdout)}
    assert set(entries) == {"www.example.com", "org"}
    assert entries["www.example.com"]["options"]["max_pages"] == 20  # replaced: new options
    assert entries["www.example.com"]["trigger"] == "cron[0 4 * * *, 'UTC']"
    assert "interval" in entries["org"]["trigger"]
    assert "org" in run("list", "--store", store, "--format", "table").output

    assert run("remove", "org", "--store", store).exit_code == 0
    assert run("remove", "org", "--store", store).exit_code == 2
    assert [e["id"] for e in json.loads(run("list", "--store", store).stdout)] == [
        "www.example.com"
    ]


@pytest.mark.parametrize(
    "cron, weekday",
    [("0 3 * * 1", "Mon"), ("0 3 * * 0", "Sun"), ("0 3 * * 7", "Sun"), ("0 3 * * 6", "Sat")],
)
def test_cron_days_of_the_week_mean_what_they_mean_in_cron(cron, weekday):
    # APScheduler 3 counts days of the week from Monday = 0: "* * * * 1" would be Tuesday.
    start = datetime.datetime(2026, 11, 23, 4, tzinfo=datetime.timezone.utc)  # a Monday
    fire = sched.parse_trigger(cron, None).get_next_fire_time(None, start)
    assert fire.strftime("%a %H:%M") == f"{weekday} 03:00"
    weekdays = sched.parse_trigger("0 3 * * 1-5", None).get_next_fire_time(start, start)
    assert weekdays.strftime("%a") == "Tue"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--cron", "0 3 * *"], "invalid cron expression"),
        (["--cron", "0 3 * * 1", "--every", "60"], "either a cron expression or an interval"),
        ([], "either a cron expression or an interval"),
        (["--every", "60", "--webhook", "ftp://x"], "webhook must be an http(s) URL"),
        (["--every", "60", "--phases", "sometimes"], "unknown phase"),
        (["--cron", "0 3 * * 8"], "bad day-of-week '8'"),
        (["--cron", "0 3 30 2 *"], "never fires"),
    ],
)
def test_add_rejects_bad_input(tmp_path, args, message):
    result = run("add", URL, *args, "--store", str(tmp_path / "s.sqlite"))
    assert result.exit_code == 2 and message in result.output, result.output


def test_schedule_errors_are_cookiescan_errors_and_value_errors(tmp_path):
    from scanner import CookiescanError, ScheduleError

    assert sched.ScheduleError is ScheduleError
    with pytest.raises(CookiescanError, match="invalid cron expression"):
        sched.add_schedule(URL, cron="0 3 * *", store=tmp_path / "s.sqlite")
    with pytest.raises(ValueError, match="no schedule"):
        sched.remove_schedule("nothing", tmp_path / "s.sqlite")


def test_the_store_is_named_like_the_history(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert sched.store_url() == f"sqlite:///{tmp_path / 'cookiescan' / 'schedules.sqlite'}"
    assert sched.store_url("postgresql://u@h/db") == "postgresql://u@h/db"
    path = tmp_path / "x" / "s.sqlite"
    assert sched.store_url(path) == history.db_url(path) == f"sqlite:///{path}"


def test_one_scheduler_per_store(tmp_path):
    store = str(tmp_path / "s.sqlite")
    stop = threading.Event()
    thread = threading.Thread(target=sched.run_scheduler, args=(store,), kwargs={"stop": stop})
    thread.start()
    try:
        time.sleep(0.5)
        second = run("run", "--store", store, "--stop-after", "1")
        assert second.exit_code == 1 and "another scheduler is running" in second.output
    finally:
        stop.set()
        thread.join()


class Hook(http.server.BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Hook.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    Hook.received = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", Hook.received
    server.shutdown()
    server.server_close()


def scan_options(web):
    return {
        "max_pages": 1, "dwell": 0.5, "idle_timeout": 1.0, "use_sitemap": False,
        "phases": ["no-interaction"], "ignore_https_errors": True,
        "browser_args": list(web.browser_args()),
    }  # fmt: skip


@pytest.mark.browser
def test_a_schedule_fires_records_and_posts_new_findings(tmp_path, webhook):
    hook_url, received = webhook
    store, db = str(tmp_path / "s.sqlite"), str(tmp_path / "h.sqlite")
    with LocalWeb() as web:
        sched.add_schedule(URL, every=2, options=scan_options(web), db=db, webhook=hook_url,
                           out_dir=str(tmp_path / "out"), store=store)  # fmt: skip
        stop = threading.Event()
        thread = threading.Thread(
            target=sched.run_scheduler, args=(store,), kwargs={"stop": stop, "poll": 1}
        )
        thread.start()
        try:
            deadline = time.monotonic() + 90
            while len(history.list_scans(db)) < 2 and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            stop.set()
            thread.join()
    scans = history.list_scans(db)
    assert len(scans) >= 2 and {s["source"] for s in scans} == {"schedule"}
    # The first run's findings are all new: one POST. Later runs found nothing new.
    assert len(received) == 1, received
    payload = received[0]
    assert payload["schedule"] == "www.example.com" and payload["status"] == "ok"
    assert payload["previous_started_at"] is None
    types = {(f["type"], f["service"]) for f in payload["new_findings"]}
    assert ("tracking_before_consent", "mailjet") in types
    assert all(f["severity"] != "info" for f in payload["new_findings"])
    history.dispose()


@pytest.mark.browser
def test_a_restart_never_runs_an_occurrence_twice(tmp_path):
    store, db, out = str(tmp_path / "s.sqlite"), str(tmp_path / "h.sqlite"), tmp_path / "out"
    with LocalWeb() as web:
        options = {**scan_options(web), "dwell": 3.0}
        added = sched.add_schedule(URL, every=8, options=options, db=db, out_dir=str(out),
                                   store=store)  # fmt: skip
        first_fire = added["next_run_time"]
        code = "from scanner.cli.schedule import schedule; schedule()"
        cmd = [sys.executable, "-c", code, "run", "--store", store, "--poll", "1"]
        proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )

        def moved_on() -> bool:
            # APScheduler stores the next run time right after handing the job to its
            # executor, so under load the scan can start a moment before the store is updated.
            (entry,) = sched.list_schedules(store)
            return entry["next_run_time"] > first_fire

        try:  # kill -9 as soon as the first run's scan has started
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not (list(out.glob("*.log")) and moved_on()):
                assert proc.poll() is None
                time.sleep(0.05)
            assert list(out.glob("*.log")), "the schedule never fired"
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        runs_before = len(list(out.glob("*.log")))
        (entry,) = sched.list_schedules(store)
        assert entry["next_run_time"] > first_fire  # moved on before the scan ran
        restart = CliRunner().invoke(
            schedule_cmd, ["run", "--store", store, "--poll", "1", "--stop-after", "3"]
        )
        assert restart.exit_code == 0, restart.output
        assert "scheduler started" in restart.output and "1 schedule(s)" in restart.output
    # The killed occurrence did not run again after the restart.
    assert len(list(out.glob("*.log"))) == runs_before == 1
    assert history.list_scans(db) == []  # the killed run never finished
    history.dispose()
