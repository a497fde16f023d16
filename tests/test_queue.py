# ruff: noqa: F811 - the fixtures imported from servers are redefined as arguments
"""Batches on Celery workers over a real redis-server, recorded in a real PostgreSQL: a batch
on two workers, a worker killed with SIGKILL mid-scan, a poisoned site, batch status."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from servers import postgres, postgres_url, redis_url  # noqa: F401 - fixtures

from scanner.cli.batch import batch
from scanner.demo.localweb import LocalWeb, Reply
from scanner.fleet import batchstate, history, queue
from scanner.fleet.sites import Job

PAGES = 3
#: Short enough for a test to see a task of a killed worker handed to another (the killed
#: worker's test waits for it). Longer than a site's hard limit (SITE_TIMEOUT + 3.4 s).
VISIBILITY = 20.0
#: Twice what a site of PAGES pages takes on a loaded two-core machine (7 s).
SITE_TIMEOUT = 14.0


def small_site(path: str, _method: str) -> Reply:
    """PAGES pages linked from the home page; each answers after 0.5 s."""
    links = "".join(f'<a href="/p{i}">page {i}</a>' for i in range(1, PAGES))
    body = f"<html><head><title>{path}</title></head><body>{links}</body></html>"
    return Reply(200, body.encode(), [("Content-Type", "text/html")], delay=0.5)


SITES = [f"q{i}.example.net" for i in range(1, 5)]
POISONED = "https://unreachable.example.org/"  # never resolves: its start page always fails


@pytest.fixture(scope="module")
def web():
    with LocalWeb(routes={host: small_site for host in SITES}) as web:
        yield web


@pytest.fixture(autouse=True)
def _short_visibility(monkeypatch):
    monkeypatch.setattr(queue, "VISIBILITY_TIMEOUT", VISIBILITY)
    yield
    history.dispose()


def scan_args(web) -> list[str]:
    args = ["--dwell", "0.5", "--concurrency", "1", "--no-sitemap", "--ignore-https-errors"]
    args += ["--phases", "no-interaction", "--max-pages", str(PAGES)]
    args += ["--site-timeout", str(SITE_TIMEOUT)]
    for flag in web.browser_args():
        args += ["--browser-arg", flag]
    return args


class Workers:
    """``cookiescan worker`` processes, each in a process group of its own."""

    def __init__(self, queue_url: str, db: str, tmp: Path) -> None:
        self.queue_url, self.db, self.tmp = queue_url, db, tmp
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str) -> subprocess.Popen:
        env = dict(os.environ)
        env.update(
            COOKIESCAN_VISIBILITY_TIMEOUT=str(VISIBILITY),
            COOKIESCAN_RETRIES="1",
            COOKIESCAN_RETRY_DELAY="1",
            XDG_DATA_HOME=str(self.tmp / f"data-{name}"),
        )
        code = "from scanner.cli import main; main()"
        args = ["worker", "--queue", self.queue_url, "--db", self.db, "--concurrency", "1"]
        with (self.tmp / f"{name}.log").open("ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-c", code, *args, "--name", f"{name}@test"],
                stdout=log,
                stderr=log,
                env=env,
                start_new_session=True,
            )
        self.procs[name] = proc
        return proc

    def wait_ready(self, count: int, timeout: float = 60) -> None:
        app = queue.make_app(self.queue_url, self.db)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            replies = app.control.inspect(timeout=1).ping() or {}
            if len(replies) >= count:
                return
            for name, proc in self.procs.items():
                assert proc.poll() is None, (self.tmp / f"{name}.log").read_text()[-2000:]
        raise AssertionError(f"{count} worker(s) not ready in {timeout} s")

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs[name]
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        proc.wait(30)

    def stop(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is None:
                self.kill(name, signal.SIGTERM)
        for name in self.procs:
            self.kill(name)  # anything left in the groups (a browser of a killed scan)


@pytest.fixture
def workers(redis_url, postgres_url, tmp_path):
    pool = Workers(redis_url + "/0", postgres_url, tmp_path)
    yield pool
    pool.stop()


def sites_file(tmp_path: Path, urls: list[str]) -> Path:
    path = tmp_path / "sites.txt"
    path.write_text("".join(f"{u}\n" for u in urls))
    return path


def scans_by_key(db: str) -> dict[str, int]:
    eng = sa.create_engine(db)
    with eng.connect() as conn:
        rows = conn.exec_driver_sql(
            "select task_key, count(*) from scans where task_key is not null group by task_key"
        ).all()
    eng.dispose()
    return {key: count for key, count in rows}


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_a_batch_on_two_workers_writes_the_files_of_a_local_batch(web, workers, tmp_path):
    workers.start("w1")
    workers.start("w2")
    workers.wait_ready(2)
    out = tmp_path / "out"
    sites = sites_file(tmp_path, [f"https://{h}/" for h in SITES])
    args = [str(sites), "-d", str(out), "--queue", workers.queue_url, "--db", workers.db]
    result = CliRunner().invoke(batch, [*args, *scan_args(web)])
    assert result.exit_code == 0, (result.output, result.exception)
    summary = json.loads(result.stdout)
    assert (summary["sites"], summary["ok"], summary["failed"]) == (4, 4, 0)
    assert json.loads((out / "batch-summary.json").read_text())["ok"] == 4
    for outcome, host in zip(summary["outcomes"], SITES, strict=True):
        saved = json.loads((out / f"{host}.json").read_text())
        assert saved["start_url"] == f"https://{host}/"
        assert outcome["pages"] == PAGES and outcome["history_id"]
        assert history.load(outcome["history_id"], workers.db).start_url == f"https://{host}/"
    assert {o["worker"] for o in summary["outcomes"]} == {"w1@test", "w2@test"}
    rows = history.list_scans(workers.db)
    assert len(rows) == 4 and {r["source"] for r in rows} == {"queue"}
    assert sorted(scans_by_key(workers.db).values()) == [1, 1, 1, 1]

    again = CliRunner().invoke(batch, [*args, *scan_args(web)])  # resumes: nothing to do
    assert again.exit_code == 0 and json.loads(again.stdout)["skipped"] == 4


@pytest.mark.browser
@pytest.mark.timeout(420)
def test_a_worker_killed_mid_scan_loses_nothing_and_records_once(web, workers, tmp_path):
    workers.start("w1")
    workers.start("w2")
    workers.wait_ready(2)
    db = workers.db
    out = tmp_path / "out"
    sites = sites_file(tmp_path, [f"https://{h}/" for h in SITES])
    args = [str(sites), "-d", str(out), "--queue", workers.queue_url, "--db", db, "--no-wait"]
    queued = CliRunner().invoke(batch, [*args, *scan_args(web)])
    assert queued.exit_code == 0, (queued.output, queued.exception)
    batch_id = queued.stdout.strip()

    deadline = time.monotonic() + 120  # kill w1 while it scans a site (a journal page or two)
    victim = None
    while victim is None and time.monotonic() < deadline:
        for row in batchstate.sites(db, batch_id):
            spool = tmp_path / "data-w1" / "cookiescan" / "queue-spool" / batch_id
            journal = spool / f"{row['name']}.json.partial.jsonl"
            if row["status"] == "running" and journal.exists() and journal.stat().st_size:
                victim = row["name"]
                break
        time.sleep(0.2)
    assert victim, "w1 never started a site"
    workers.kill("w1")
    assert batchstate.get(db, batch_id, victim)["status"] == "running"  # cut short

    jobs = [Job(h, {"url": f"https://{h}/"}) for h in SITES]
    summary = queue.wait_batch(db, batch_id, jobs, out, poll=0.5)
    assert (summary["ok"], summary["failed"]) == (4, 0), summary["failures"]
    assert scans_by_key(db) == {f"{batch_id}/{h}": 1 for h in SITES}  # each exactly once
    killed = batchstate.get(db, batch_id, victim)
    assert killed["attempts"] == 2 and killed["outcome"]["worker"] == "w2@test"
    assert all((out / f"{h}.json").exists() for h in SITES)


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_a_poisoned_site_ends_failed_after_its_retries(web, workers, tmp_path):
    workers.start("w1")
    workers.wait_ready(1)
    out = tmp_path / "out"
    sites = sites_file(tmp_path, [f"https://{SITES[0]}/", POISONED])
    args = [str(sites), "-d", str(out), "--queue", workers.queue_url, "--db", workers.db]
    result = CliRunner().invoke(batch, [*args, *scan_args(web)])
    assert result.exit_code == 3, (result.output, result.exception)
    summary = json.loads(result.stdout)
    assert (summary["ok"], summary["failed"]) == (1, 1)
    [failure] = summary["failures"]
    assert failure["url"] == POISONED and "unreachable" in failure["reason"]
    error = json.loads((out / "unreachable.example.org.error.json").read_text())
    assert error["status"] == "failed" and error["attempts"] == 2  # the first try + 1 retry
    batch_id = summary["batch"]

    status = CliRunner().invoke(batch, ["status", batch_id, "--db", workers.db])
    assert status.exit_code == 0, status.output
    shown = json.loads(status.stdout)
    assert shown["counts"] == {"ok": 1, "failed": 1} and shown["done"] == 2
    assert "unreachable" in shown["outcomes"][1]["reason"]
    assert len(history.list_scans(workers.db)) == 1  # a failed site is no scan

    unknown = CliRunner().invoke(batch, ["status", "b-nothing", "--db", workers.db])
    assert unknown.exit_code == 2 and "no batch" in unknown.output


def test_enqueue_site_for_the_scheduler(redis_url, postgres_url):
    job = Job("www.example.com", {"url": "https://www.example.com/"})
    batch_id = queue.enqueue_site(redis_url + "/1", job, postgres_url, site_timeout=10)
    [row] = batchstate.sites(postgres_url, batch_id)
    assert (row["name"], row["status"], row["attempts"]) == ("www.example.com", "queued", 0)
    import redis

    client = redis.Redis.from_url(redis_url + "/1")
    assert client.llen("celery") == 1
    message = json.loads(client.lpop("celery"))
    assert message["headers"]["id"] == f"{batch_id}/www.example.com"
    assert message["headers"]["timelimit"][0] > message["headers"]["timelimit"][1]


def test_no_queue_no_wait_and_a_broker_that_is_not_there(tmp_path):
    sites = sites_file(tmp_path, ["https://www.example.com/"])
    no_queue = CliRunner().invoke(batch, [str(sites), "--no-wait"])
    assert no_queue.exit_code == 2 and "--no-wait needs --queue" in no_queue.output
    db = str(tmp_path / "h.sqlite")
    away = CliRunner().invoke(
        batch, [str(sites), "--queue", "redis://127.0.0.1:1/0", "--db", db, "--no-wait"]
    )
    assert away.exit_code != 0 and "Traceback" not in away.output
