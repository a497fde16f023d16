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
POSTed to it.

Example::

    add_schedule("https://www.example.com/", cron="0 3 * * 1", options={"max_pages": 10})
    run_scheduler()                     # blocks; Ctrl-C or SIGTERM stops it
"""

from __future__ import annotations

import datetime as _dt
import fcntl
import json
import logging
import signal
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from apscheduler.jobstores.base import ConflictingIdError, JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from scanner.errors import (
    ConfigError,
    ScheduleError,  # raised here; importable from here as before
)
from scanner.fleet.batch import run_batch
from scanner.fleet.history import data_dir, db_url
from scanner.fleet.sites import Job, config_from_dict, slug

log = logging.getLogger("cookiescan.schedule")
JOB_FUNCTION = "scanner.fleet.schedule:run_scheduled_scan"


def store_url(store: str | Path | None = None) -> str:
    """The job store's SQLAlchemy URL (from a path, a URL, or the default file)."""
    return db_url(store if store is not None else data_dir() / "schedules.sqlite")


def make_scheduler(store: str | Path | None = None, *, workers: int = 1) -> BackgroundScheduler:
    """A scheduler on the persistent store; ``workers`` scans may run at once."""
    return BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=store_url(store))},
        executors={"default": {"type": "threadpool", "max_workers": workers}},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 24 * 3600},
        timezone=_dt.timezone.utc,
    )


@contextmanager
def _paused(store: str | Path | None) -> Iterator[BackgroundScheduler]:
    """A scheduler that reads and writes the store but runs nothing (add, list, remove)."""
    scheduler = make_scheduler(store)
    scheduler.start(paused=True)
    try:
        yield scheduler
    finally:
        scheduler.shutdown(wait=False)


def parse_trigger(cron: str | None, every: float | None) -> CronTrigger | IntervalTrigger:
    """A trigger from a crontab expression (5 fields, UTC) or an interval in seconds."""
    if bool(cron) == bool(every):
        raise ScheduleError("give either a cron expression or an interval")
    if every:
        return IntervalTrigger(seconds=every, timezone=_dt.timezone.utc)
    fields = str(cron).split()
    if len(fields) != 5:
        raise ScheduleError(f"invalid cron expression {cron!r}: 5 fields expected")
    minute, hour, day, month, day_of_week = fields
    if day not in ("*", "?") and day_of_week not in ("*", "?"):
        # cron runs when EITHER matches; APScheduler would need both: refuse to guess.
        raise ScheduleError(f"{cron!r}: restrict the day of the month or of the week, not both")
    try:
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=cron_day_of_week(day_of_week),
            timezone=_dt.timezone.utc,
        )
    except ValueError as exc:
        raise ScheduleError(f"invalid cron expression {cron!r}: {exc}") from None


_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def cron_day_of_week(field: str) -> str:
    """A crontab day-of-week field (0 or 7 = Sunday) as APScheduler 3 day names.

    APScheduler 3 counts 0 = Monday, so ``CronTrigger.from_crontab("0 3 * * 1")`` fires on
    Tuesdays; this translation keeps cron's meaning.

    >>> cron_day_of_week("1"), cron_day_of_week("1-5"), cron_day_of_week("*/3")
    ('mon', 'mon,tue,wed,thu,fri', 'sun,wed,sat')
    """
    if field in ("*", "?"):
        return "*"
    days: set[int] = set()
    for part in field.lower().split(","):
        span, _, step_text = part.partition("/")
        try:
            step = int(step_text) if step_text else 1
            if span in ("*", "?"):
                low, high = 0, 6
            elif "-" in span:
                first, last = span.split("-", 1)
                low, high = _day(first), _day(last)
            else:
                low = _day(span)
                high = 6 if step_text else low
        except ValueError:
            raise ScheduleError(f"invalid day of the week {field!r}") from None
        if high < low or step < 1:
            raise ScheduleError(f"invalid day of the week {field!r}")
        days.update(d % 7 for d in range(low, high + 1, step))
    return ",".join(_DAYS[d] for d in sorted(days))


def _day(token: str) -> int:
    if token[:3] in _DAYS:
        return _DAYS.index(token[:3])
    number = int(token)
    if not 0 <= number <= 7:
        raise ValueError(token)
    return number


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
    store: str | Path | None = None,
    replace: bool = False,
) -> dict[str, Any]:
    """Store a schedule that scans ``url`` (with ``options``, ScanConfig fields); return it."""
    trigger = parse_trigger(cron, every)
    try:
        config = config_from_dict({**(options or {}), "url": url})
    except (ConfigError, TypeError, ValueError) as exc:
        raise ScheduleError(str(exc)) from None
    if webhook and not webhook.startswith(("http://", "https://")):
        raise ScheduleError(f"webhook must be an http(s) URL, not {webhook!r}")
    schedule_id = schedule_id or slug(url)
    spec = {
        "id": schedule_id,
        "config": config.to_dict(),
        "db": db,
        "out_dir": out_dir,
        "webhook": webhook,
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
) -> None:
    """Run due scans until ``stop`` is set, ``stop_after`` seconds pass, or SIGINT/SIGTERM.

    Schedules added or removed by other processes are seen within ``poll`` seconds.
    """
    stop = stop or threading.Event()
    with _lock(store):
        scheduler = make_scheduler(store, workers=workers)
        # A no-op job in memory wakes the scheduler up, so it re-reads the store.
        scheduler.add_jobstore("memory", alias="internal")
        scheduler.add_job(_wake, "interval", seconds=poll, jobstore="internal", id="wake")
        scheduler.start()
        log.info("scheduler started on %s: %d schedule(s)", store_url(store), _count(scheduler))
        previous = _on_signals(stop)
        try:
            stop.wait(stop_after)
        finally:
            scheduler.shutdown(wait=True)
            _restore_signals(previous)
            log.info("scheduler stopped")


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


# -- one run -----------------------------------------------------------------------------------


def run_scheduled_scan(spec: dict[str, Any]) -> dict[str, Any]:
    """Scan the schedule's site once: record, compare, log, notify. Returns the run summary."""
    from scanner.analyse.diff import diff_results, finding_dict, new_findings
    from scanner.fleet import history
    from scanner.model import ScanResult

    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = Path(spec.get("out_dir") or data_dir() / "schedules" / spec["id"])
    log.info("run %s: scanning %s", spec["id"], spec["config"]["url"])
    summary = run_batch([Job(f"{slug(spec['config']['url'])}-{stamp}", spec["config"])], out)
    outcome = summary["outcomes"][0]
    report: dict[str, Any] = {
        "schedule": spec["id"],
        "url": spec["config"]["url"],
        "status": outcome["status"],
        "reason": outcome.get("reason", ""),
        "result_file": outcome.get("result_file"),
    }
    if outcome.get("result_file"):
        with open(outcome["result_file"], encoding="utf-8") as handle:
            result = ScanResult.from_dict(json.load(handle))
        old = history.previous(result, spec.get("db"))
        report["scan_id"] = history.record(result, spec.get("db"), source="schedule")
        report["started_at"] = result.started_at
        report["previous_started_at"] = old.started_at if old else None
        report["new_findings"] = [finding_dict(f) for f in new_findings(result, old)]
        report["changes"] = diff_results(old, result)["totals"] if old else None
        log.info(
            "run %s: %s, %d page(s), %d finding(s), %d new; history scan %s",
            spec["id"], outcome["status"], outcome["pages"], len(result.findings),
            len(report["new_findings"]), report["scan_id"],
        )  # fmt: skip
    else:
        report["new_findings"] = []
        log.warning("run %s: failed: %s", spec["id"], report["reason"])
    if spec.get("webhook") and (report["new_findings"] or report["status"] == "failed"):
        notify(spec["webhook"], report)
    return report


def notify(url: str, payload: dict[str, Any], timeout: float = 10.0) -> bool:
    """POST ``payload`` as JSON to ``url``; log and return False when that fails."""
    body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            ok = 200 <= response.status < 300
    except OSError as exc:
        log.warning("webhook %s failed: %s", url, exc)
        return False
    log.info("webhook %s: %s", url, "sent" if ok else "refused")
    return ok
