"""Scans started from the dashboard: a one-off scan of a URL, or "run now" of a schedule.

Each runs here, on this machine: a worker thread of this server starts the scan in a child
process (``scanner.fleet.batch``, the job a batch or a schedule runs) and records the result
in the history. There is no queue yet; when there is one, these jobs go to it instead. The
child writes its progress lines to a log file; ``Task.to_dict`` reads the last of them, which
is what the progress page shows live.

Example::

    tasks = Tasks(settings)
    task = tasks.start_scan("https://www.example.com/", {"max_pages": 5})
    tasks.get(task.id).to_dict()["state"]        # queued, running, done or failed
"""

from __future__ import annotations

import datetime as _dt
import itertools
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scanner.config import ScanConfig
from scanner.dashboard import schedules
from scanner.dashboard.settings import Settings
from scanner.errors import ConfigError
from scanner.fleet import history
from scanner.fleet.batch import paths, read_result, run_batch
from scanner.fleet.history import data_dir, db_url, site_key
from scanner.fleet.schedule import run_scheduled_scan
from scanner.fleet.sites import Job, slug

LOG_LINES = 40
log = logging.getLogger("cookiescan.dashboard")


@dataclass
class Task:
    """One scan started from the dashboard, and what became of it."""

    id: str
    kind: str  # "scan" or "run-now"
    url: str
    schedule: str | None = None
    state: str = "queued"  # queued, running, done, failed
    message: str = ""
    created_at: str = field(default_factory=lambda: _now())
    started_at: str | None = None
    finished_at: str | None = None
    scan_id: int | None = None
    recorded_in: str | None = None
    log: Path | None = None
    log_dir: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "url": self.url,
            "site": site_key(self.url),
            "schedule": self.schedule,
            "state": self.state,
            "message": self.message,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "scan_id": self.scan_id,
            "recorded_in": self.recorded_in,
            "log": self._tail(),
        }

    def _tail(self) -> list[str]:
        log = self.log
        if log is None and self.log_dir is not None and self.started_at:
            # a schedule's run names its log itself: the newest one since this task started
            started = _dt.datetime.fromisoformat(self.started_at).timestamp() - 1
            logs = [p for p in self.log_dir.glob("*.log") if p.stat().st_mtime >= started]
            log = max(logs, key=lambda p: p.stat().st_mtime, default=None)
        if log is None:
            return []
        try:
            lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return []
        return [line[:500] for line in lines[-LOG_LINES:]]


class Tasks:
    """The scans started from this dashboard: ``settings.workers`` run at once, in order."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._pool = ThreadPoolExecutor(settings.workers, thread_name_prefix="cookiescan-scan")
        self._tasks: dict[str, Task] = {}
        self._futures: dict[str, Future[None]] = {}  # every worker kept, never lost
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)

    def get(self, task_id: str) -> Task:
        """The task ``task_id``; ``KeyError`` when this server started none by that id."""
        with self._lock:
            return self._tasks[task_id]

    def all(self) -> list[Task]:
        with self._lock:
            return sorted(self._tasks.values(), key=lambda t: t.created_at, reverse=True)

    def start_scan(self, url: str, options: dict[str, Any]) -> Task:
        """Scan ``url`` once with ``options`` (``ScanConfig`` fields); ``ConfigError`` when
        the URL or an option is wrong. The result is recorded in the dashboard's history."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"give an http(s) URL to scan, not {url!r}")
        config = ScanConfig.from_dict({**self.settings.scan_defaults, **options, "url": url})
        task = self._new("scan", url)
        name = f"{slug(url)}-{task.id}"
        out = self.settings.scans_dir() / name
        task.log = paths(out, name)["log"]
        self._submit(task, lambda: self._scan(task, Job(name, config.to_dict()), out))
        return task

    def run_schedule(self, schedule_id: str) -> Task:
        """Run schedule ``schedule_id`` now, as the scheduler would (``ScheduleError`` when
        there is none): recorded where the schedule records, its webhook told of new
        findings."""
        spec = schedules.spec(self.settings.store, schedule_id)
        task = self._new("run-now", spec["config"]["url"], schedule=schedule_id)
        task.log_dir = Path(spec.get("out_dir") or data_dir() / "schedules" / spec["id"])
        task.recorded_in = _where(spec.get("db"))
        self._submit(task, lambda: self._run_schedule(task, spec))
        return task

    def close(self) -> None:
        """Stop taking scans and drop those still waiting. Scans already running finish and
        are recorded: the process waits for them as it exits (a second Ctrl-C abandons them,
        and their results stay in their folders, unrecorded)."""
        running = [t for t in self.all() if t.state == "running"]
        if running:
            log.warning("waiting for %d running scan(s) to finish: %s", len(running),
                        ", ".join(t.url for t in running))  # fmt: skip
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- in a worker thread -----------------------------------------------------------------

    def _new(self, kind: str, url: str, schedule: str | None = None) -> Task:
        stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
        task = Task(f"{stamp}-{next(self._numbers)}", kind, url, schedule=schedule)
        with self._lock:
            self._tasks[task.id] = task
        return task

    def _submit(self, task: Task, work: Any) -> None:
        def run() -> None:
            task.state, task.started_at = "running", _now()
            try:
                work()
            except Exception as exc:  # noqa: BLE001 - a failed scan is a task's outcome
                task.state, task.message = "failed", f"{type(exc).__name__}: {exc}"
            finally:
                task.finished_at = _now()

        future = self._pool.submit(run)
        with self._lock:
            self._futures[task.id] = future

    def _scan(self, task: Task, job: Job, out: Path) -> None:
        summary = run_batch([job], out, concurrency=1)
        outcome = summary["outcomes"][0]
        if not outcome.get("result_file"):
            task.state, task.message = "failed", outcome.get("reason") or outcome["status"]
            return
        result = read_result(Path(outcome["result_file"]))
        task.scan_id = history.record(result, self.settings.db, source="dashboard")
        task.recorded_in = _where(self.settings.db)
        task.state = "done"
        task.message = f"{outcome['status']}: {outcome['pages']} page(s) scanned"

    def _run_schedule(self, task: Task, spec: dict[str, Any]) -> None:
        report = run_scheduled_scan(spec)
        task.scan_id = report.get("scan_id")
        if task.scan_id is None:
            task.state, task.message = "failed", report.get("reason") or report["status"]
            return
        task.state = "done"
        task.message = f"{report['status']}: {len(report['new_findings'])} new finding(s)"
        if _where(spec.get("db")) != _where(self.settings.db):
            task.message += f"; recorded in the schedule's history ({task.recorded_in})"


def _where(db: str | None) -> str:
    """A history database as the user named it, passwords hidden."""
    url = db_url(db)
    parts = urlsplit(url)
    if parts.password:
        url = url.replace(f":{parts.password}@", ":***@")
    return url


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
