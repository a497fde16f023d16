"""One scheduled run: scan the schedule's site, record it, compare it, log it, notify.

The site is scanned in a child process (``scanner.fleet.batch``, the job a batch runs) or,
when the scheduler was started with a queue (``schedule run --queue``), sent to the Celery
workers (``scanner.fleet.queue``) and waited for: a scheduler and a fleet of workers then form
a monitoring service. Either way the result is recorded in the history once (a queued site's
record is keyed by batch and site, so the worker's record and the scheduler's are one),
compared with the site's previous scan, and, when a webhook is set and findings are new (or
the scan failed), a JSON summary is POSTed to it, signed and retried
(``scanner.fleet.webhook``).

Stored schedules name ``scanner.fleet.schedule:run_scheduled_scan``, which is this function.
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
import threading
from pathlib import Path
from typing import Any

from scanner.errors import ScheduleError, first_line
from scanner.fleet.batch import BatchStopped, read_result, run_batch
from scanner.fleet.history import StoreError, data_dir
from scanner.fleet.sites import SAFE_NAME, Job, slug
from scanner.fleet.webhook import SECRET_ENV, notify

log = logging.getLogger("cookiescan.schedule")

# The stop event and the queue (if any) of each running scheduler, by the thread name prefix
# of its scan workers: a scan finds its scheduler's settings there.
_STOPS: dict[str, threading.Event] = {}
_QUEUES: dict[str, str] = {}


def check_id(schedule_id: str) -> str:
    """``schedule_id``, or ``ScheduleError``: it names the folder of the schedule's results,
    so no ``/`` and no ``..`` (nothing outside the schedules folder)."""
    if isinstance(schedule_id, str) and SAFE_NAME.fullmatch(schedule_id):
        return schedule_id
    raise ScheduleError(f"invalid schedule id {schedule_id!r}: use 1 to 120 letters, digits, "
                        "'.', '_' or '-', not starting with '.'")  # fmt: skip


def _stop_event() -> threading.Event | None:
    """The stop event of the scheduler whose scan worker runs this code, if any."""
    thread = threading.current_thread().name
    return next((e for prefix, e in _STOPS.items() if thread.startswith(prefix + "_")), None)


def _queue() -> str | None:
    """The queue of the scheduler whose scan worker runs this code, if it has one."""
    thread = threading.current_thread().name
    return next((q for prefix, q in _QUEUES.items() if thread.startswith(prefix + "_")), None)


def _scan(job: Job, out: Path, spec: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """Scan ``job`` here, or on the workers of the scheduler's queue; the batch summary and
    the history key of a queued scan."""
    queue = _queue()
    if not queue:
        return run_batch([job], out, cancel=_stop_event()), None
    from scanner.fleet import queue as workers

    batch_id = workers.enqueue_site(queue, job, spec.get("db"))
    log.info("run %s: sent to the workers on the queue as batch %s", spec["id"], batch_id)
    summary = workers.wait_batch(spec.get("db"), batch_id, [job], out, cancel=_stop_event())
    return summary, f"{batch_id}/{job.name}"


def run_scheduled_scan(spec: dict[str, Any]) -> dict[str, Any]:
    """Scan the schedule's site once: record, compare, log, notify. Returns the run summary.

    Never raises (APScheduler would log a traceback): a failure is logged in one line and
    reported as ``status="failed"``; a scan stopped with its scheduler as ``"stopped"``.
    """
    try:
        return _run_scheduled_scan(spec)
    except BatchStopped as exc:
        log.warning("run %s: stopped with the scheduler: %s", spec.get("id"), exc)
        return {"schedule": spec.get("id"), "status": "stopped", "reason": str(exc)}
    except Exception as exc:  # noqa: BLE001 - one line in the log, the scheduler goes on
        reason = f"{type(exc).__name__}: {first_line(exc, default='')}".rstrip(": ")
        log.error("run %s: failed: %s", spec.get("id"), reason)
        return {"schedule": spec.get("id"), "status": "failed", "reason": reason}


def _run_scheduled_scan(spec: dict[str, Any]) -> dict[str, Any]:
    from scanner.analyse.diff import diff_results, finding_dict, new_findings
    from scanner.fleet import history

    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = Path(spec.get("out_dir") or data_dir() / "schedules" / check_id(spec["id"]))
    log.info("run %s: scanning %s", spec["id"], spec["config"]["url"])
    job = Job(f"{slug(spec['config']['url'])}-{stamp}", spec["config"])
    summary, key = _scan(job, out, spec)
    outcome = summary["outcomes"][0]
    report: dict[str, Any] = {
        "schedule": spec["id"],
        "url": spec["config"]["url"],
        "status": outcome["status"],
        "reason": outcome.get("reason", ""),
        "result_file": outcome.get("result_file"),
    }
    if outcome.get("result_file"):
        result = read_result(Path(outcome["result_file"]))
        report["started_at"] = result.started_at
        report["new_findings"] = []
        try:
            old = history.previous(result, spec.get("db"))
            report["scan_id"] = history.record(result, spec.get("db"), source="schedule", key=key)
        except StoreError as exc:
            log.error("run %s: not recorded in the history: %s", spec["id"], exc)
            report["history_error"] = str(exc)
        else:
            report["previous_started_at"] = old.started_at if old else None
            report["new_findings"] = [finding_dict(f) for f in new_findings(result, old)]
            report["changes"] = diff_results(old, result)["totals"] if old else None
        log.info(
            "run %s: %s, %d page(s), %d finding(s), %d new; history scan %s",
            spec["id"], outcome["status"], outcome["pages"], len(result.findings),
            len(report["new_findings"]), report.get("scan_id"),
        )  # fmt: skip
    else:
        report["new_findings"] = []
        log.warning("run %s: failed: %s", spec["id"], report["reason"])
    if spec.get("webhook") and (report["new_findings"] or report["status"] == "failed"):
        send_report(spec, report)
    return report


def send_report(spec: dict[str, Any], report: dict[str, Any]) -> bool:
    """POST a run's report to the webhook, signed with the schedule's secret (or
    ``$COOKIESCAN_WEBHOOK_SECRET``); a stopping scheduler stops the retries."""
    secret = spec.get("webhook_secret") or os.environ.get(SECRET_ENV) or None
    return notify(spec["webhook"], report, secret=secret, cancel=_stop_event())
