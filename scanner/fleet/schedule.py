"""Scheduled scans: APScheduler with a persistent job store, one site scan per run.

Schedules live in a SQLite job store (``$XDG_DATA_HOME/cookiescan/schedules.sqlite``, or a
path or SQLAlchemy URL). ``run_scheduler`` runs the due scans until stopped. APScheduler moves
a job's next run time forward in the store *before* the scan runs, so a scheduler that is
restarted, or killed mid-scan, never runs the same occurrence twice (at most once); missed
occurrences while it was down are merged into one run (``coalesce``). A lock file keeps a
second scheduler off the same store.

Each run: the site is scanned in a child process (``scanner.fleet.batch``: the same job a batch
runs), the result is recorded in the history, compared with the site's previous scan, logged,
and, when a webhook is set and findings are new (or the scan failed), a JSON summary is
POSTed to it, signed and retried (``scanner.fleet.webhook``).

A store that cannot be used (corrupt, truncated, locked, read-only, a directory, a bad URL,
a schedule that cannot be read back, down to its function) raises ``StoreError`` before
anything is changed: APScheduler would delete a schedule it cannot read. Schedules that an
older cookiescan wrote, naming a function that has moved since, are pointed at its new place
first, whenever the store is opened (``scanner.fleet.storemigrate``).

Stopping the scheduler (``stop``, ``stop_after``, SIGINT, SIGTERM) stops the scans in flight
too: their worker processes are killed, and the pages they finished stay in their journals.

Example::

    add_schedule("https://www.example.com/", cron="0 3 * * 1", options={"max_pages": 10})
    run_scheduler()                     # blocks; Ctrl-C or SIGTERM stops it
"""

from __future__ import annotations

import datetime as _dt
import fcntl
import itertools
import logging
import pickle
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.base import ConflictingIdError, JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.util import ref_to_obj

from scanner.errors import ConfigError, ScheduleError  # ScheduleError: as before
from scanner.fleet.history import (
    STORE_ERRORS,
    StoreError,
    data_dir,
    db_url,
    shown,
    sqlite_directory,
    store_error,
)
from scanner.fleet.runs import (  # noqa: F401 - stored schedules name run_scheduled_scan here
    _QUEUES,
    _STOPS,
    check_id,
    run_scheduled_scan,
    send_report,
)
from scanner.fleet.sites import canonical_url, config_from_dict, slug
from scanner.fleet.storemigrate import migrate_refs
from scanner.fleet.triggers import parse_trigger

log = logging.getLogger("cookiescan.schedule")
JOB_FUNCTION = "scanner.fleet.schedule:run_scheduled_scan"
STORE = "schedule store"

_numbers = itertools.count(1)


def store_url(store: str | Path | None = None) -> str:
    """The job store's SQLAlchemy URL (from a path, a URL, or the default file)."""
    where = store if store is not None else data_dir() / "schedules.sqlite"
    try:
        return db_url(where)
    except OSError as exc:
        raise store_error(STORE, str(where), exc) from None


def make_scheduler(
    store: str | Path | None = None,
    *,
    workers: int = 1,
    name: str = "cookiescan-scan",
    migrate: bool = True,
) -> BackgroundScheduler:
    """A scheduler on the persistent store; ``workers`` scans may run at once, in threads
    named ``{name}_N``. Schedules an older cookiescan wrote are moved to the current function
    first (``migrate``; ``check_store`` has done it when it ran just before)."""
    url = store_url(store)
    try:
        jobstore = SQLAlchemyJobStore(url=url)
        if migrate:
            migrate_refs(jobstore.engine, jobstore.jobs_t)
    except STORE_ERRORS as exc:
        raise store_error(STORE, url, exc) from None
    return BackgroundScheduler(
        jobstores={"default": jobstore},
        executors={
            "default": ThreadPoolExecutor(workers, pool_kwargs={"thread_name_prefix": name})
        },
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 24 * 3600},
        timezone=_dt.timezone.utc,
    )


def check_store(store: str | Path | None = None) -> None:
    """Open the store, move older schedules, read every schedule back; ``StoreError`` when
    that fails.

    Schedules naming a function where an older cookiescan had it are rewritten first
    (``scanner.fleet.storemigrate``). Then each is read back as APScheduler reads it, down to
    importing its function: APScheduler deletes a schedule it cannot read back; this refuses
    the store instead, and leaves the schedule as it is.
    """
    url = store_url(store)
    if sqlite_directory(url):
        raise StoreError(f"{STORE} {shown(url)}: is a directory, not a database")
    try:
        jobstore = SQLAlchemyJobStore(url=url)
    except STORE_ERRORS as exc:
        raise store_error(STORE, url, exc) from None
    try:
        jobstore.jobs_t.create(jobstore.engine, checkfirst=True)
        migrate_refs(jobstore.engine, jobstore.jobs_t)
        with jobstore.engine.connect() as conn:
            rows = conn.execute(jobstore.jobs_t.select()).all()
    except STORE_ERRORS as exc:
        raise store_error(STORE, url, exc) from None
    finally:
        jobstore.engine.dispose()
    for row in rows:
        problem = _unreadable(row.job_state)
        if problem:
            raise StoreError(f"{STORE} {shown(url)}: schedule {row.id!r} {problem}")


def _unreadable(job_state: bytes) -> str | None:
    """Why APScheduler could not restore this stored job (None when it could)."""
    try:
        state = pickle.loads(job_state)  # noqa: S301 - our own store, as APScheduler reads it
        func = state.get("func") if isinstance(state, dict) else None
        if isinstance(func, str):
            try:
                ref_to_obj(func)
            except LookupError:  # its module or its name is not there
                return (
                    f"names a function this cookiescan does not have ({func!r}); use the"
                    " cookiescan that added it, or restore the store from a backup"
                )
        Job.__new__(Job).__setstate__(state)  # as APScheduler restores it
    except Exception as exc:  # noqa: BLE001 - any way a stored job cannot be read
        return (
            f"cannot be read ({type(exc).__name__}); remove it with `cookiescan schedule"
            " remove` once the store is repaired, or restore the store from a backup"
        )
    return None


@contextmanager
def _paused(store: str | Path | None) -> Iterator[BackgroundScheduler]:
    """A scheduler that reads and writes the store but runs nothing (add, list, remove)."""
    check_store(store)
    scheduler = make_scheduler(store, migrate=False)
    try:
        scheduler.start(paused=True)
        yield scheduler
    except sa.exc.SQLAlchemyError as exc:  # not ScheduleError, a ValueError of our own
        raise store_error(STORE, store_url(store), exc) from None
    finally:
        if scheduler.running:
            _shutdown(scheduler, wait=False)


def add_schedule(
    url: str,
    *,
    cron: str | None = None,
    every: float | None = None,
    options: dict[str, Any] | None = None,
    schedule_id: str | None = None,
    db: str | None = None,
    out_dir: str | None = None,
    webhook: str | None = None,
    webhook_secret: str | None = None,
    store: str | Path | None = None,
    replace: bool = False,
) -> dict[str, Any]:
    """Store a schedule that scans ``url`` (with ``options``, ScanConfig fields); return it.

    Everything is checked before the store is touched: the trigger (a cron expression that
    never fires is refused), the URL (http(s) only, made canonical as a batch's are: an IDN
    host in punycode), the id (``check_id``) and the options. ``webhook_secret`` signs the
    webhook's POSTs (``scanner.fleet.webhook``); it is kept in the store, never listed.
    """
    trigger = parse_trigger(cron, every)
    try:
        url = canonical_url(url)
        config = config_from_dict({**(options or {}), "url": url})
    except (ConfigError, TypeError, ValueError) as exc:
        raise ScheduleError(str(exc)) from None
    if webhook and not webhook.startswith(("http://", "https://")):
        raise ScheduleError(f"webhook must be an http(s) URL, not {webhook!r}")
    if webhook_secret is not None and not (webhook and webhook_secret):
        raise ScheduleError("a webhook secret needs a webhook, and may not be empty")
    schedule_id = check_id(schedule_id or slug(url))
    if db is not None:
        from scanner.fleet import history

        history.check(db)  # a run must be able to record its scan
    spec = {
        "id": schedule_id,
        "config": config.to_dict(),
        "db": db,
        "out_dir": out_dir,
        "webhook": webhook,
        "webhook_secret": webhook_secret,
    }
    with _paused(store) as scheduler:
        try:
            scheduler.add_job(
                JOB_FUNCTION,
                trigger=trigger,
                kwargs={"spec": spec},
                id=schedule_id,
                name=url,
                replace_existing=replace,
            )
        except ConflictingIdError:
            raise ScheduleError(
                f"a schedule {schedule_id!r} exists: remove it, or give --id or --replace"
            ) from None
    return next(s for s in list_schedules(store) if s["id"] == schedule_id)


def list_schedules(store: str | Path | None = None) -> list[dict[str, Any]]:
    """Every stored schedule: id, url, trigger, next run time (UTC), webhook."""
    with _paused(store) as scheduler:
        jobs = scheduler.get_jobs()
    return [
        {
            "id": job.id,
            "url": job.name,
            "trigger": str(job.trigger),
            "next_run_time": job.next_run_time.isoformat() if job.next_run_time else None,
            "webhook": job.kwargs["spec"].get("webhook"),
            "options": job.kwargs["spec"]["config"],
        }
        for job in jobs
    ]


def remove_schedule(schedule_id: str, store: str | Path | None = None) -> None:
    """Delete a schedule; ``ScheduleError`` when there is none by that id."""
    with _paused(store) as scheduler:
        try:
            scheduler.remove_job(schedule_id)
        except JobLookupError:
            raise ScheduleError(f"no schedule {schedule_id!r}") from None


def run_scheduler(
    store: str | Path | None = None,
    *,
    workers: int = 1,
    poll: float = 30.0,
    stop: threading.Event | None = None,
    stop_after: float | None = None,
    queue: str | None = None,
) -> None:
    """Run due scans until ``stop`` is set, ``stop_after`` seconds pass, or SIGINT/SIGTERM.

    With a ``queue`` (a Redis URL), each due scan is sent to the Celery workers on it
    (``cookiescan worker``) instead of running here. Schedules added or removed by other
    processes are seen within ``poll`` seconds. When it
    stops, the scans in flight are stopped too (their worker processes killed), so it stops
    within seconds however long a scan would still take.
    """
    stop = stop or threading.Event()
    check_store(store)
    with _lock(store):
        name = f"cookiescan-scheduler-{next(_numbers)}"
        scheduler = make_scheduler(store, workers=workers, name=name, migrate=False)
        # A no-op job in memory wakes the scheduler up, so it re-reads the store.
        scheduler.add_jobstore("memory", alias="internal")
        scheduler.add_job(_wake, "interval", seconds=poll, jobstore="internal", id="wake")
        try:
            scheduler.start()
        except sa.exc.SQLAlchemyError as exc:
            raise store_error(STORE, store_url(store), exc) from None
        _STOPS[name] = stop
        if queue:
            _QUEUES[name] = queue
        log.info("scheduler started on %s: %d schedule(s)", store_url(store), _count(scheduler))
        previous = _on_signals(stop)
        try:
            stop.wait(stop_after)
        finally:
            stop.set()  # the scans in flight see it and stop (``run_scheduled_scan``)
            _shutdown(scheduler, wait=True)
            _STOPS.pop(name, None)
            _QUEUES.pop(name, None)
            _restore_signals(previous)
            log.info("scheduler stopped")


def _shutdown(scheduler: BackgroundScheduler, *, wait: bool) -> None:
    """Stop ``scheduler``, then close its store's connections again: its thread, woken up to
    stop, looks at the store once more after APScheduler closed it (a connection left open)."""
    scheduler.shutdown(wait=wait)
    scheduler._lookup_jobstore("default").shutdown()  # noqa: SLF001 - no public accessor


def _wake() -> None:
    """Nothing: running at all makes the scheduler look at the store again."""


def _count(scheduler: BackgroundScheduler) -> int:
    return len(scheduler.get_jobs(jobstore="default"))


@contextmanager
def _lock(store: str | Path | None) -> Iterator[None]:
    url = store_url(store)
    if not url.startswith("sqlite:///"):
        yield  # a shared database: one scheduler per store is the operator's job
        return
    path = Path(url[len("sqlite:///") :] + ".lock")
    with path.open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ScheduleError(f"another scheduler is running on {url}") from None
        yield


def _on_signals(stop: threading.Event) -> dict[int, Any]:
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous: dict[int, Any] = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.signal(signum, lambda *_: stop.set())
    return previous


def _restore_signals(previous: dict[int, Any]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)
