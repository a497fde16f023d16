# ruff: noqa: F811 - the fixtures imported from servers are redefined as arguments
"""A schedule and a fleet of workers form a monitoring service: `schedule run --queue` sends
each due scan to the Celery workers over a real redis-server, and the run is recorded once
in a real PostgreSQL history (the worker's record and the scheduler's are one)."""

from __future__ import annotations

import threading
import time

import pytest
from servers import postgres, postgres_url, redis_url  # noqa: F401 - fixtures
from test_queue import SITES, Workers, scans_by_key, web  # noqa: F401 - web: a fixture

from scanner.fleet import history
from scanner.fleet import schedule as sched


@pytest.mark.browser
@pytest.mark.timeout(240)
def test_a_schedule_sends_its_scans_to_the_workers(web, redis_url, postgres_url, tmp_path):
    pool = Workers(redis_url + "/1", postgres_url, tmp_path)
    try:
        pool.start("w1")
        pool.wait_ready(1)
        store = str(tmp_path / "schedules.sqlite")
        options = {"dwell": 0.5, "concurrency": 1, "use_sitemap": False, "max_pages": 2,
                   "phases": ["no-interaction"], "ignore_https_errors": True,
                   "browser_args": list(web.browser_args())}  # fmt: skip
        url = f"https://{SITES[0]}/"
        sched.add_schedule(url, every=4, options=options, db=postgres_url,
                           out_dir=str(tmp_path / "out"), store=store)  # fmt: skip
        stop = threading.Event()
        thread = threading.Thread(
            target=sched.run_scheduler,
            args=(store,),
            kwargs={"stop": stop, "poll": 1, "queue": redis_url + "/1"},
        )
        thread.start()  # the interval's first run is due 4 s after the start
        try:
            deadline = time.monotonic() + 150
            while time.monotonic() < deadline and not list((tmp_path / "out").glob("*.json")):
                time.sleep(1)
        finally:
            stop.set()
            thread.join(60)
        keys = scans_by_key(postgres_url)  # each run's site is keyed by its batch
        assert keys and set(keys.values()) == {1}, keys  # each run recorded once
        rows = history.list_scans(postgres_url, site=SITES[0])
        assert len(rows) == len(keys)  # the scheduler's record is the worker's, not a second
        results = [p for p in (tmp_path / "out").glob("*.json") if "summary" not in p.name]
        assert results, list((tmp_path / "out").iterdir())
        log = (tmp_path / "w1.log").read_text()
        assert SITES[0] in log  # the worker scanned it, not the scheduler
    finally:
        pool.stop()
        history.dispose()
