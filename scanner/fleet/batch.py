"""Scan many sites: a list of jobs, a few at a time, one result file per site, resumable.

A *job* is one site scan with plain-JSON inputs and outputs, so a task queue could run the
same job on another machine later::

    {"name": "www.example.com", "config": {...ScanConfig fields...}}
        -> OUT/www.example.com.json          the result (the site is done)
        -> OUT/www.example.com.error.json    why it failed (retried on the next run)
        -> OUT/www.example.com.json.partial.jsonl   pages so far, while it runs
        -> OUT/www.example.com.log           its progress lines
        -> EVIDENCE/www.example.com/         its sealed evidence pack (``scanner.fleet.packs``)

``run_job`` runs one job in this process; ``run_batch`` runs each job in a child process
(``python -m scanner.fleet.batch``, the job on stdin), ``jobs`` at once, and skips sites whose
result exists. A killed batch loses only the pages in flight: a site that was cut short is
scanned again on the next run, and its old journal is kept as ``NAME.interrupted-N.jsonl``.

Each child runs in a process group of its own (Ctrl-C in a terminal is the parent's to handle)
with Playwright's driver, and, on Linux, gets SIGKILL when its parent dies, even by SIGKILL
(``prctl(PR_SET_PDEATHSIG)``). Its browser closes when the driver's pipe does, so a killed
batch or scheduler leaves no worker, driver or Chromium running. A child over its time limit,
or every child once ``cancel`` is set, is killed with its process group.

Example::

    jobs = load_sites("sites.toml")
    summary = run_batch(jobs, "out/", concurrency=2, progress=print)
"""

from __future__ import annotations

import ctypes
import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import reports
from scanner.collect.events import Event
from scanner.errors import redact_url
from scanner.fleet import packs
from scanner.fleet.sites import Job, config_from_dict
from scanner.model import ScanResult

Progress = Callable[[str], None]
# Page errors that still leave a loaded start page; any other on the start page fails the site
# (unreachable, tls, timeout, http status, redirect-loop, crash, proxy...).
BENIGN_START_ERRORS = {"dialog", "popup", "internal"}
#: The environment variable that tells a child which process it must not outlive.
PARENT_ENV = "COOKIESCAN_BATCH_PARENT"
_PR_SET_PDEATHSIG = 1


class BatchStopped(Exception):
    """``run_batch`` was cancelled: the sites in flight were killed (their journals kept)."""


@dataclass
class Outcome:
    """What became of a job: ``ok``, ``page-errors`` (saved, some pages failed), ``failed``,
    or ``skipped`` (already done by an earlier run); ``evidence``: its sealed pack's folder."""

    name: str
    url: str
    status: str
    reason: str = ""
    result_file: str | None = None
    pages: int = 0
    page_errors: int = 0
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)
    evidence: str | None = None

    def __post_init__(self) -> None:
        # The summary and the error files keep no URL credentials (user:pass@, a proxy's).
        self.url, self.reason = redact_url(self.url), redact_url(self.reason)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def paths(out_dir: str | Path, name: str) -> dict[str, Path]:
    """Where job ``name`` keeps its files in ``out_dir``."""
    out = Path(out_dir)
    return {
        "result": out / f"{name}.json",
        "journal": out / f"{name}.json.partial.jsonl",
        "error": out / f"{name}.error.json",
        "log": out / f"{name}.log",
    }


def run_job(job: dict[str, Any], out_dir: str | Path, progress: Progress | None = None) -> dict:
    """Scan one site in this process; write its result or its error file; return an outcome.

    The job and the outcome are plain JSON, so any worker can run this. A job that keeps
    evidence writes its pack in ``packs.attempt_folder`` of its ``evidence_dir``.
    """
    from scanner import scan

    name, files = job["name"], paths(out_dir, job["name"])
    url = job["config"].get("url", "")
    started = time.monotonic()
    files["error"].unlink(missing_ok=True)
    try:
        config = config_from_dict(job["config"])
        if config.evidence_dir:  # never a sealed pack; a killed attempt's half pack is cleared
            folder = str(packs.attempt_folder(config.evidence_dir))
            config = dataclasses.replace(config, evidence_dir=folder)
        result = scan(config, journal=files["journal"], progress=progress)
    except Exception as exc:  # noqa: BLE001 - one broken site never stops the batch
        outcome = Outcome(name, url, "failed", f"{type(exc).__name__}: {exc}".strip())
        outcome.seconds = round(time.monotonic() - started, 2)
        _write_json(files["error"], outcome.to_dict())
        return outcome.to_dict()
    outcome = describe(name, result)
    outcome.seconds = round(time.monotonic() - started, 2)
    if outcome.status == "failed":
        _write_json(files["error"], outcome.to_dict())
    else:
        save_result(files["result"], result)
        outcome.result_file = str(files["result"])
    files["journal"].unlink(missing_ok=True)
    return outcome.to_dict()


def describe(name: str, result: ScanResult) -> Outcome:
    """The outcome of a finished scan: failed when its start page never loaded."""
    visits = [v for p in result.phases for v in p.visits]
    start = next((v for v in visits if v.depth == 0), None)
    outcome = Outcome(name, result.start_url, "ok", pages=len(visits))
    outcome.page_errors = sum(1 for v in visits if v.errors)
    folder = (result.config or {}).get("evidence_dir")
    outcome.evidence = folder if folder and packs.sealed(folder) else None
    if start is None:
        outcome.status, outcome.reason = "failed", "the start page was not visited"
    elif fatal := [e for e in start.errors if e.kind not in BENIGN_START_ERRORS]:
        outcome.status = "failed"
        outcome.reason = f"start page: {fatal[0].kind}: {fatal[0].message}"
    elif outcome.page_errors:
        outcome.status = "page-errors"
    return outcome


def save_result(path: Path, result: ScanResult) -> None:
    """A site's result as JSON, atomically, its banner screenshots as PNG files beside it
    (``reports.write``: ``NAME.screenshots/``); ``read_result`` puts them back."""
    reports.write(result, "json", path, include_cookie_values=True)


def read_result(path: Path) -> ScanResult:
    """The result ``save_result`` wrote, its screenshots read back from their folder."""
    return reports.load_result(path)


def _write_json(path: Path, data: Any) -> None:
    """Write atomically: a file that exists is always complete."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


# -- many jobs --------------------------------------------------------------------------------


def default_site_timeout(config: dict[str, Any]) -> float:
    """Seconds before a site scan is killed: its crawl budget per phase, plus set-up slack."""
    budget = config.get("time_budget") or 600.0
    return budget * max(1, len(config.get("phases") or ())) + 300.0


def run_batch(
    jobs: list[Job],
    out_dir: str | Path,
    *,
    concurrency: int = 2,
    progress: Progress | None = None,
    site_timeout: float | None = None,
    on_done: Callable[[dict[str, Any]], None] | None = None,
    cancel: threading.Event | None = None,
) -> dict[str, Any]:
    """Run ``jobs``, ``concurrency`` sites at once, each in a child process; return a summary.

    Sites whose result file exists are skipped. ``on_done(outcome)`` is called in this
    process after each site that ran (e.g. to record it in the history). Once ``cancel`` is
    set, the sites in flight are killed and ``BatchStopped`` is raised.
    """
    say = progress or (lambda _msg: None)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    outcomes: dict[str, dict[str, Any]] = {}
    pending: list[Job] = []
    for job in map(packs.with_site_pack, jobs):
        files = paths(out, job.name)
        if files["result"].exists():
            outcomes[job.name] = skipped_outcome(job, files["result"])
        else:
            pending.append(job)
    if outcomes:
        say(f"{len(outcomes)} of {len(jobs)} site(s) already done in {out}: skipped")
    running: dict[str, tuple[subprocess.Popen[bytes], float, float, Job]] = {}
    total, done = len(pending), 0
    if total:
        say(Event(f"{total} site(s) to scan", "batch", phase="sites", total=total))
    try:
        while pending or running:
            if cancel is not None and cancel.is_set():
                for proc, *_ in running.values():
                    _kill(proc)
                names = ", ".join(running) or "no site in flight"
                raise BatchStopped(f"cancelled: {names} killed; pages so far kept in {out}")
            while pending and len(running) < max(1, concurrency):
                job = pending.pop(0)
                limit = site_timeout or default_site_timeout(job.config)
                proc = _start(job, out, say, done, total)
                running[job.name] = (proc, time.monotonic(), limit, job)
            time.sleep(0.1)
            for name, (proc, t0, limit, job) in list(running.items()):
                if proc.poll() is None and time.monotonic() - t0 < limit:
                    continue
                if proc.returncode is None:  # over its time limit
                    _kill(proc)
                    reason = f"timed out after {limit:.0f} s"
                else:
                    reason = f"the scan process exited with code {proc.returncode}"
                del running[name]
                outcome = _collect(job, out, reason, time.monotonic() - t0)
                outcomes[name] = outcome
                done += 1
                say(_line(done, total, outcome))
                if on_done:
                    on_done(outcome)
    except BaseException:  # Ctrl-C, a failing on_done: no child outlives the batch
        for proc, *_ in running.values():
            _kill(proc)
        raise
    return summarise(jobs, outcomes, out, time.monotonic() - started)


def skipped_outcome(job: Job, result_file: Path) -> dict[str, Any]:
    """The outcome of a site done by an earlier run (with its last sealed pack, if any)."""
    folder = job.config.get("evidence_dir")
    pack = packs.latest(folder) if folder else None
    return Outcome(job.name, job.config["url"], "skipped", "done in an earlier run",
                   str(result_file), evidence=str(pack) if pack else None).to_dict()  # fmt: skip


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Kill a child and its process group (its Playwright driver; Chromium follows)."""
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except OSError:  # already gone
        pass
    proc.wait()


def _start(job: Job, out: Path, say: Progress, done: int, total: int) -> subprocess.Popen[bytes]:
    files = paths(out, job.name)
    if files["journal"].exists():  # cut short by a kill: keep its pages, scan it again
        number = 1
        while (kept := out / f"{job.name}.interrupted-{number}.jsonl").exists():
            number += 1
        os.replace(files["journal"], kept)
        say(f"{job.name}: an earlier run was cut short; its pages are kept in {kept.name}")
    url = redact_url(job.config["url"])
    say(Event(f"started {job.name} ({url})", "site-start", phase="sites", name=job.name,
              url=url, done=done, total=total))  # fmt: skip
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    env[PARENT_ENV] = str(os.getpid())
    group: dict[str, Any] = {"process_group": 0} if os.name == "posix" else {}
    with files["log"].open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "scanner.fleet.batch", str(out)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=log,
            env=env,
            **group,
        )
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(job.to_dict()).encode())
    proc.stdin.close()
    return proc


def _collect(job: Job, out: Path, reason: str, seconds: float) -> dict[str, Any]:
    files = paths(out, job.name)
    if files["error"].exists():
        outcome = json.loads(files["error"].read_text(encoding="utf-8"))
    elif files["result"].exists():
        result = read_result(files["result"])
        outcome = describe(job.name, result).to_dict()
        outcome["result_file"] = str(files["result"])
    else:  # the process died without a word: crash, OOM killer, timeout
        tail = _tail(files["log"])
        outcome = Outcome(job.name, job.config["url"], "failed", reason + tail).to_dict()
        if files["journal"].exists():
            outcome["extra"] = {"journal": str(files["journal"])}
    outcome["seconds"] = round(seconds, 2)
    outcome["log"] = str(files["log"])
    return outcome


def _tail(log: Path) -> str:
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return f"; last log line: {lines[-1][:300]}" if lines else ""


def _line(done: int, total: int, outcome: dict[str, Any]) -> Event:
    """A site is done: the line people read, with its facts (kind ``site``) for the progress
    bar and ``--progress json``; a failed site carries its reason in ``errors``."""
    status = outcome["status"]
    detail = (
        outcome["reason"]
        if status == "failed"
        else f"{outcome['pages']} page(s), {outcome['page_errors']} with errors"
    )
    text = f"[{done}/{total}] {status}: {outcome['name']} - {detail} ({outcome['seconds']:.1f} s)"
    errors = [outcome["reason"]] if status == "failed" else []
    return Event(text, "site", phase="sites", done=done, found=total, name=outcome["name"],
                 url=outcome["url"], status=status, pages=outcome["pages"],
                 seconds=outcome["seconds"], errors=errors)  # fmt: skip


def summarise(
    jobs: list[Job], outcomes: dict[str, dict[str, Any]], out: Path, seconds: float
) -> dict[str, Any]:
    """The batch summary: counts, failures with reasons, one outcome per site (file order)."""
    ordered = [outcomes[j.name] for j in jobs if j.name in outcomes]
    count = {s: sum(1 for o in ordered if o["status"] == s) for s in _STATUSES}
    ran = len(ordered) - count["skipped"]
    summary = {
        "out_dir": str(out),
        "sites": len(jobs),
        **{s.replace("-", "_"): n for s, n in count.items()},
        "seconds": round(seconds, 1),
        "sites_per_minute": round(ran / seconds * 60, 2) if ran and seconds else None,
        "failures": [
            {"name": o["name"], "url": o["url"], "reason": o["reason"], "log": o.get("log")}
            for o in ordered
            if o["status"] == "failed"
        ],
        "outcomes": ordered,
    }
    _write_json(out / "batch-summary.json", summary)
    return summary


_STATUSES = ("ok", "page-errors", "failed", "skipped")


def die_with_parent() -> None:
    """Linux: get SIGKILL when the process named by ``$COOKIESCAN_BATCH_PARENT`` dies.

    Called first thing in a child (no ``preexec_fn``: the parent may have threads). When the
    parent died before this call, the child is already an orphan: it exits at once.
    """
    parent = os.environ.get(PARENT_ENV)
    if not parent or not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no prctl: the parent's kill on exit still applies
        return
    if str(os.getppid()) != parent:
        os._exit(1)


def main() -> None:
    """``python -m scanner.fleet.batch OUT_DIR``: run the job read from stdin (a child process)."""
    die_with_parent()
    job = json.loads(sys.stdin.read())
    outcome = run_job(job, sys.argv[1], progress=lambda msg: print(msg, file=sys.stderr))
    sys.exit(1 if outcome["status"] == "failed" else 0)


if __name__ == "__main__":
    main()
