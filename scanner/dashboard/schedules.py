"""The schedule store as the dashboard sees it: list (when a store exists), pause, resume.

``scanner.fleet.schedule`` owns the store; this reads it without creating it (a dashboard
over a history with no schedules shows none) and pauses or resumes a schedule in place, as
APScheduler does it: a paused schedule has no next run time, so a running
``cookiescan schedule run`` skips it until it is resumed.

Example::

    pause(store, "www.example.com"); resume(store, "www.example.com")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from apscheduler.jobstores.base import JobLookupError

from scanner.errors import ScheduleError
from scanner.fleet.history import site_key
from scanner.fleet.schedule import list_schedules, make_scheduler, store_url


def exists(store: str | None) -> bool:
    """Whether the schedule store exists (a SQLite file is never created just to look)."""
    url = store_url(store)
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///") :]).is_file()
    return True


def list_all(store: str | None) -> list[dict[str, Any]]:
    """Every schedule (none when the store does not exist), with its site and paused state."""
    if not exists(store):
        return []
    return [
        {**{k: v for k, v in s.items() if k != "options"}, "site": site_key(s["url"]),
         "paused": s["next_run_time"] is None,
         "max_pages": s["options"].get("max_pages"), "phases": s["options"].get("phases")}
        for s in list_schedules(store)
    ]  # fmt: skip


def by_site(store: str | None) -> dict[str, list[dict[str, Any]]]:
    """The schedules of each site (``history.site_key`` of their URL)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for entry in list_all(store):
        out.setdefault(entry["site"], []).append(entry)
    return out


def pause(store: str | None, schedule_id: str) -> None:
    """Pause a schedule (``ScheduleError`` when there is none by that id)."""
    _change(store, schedule_id, "pause")


def resume(store: str | None, schedule_id: str) -> None:
    """Resume a paused schedule: its next run is the trigger's next time from now."""
    _change(store, schedule_id, "resume")


def spec(store: str | None, schedule_id: str) -> dict[str, Any]:
    """What a run of the schedule does (``run_scheduled_scan``'s argument)."""
    if not exists(store):
        raise ScheduleError(f"no schedule {schedule_id!r}")
    scheduler = make_scheduler(store)
    scheduler.start(paused=True)
    try:
        job = scheduler.get_job(schedule_id)
    finally:
        scheduler.shutdown(wait=False)
    if job is None:
        raise ScheduleError(f"no schedule {schedule_id!r}")
    return dict(job.kwargs["spec"])


def _change(store: str | None, schedule_id: str, action: str) -> None:
    if not exists(store):
        raise ScheduleError(f"no schedule {schedule_id!r}")
    scheduler = make_scheduler(store)
    scheduler.start(paused=True)
    try:
        if action == "pause":
            scheduler.pause_job(schedule_id)
        else:
            scheduler.resume_job(schedule_id)
    except JobLookupError:
        raise ScheduleError(f"no schedule {schedule_id!r}") from None
    finally:
        scheduler.shutdown(wait=False)
