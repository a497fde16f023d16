"""``make bench-queue``: sites per minute through the Celery queue with 1 and 2 workers.

Starts a real ``redis-server`` and PostgreSQL (as the tests do, ``tests/servers.py``) and a
local web of generated sites (``qb<n>.example.net``: a home page linking to the other pages,
each loading three third-party resources, one setting a cookie), then, for 1 and 2 workers
(``cookiescan worker --concurrency 1`` each, one browser each), enqueues SITES sites with
``cookiescan batch --queue`` and waits for all of them to be recorded. Printed: sites/min, and
seconds per site per worker. The scan: one phase, PAGES pages, 0.5 s dwell (a small site:
compare ratios, then scale by what one of your sites costs, docs/scaling.md).

Usage: ``python -m benchmarks.queue_bench [--sites N] [--pages N]``
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scanner.demo.localweb import LocalWeb, Reply
from scanner.fleet import history
from scanner.fleet.queue import enqueue_batch, make_app, wait_batch
from scanner.fleet.sites import Job

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import servers  # noqa: E402 - tests/servers.py: the real redis-server and PostgreSQL

PAGES = 4


def site(path: str, _method: str) -> Reply:
    links = "".join(f'<a href="/p{i}">page {i}</a>' for i in range(1, PAGES))
    third = "".join(
        f'<img src="https://{h}/pixel.gif?p={path}">' for h in ("t1.example.org", "t2.example.org")
    )
    script = '<script>document.cookie = "_bench=1; max-age=86400; path=/";</script>'
    body = f"<html><head><title>{path}</title>{script}</head><body>{links}{third}</body></html>"
    return Reply(200, body.encode(), [("Content-Type", "text/html")], delay=0.1)


def start_workers(count: int, queue: str, db: str, tmp: Path) -> list[subprocess.Popen]:
    procs = []
    tmp.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        env = dict(os.environ, XDG_DATA_HOME=str(tmp / f"w{n}"))
        args = ["worker", "--queue", queue, "--db", db, "--concurrency", "1", "--name", f"b{n}@q"]
        with (tmp / f"w{n}.log").open("ab") as log:
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-c", "from scanner.cli import main; main()", *args],
                    stdout=log,
                    stderr=log,
                    env=env,
                    start_new_session=True,
                )
            )
    app = make_app(queue, db)
    deadline = time.monotonic() + 90
    while len(app.control.inspect(timeout=1).ping() or {}) < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"workers not ready; see {tmp}")
    return procs


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for proc in procs:
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def measure(workers: int, sites: int, queue: str, db: str, web: LocalWeb, tmp: Path) -> dict:
    procs = start_workers(workers, queue, db, tmp / f"run{workers}")
    try:
        config = {
            "browser_args": list(web.browser_args()),
            "ignore_https_errors": True,
            "phases": ["no-interaction"],
            "max_pages": PAGES,
            "dwell": 0.5,
            "use_sitemap": False,
        }
        jobs = [
            Job(f"qb{n}.example.net", {**config, "url": f"https://qb{n}.example.net/"})
            for n in range(sites)
        ]
        started = time.monotonic()
        batch_id = enqueue_batch(make_app(queue, db), jobs, db)
        summary = wait_batch(db, batch_id, jobs, tmp / f"out{workers}", poll=0.25)
        seconds = time.monotonic() - started
    finally:
        stop(procs)
    done = summary["ok"] + summary["page_errors"]
    return {
        "workers": workers,
        "sites": sites,
        "done": done,
        "failed": summary["failed"],
        "seconds": round(seconds, 1),
        "sites_per_minute": round(done / seconds * 60, 1),
        "seconds_per_site_per_worker": round(seconds * workers / max(1, done), 2),
    }


def main() -> None:
    global PAGES
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=12)
    parser.add_argument("--pages", type=int, default=PAGES)
    args = parser.parse_args()
    PAGES = args.pages
    with tempfile.TemporaryDirectory(prefix="cookiescan-qbench-") as name:
        tmp = Path(name)
        redis_proc, port = servers.start_redis(tmp)
        pg = servers.Postgres().start()
        routes = {f"qb{n}.example.net": site for n in range(args.sites)}
        try:
            with LocalWeb(routes=routes) as web:
                for workers in (1, 2):
                    db = pg.create_database(f"bench{workers}")
                    row = measure(workers, args.sites, f"redis://127.0.0.1:{port}/0", db, web, tmp)
                    history.dispose()
                    print(
                        f"{row['workers']} worker(s): {row['done']}/{row['sites']} sites in "
                        f"{row['seconds']} s = {row['sites_per_minute']} sites/min "
                        f"({row['seconds_per_site_per_worker']} s per site per worker, "
                        f"{row['failed']} failed)",
                        flush=True,
                    )
        finally:
            pg.stop()
            redis_proc.terminate()
            redis_proc.wait()


if __name__ == "__main__":
    main()
