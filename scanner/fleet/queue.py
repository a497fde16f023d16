"""Site scans on Celery workers over a Redis broker: the app, the one task, and enqueueing.

One task scans one site with the same code as a local batch (``batch.run_job``, in the worker
process: one browser per worker process at a time), records the result in the history database
and the site's state in ``batchstate``. Nothing is lost and nothing is recorded twice:

- tasks are acknowledged late and given back when their worker dies (``acks_late``,
  ``task_reject_on_worker_lost``); the broker hands an unacknowledged task to another worker
  once the ``visibility_timeout`` passes, which is longer than a site's hard time limit;
- each task has a soft and a hard time limit (``batch.default_site_timeout``);
- a failed site is tried again ``retries`` times, then ends ``failed`` with its reason;
- the record is idempotent (``history.record(key="BATCH/NAME")``): a task delivered again after
  its record is not recorded again; a result whose record failed (database away) stays in the
  worker's spool folder and the task retries the record, not the scan.

Evidence packs (``batch --queue … --evidence DIR``): each task carries its site's pack folder,
``DIR/NAME`` made absolute (``packs.with_site_pack``), so DIR must be storage every worker
reaches at that same path. The signing key never travels through the broker: a job that names
one is refused, and each worker signs with its own (``make_app(evidence_key=…)``,
``cookiescan worker --evidence-key``).

Example::

    app = make_app("redis://127.0.0.1:6379/0", "postgresql+psycopg://scanner@db/history")
    batch_id = enqueue_batch(app, jobs)        # then: cookiescan worker --queue … --db …
"""

from __future__ import annotations

import os
import shutil
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from celery import Celery
from celery.signals import worker_process_init

import reports
from scanner.collect.events import Event
from scanner.errors import ConfigError
from scanner.fleet import batchstate, history, packs
from scanner.fleet.batch import (
    BatchStopped,
    _line,
    _write_json,
    default_site_timeout,
    describe,
    paths,
    read_result,
    run_job,
    save_result,
    summarise,
)
from scanner.fleet.sites import Job

TASK = "cookiescan.scan_site"
#: Seconds before the broker gives an unacknowledged task to another worker. It must be longer
#: than any site's hard time limit (default: 3 phases x 600 s + 300 s = 2,100 s).
VISIBILITY_TIMEOUT = float(os.environ.get("COOKIESCAN_VISIBILITY_TIMEOUT", 3 * 3600))
#: Times a failing site is tried again before it ends ``failed``.
RETRIES = int(os.environ.get("COOKIESCAN_RETRIES", 2))
#: Seconds before a retry (doubled each time).
RETRY_DELAY = float(os.environ.get("COOKIESCAN_RETRY_DELAY", 10))
#: Tries of a record whose database is away, 5 s apart, before the task gives up.
RECORD_TRIES = 60


def make_app(
    queue: str,
    db: str | None = None,
    *,
    spool: str | Path | None = None,
    evidence_key: str | None = None,
) -> Celery:
    """The Celery app on broker ``queue`` (``redis://HOST:PORT/N``) recording into ``db``;
    a worker's evidence packs are signed with its ``evidence_key`` file (unsigned without)."""
    app = Celery("cookiescan", broker=queue, set_as_current=False)
    interval = max(1, min(10, int(VISIBILITY_TIMEOUT / 10)))
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": VISIBILITY_TIMEOUT,
            "unacked_restore_interval": interval,
            "unacked_restore_throttle": 1,
        },
        worker_hijack_root_logger=False,
        cookiescan_db=db,
        cookiescan_spool=str(spool or history.data_dir() / "queue-spool"),
        cookiescan_evidence_key=str(Path(evidence_key).absolute()) if evidence_key else None,
    )
    app.task(bind=True, name=TASK, acks_late=True, max_retries=None)(scan_site)
    return app


@worker_process_init.connect
def _fresh_connections(**_kwargs: Any) -> None:
    """A forked worker process opens its own database connections."""
    history._engines.clear()


def new_batch_id() -> str:
    return "b-" + uuid.uuid4().hex[:12]


def limits(job: Job, site_timeout: float | None = None) -> tuple[float, float]:
    """(soft, hard) seconds for a site: the local batch's site timeout, then a tenth of it
    (at most 60 s) to close the browser and write the error."""
    soft = site_timeout or default_site_timeout(job.config)
    return soft, soft + min(60.0, soft / 10 + 2)


def enqueue_batch(
    app: Celery,
    jobs: list[Job],
    db: str | None = None,
    *,
    out_dir: str | None = None,
    site_timeout: float | None = None,
) -> str:
    """Record a batch of ``jobs`` in ``db`` and send one task per site; return its id.

    A job that keeps evidence gets its own pack folder, an absolute path the workers write."""
    batch_id = new_batch_id()
    jobs = [packs.with_site_pack(job, absolute=True) for job in jobs]
    for job in jobs:
        _check_limits(job, site_timeout)
    check_broker(app)
    batchstate.create(db, batch_id, jobs, out_dir=out_dir)
    for job in jobs:
        _send(app, batch_id, job, site_timeout)
    return batch_id


def enqueue_site(
    queue: str, job: Job, db: str | None = None, *, site_timeout: float | None = None
) -> str:
    """Send one site scan to the workers on ``queue`` (the scheduler calls this); its batch id.

    The scan is recorded in the history like any other, ``source="queue"``.
    """
    app = make_app(queue, db)
    batch_id = new_batch_id()
    _check_limits(job, site_timeout)
    check_broker(app)
    batchstate.add_site(db, batch_id, job)
    _send(app, batch_id, job, site_timeout)
    return batch_id


def check_broker(app: Celery) -> None:
    """Connect to the broker once (two quick tries): kombu's error when it is not there."""
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0.5)


def _check_limits(job: Job, site_timeout: float | None) -> None:
    if job.config.get("evidence_key"):
        raise ConfigError(
            f"{job.name}: the workers sign the evidence packs; give the key to cookiescan "
            "worker --evidence-key (a signing key never travels through the queue)"
        )
    hard = limits(job, site_timeout)[1]
    if hard >= VISIBILITY_TIMEOUT:
        raise ConfigError(
            f"{job.name}: a site time limit of {hard:.0f} s needs a visibility timeout longer "
            f"than that (COOKIESCAN_VISIBILITY_TIMEOUT is {VISIBILITY_TIMEOUT:.0f} s)"
        )


def _send(app: Celery, batch_id: str, job: Job, site_timeout: float | None = None) -> None:
    soft, hard = limits(job, site_timeout)
    app.send_task(
        TASK,
        args=[batch_id, job.to_dict()],
        task_id=f"{batch_id}/{job.name}",
        soft_time_limit=soft,
        time_limit=hard,
    )


# -- the task, in a worker ------------------------------------------------------------------


def scan_site(task: Any, batch_id: str, job: dict[str, Any]) -> dict[str, Any]:
    """Scan one site (or find it done), record it once, set its state; its outcome."""
    db, name = task.app.conf.cookiescan_db, job["name"]
    key = f"{batch_id}/{name}"
    before = batchstate.start(db, batch_id, name)
    if before is not None and before["status"] in batchstate.FINAL:
        return before["outcome"] or {}  # delivered again after it was finished
    signing = task.app.conf.cookiescan_evidence_key
    if signing and job["config"].get("evidence_dir"):  # the worker's own key, never the task's
        job = {**job, "config": {**job["config"], "evidence_key": signing}}
    spool = Path(task.app.conf.cookiescan_spool) / batch_id
    spool.mkdir(parents=True, exist_ok=True)
    files = paths(spool, name)
    if files["result"].exists():  # scanned before, but its record failed or was cut short
        result = read_result(files["result"])
        outcome = describe(name, result).to_dict()
        outcome["result_file"] = str(files["result"])
    else:
        with files["log"].open("a", encoding="utf-8") as log:
            outcome = run_job(job, spool, progress=lambda m: print(m, file=log, flush=True))
    outcome["attempts"] = (before or {}).get("attempts", 0) + 1
    outcome["worker"] = task.request.hostname
    if outcome["status"] == "failed":
        if task.request.retries < RETRIES:
            batchstate.set_status(db, batch_id, name, "retrying", outcome)
            raise task.retry(countdown=RETRY_DELAY * 2**task.request.retries)
        batchstate.finish(db, batch_id, name, outcome, None)
        return outcome
    try:
        result = read_result(files["result"])
        scan_id = history.record(result, db, source="queue", key=key)
        outcome["history_id"] = scan_id
        batchstate.finish(db, batch_id, name, outcome, scan_id)
    except history.StoreError as exc:  # the database is away: keep the file, retry the record
        if task.request.retries >= RETRIES + RECORD_TRIES:
            raise
        print(f"{name}: not recorded yet ({exc}); trying again in 5 s", file=_stderr())
        raise task.retry(countdown=5, exc=exc) from None
    files["result"].unlink(missing_ok=True)  # in the history now; the client writes its own
    shutil.rmtree(reports.shots_folder(files["result"]), ignore_errors=True)
    return outcome


def _stderr() -> Any:
    import sys

    return sys.stderr


# -- the client that waits ------------------------------------------------------------------


def wait_batch(
    db: str | None,
    batch_id: str,
    jobs: list[Job],
    out_dir: str | Path,
    *,
    progress: Any = None,
    poll: float = 1.0,
    skipped: dict[str, dict[str, Any]] | None = None,
    cancel: threading.Event | None = None,
) -> dict[str, Any]:
    """Wait for every site of the batch; write its result (from the history) or error file in
    ``out_dir`` as it finishes, then the summary, as a local batch does; return the summary.

    ``progress`` gets the events of a local batch (``batch``, ``site-start`` when a worker
    takes a site, ``site`` when it is done) and ``site-retry``, so the CLI draws the same bar.
    ``cancel`` (a stopping scheduler) ends the wait with ``BatchStopped``; the workers still
    finish and record the sites."""
    say = progress or (lambda _m: None)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    outcomes = dict(skipped or {})
    pending = {job.name for job in jobs if job.name not in outcomes}
    total, done = len(pending), 0
    if total:
        say(Event(f"{total} site(s) to scan on the workers (batch {batch_id})", "batch",
                  phase="sites", total=total, batch=batch_id))  # fmt: skip
    seen: dict[str, tuple[str, int]] = {}
    while pending:
        for row in batchstate.sites(db, batch_id):
            if row["name"] not in pending:
                continue
            if row["status"] not in batchstate.FINAL:
                if (row["status"], row["attempts"]) != seen.get(row["name"], ("queued", 0)):
                    seen[row["name"]] = (row["status"], row["attempts"])
                    say(_moved(row, done, total))
                continue
            outcomes[row["name"]] = outcome = _write_files(row, out, db)
            pending.discard(row["name"])
            done += 1
            say(_line(done, total, outcome))
        if pending and cancel is not None and cancel.wait(poll):
            raise BatchStopped(f"stopped while waiting for the workers (batch {batch_id})")
        if pending and cancel is None:
            time.sleep(poll)
    summary = {"batch": batch_id, **summarise(jobs, outcomes, out, time.monotonic() - started)}
    _write_json(out / "batch-summary.json", summary)
    return summary


def _moved(row: dict[str, Any], done: int, total: int) -> Event:
    """A site a worker took (``site-start``) or will try again (``site-retry``)."""
    name, url, attempt = row["name"], row["url"], row["attempts"]
    if row["status"] == "retrying":
        reason = (row["outcome"] or {}).get("reason", "")
        text = f"retrying {name} ({url}) after attempt {attempt}: {reason}"
        return Event(text, "site-retry", phase="sites", name=name, url=url, attempt=attempt,
                     errors=[reason])  # fmt: skip
    return Event(f"started {name} ({url}), attempt {attempt}", "site-start", phase="sites",
                 name=name, url=url, done=done, total=total, attempt=attempt)  # fmt: skip


def _write_files(row: dict[str, Any], out: Path, db: str | None) -> dict[str, Any]:
    outcome = dict(row["outcome"] or {})
    files = paths(out, row["name"])
    if row["scan_id"] is not None:
        save_result(files["result"], history.load(row["scan_id"], db))
        outcome["result_file"] = str(files["result"])
        outcome["history_id"] = row["scan_id"]
        files["error"].unlink(missing_ok=True)
    else:
        outcome["result_file"] = None
        _write_json(files["error"], outcome)
    outcome["attempts"] = row["attempts"]
    return outcome
