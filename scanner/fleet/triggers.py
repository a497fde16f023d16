"""Triggers of scheduled scans: a crontab expression (5 fields, UTC) or an interval.

Cron expressions are read by ``cronsim`` (the parser of Healthchecks.io), as cron reads them:
``1`` is Monday, ``0`` and ``7`` are Sunday, and when both the day of the month and the day of
the week are restricted, a day that matches either one fires (``0 3 1 * 1``: the 1st and every
Monday), as in Debian's cron. An expression that can never fire (``0 3 30 2 *``) is refused.

Example::

    parse_trigger("0 3 * * 1", None)     # Mondays at 03:00 UTC, as cron means it
    parse_trigger(None, 3600)            # every hour
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger
from cronsim import CronSim, CronSimError

from scanner.errors import ScheduleError

#: The longest interval ``--every`` takes (ten years): a later first run cannot be stored.
MAX_INTERVAL = 10 * 366 * 24 * 3600.0

UTC = _dt.timezone.utc
FIELDS = ("minute", "hour", "day-of-month", "month", "day-of-week")
#: What each field takes, for the message of a bad one.
RANGES = {
    "minute": "0-59",
    "hour": "0-23",
    "day-of-month": "1-31 or L",
    "month": "1-12 or JAN-DEC",
    "day-of-week": "0-7 or SUN-SAT (0 and 7 are Sunday)",
}


class CronTrigger(BaseTrigger):
    """An APScheduler trigger that fires when a crontab expression (UTC) matches.

    Stored in the job store by pickle as its expression alone, so a stored schedule reads
    back the same with any later version of ``cronsim``.

    >>> trigger = CronTrigger("0 3 * * 1")
    >>> str(trigger)
    "cron[0 3 * * 1, 'UTC']"
    >>> trigger.get_next_fire_time(None, _dt.datetime(2026, 11, 23, 3, tzinfo=UTC)).isoformat()
    '2026-11-23T03:00:00+00:00'
    """

    __slots__ = ("expression",)

    def __init__(self, expression: str) -> None:
        self.expression = check_cron(expression)

    def get_next_fire_time(
        self, previous_fire_time: _dt.datetime | None, now: _dt.datetime
    ) -> _dt.datetime | None:
        """The first match after ``previous_fire_time``, or at or after ``now`` when none."""
        if previous_fire_time is not None:
            start = previous_fire_time.astimezone(UTC)  # the next one is strictly later
        else:
            start = now.astimezone(UTC) - _dt.timedelta(microseconds=1)  # ``now`` may fire
        try:
            return next(CronSim(self.expression, start.replace(microsecond=0)))
        except (StopIteration, CronSimError):
            return None

    def __getstate__(self) -> dict[str, Any]:
        return {"version": 1, "expression": self.expression}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.expression = state["expression"]

    def __str__(self) -> str:
        return f"cron[{self.expression}, 'UTC']"

    def __repr__(self) -> str:
        return f"<CronTrigger ({self.expression!r}, timezone='UTC')>"


def parse_trigger(cron: str | None, every: float | None) -> CronTrigger | IntervalTrigger:
    """A trigger from a crontab expression (5 fields, UTC) or an interval in seconds."""
    if bool(cron) == bool(every):
        raise ScheduleError("give either a cron expression or an interval")
    if every:
        if not (math.isfinite(every) and 1 <= every <= MAX_INTERVAL):
            raise ScheduleError(
                f"every {every:g} s: the interval must be a number of seconds from 1 to "
                f"{MAX_INTERVAL:.0f} (ten years)"
            )
        return IntervalTrigger(seconds=every, timezone=UTC)
    return CronTrigger(str(cron))


def check_cron(cron: str) -> str:
    """``cron`` with its fields joined by one space, or ``ScheduleError`` saying which field
    is wrong, or that the expression never fires.

    >>> check_cron("0  3 * * mon")
    '0 3 * * mon'
    >>> check_cron("0 3 30 2 *")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    scanner.errors.ScheduleError: cron expression '0 3 30 2 *' never fires: no month ... day 30
    """
    fields = str(cron).split()
    if len(fields) != 5:
        raise ScheduleError(
            f"invalid cron expression {cron!r}: 5 fields expected "
            f"({' '.join(FIELDS)}), got {len(fields)}"
        )
    expression = " ".join(fields)
    now = _dt.datetime.now(UTC)
    try:
        first = next(CronSim(expression, now), None)
    except CronSimError as exc:
        raise ScheduleError(_explain(expression, fields, str(exc))) from None
    if first is None:
        raise ScheduleError(f"cron expression {expression!r} never fires")
    return expression


def _explain(expression: str, fields: list[str], message: str) -> str:
    """One line for a refused expression: the field at fault and what it takes, or the
    day of the month that no month it names has (``0 3 30 2 *``)."""
    field = next((f for f in FIELDS if f in message.lower()), "")
    if field == "day-of-month":
        any_month = " ".join([*fields[:3], "*", fields[4]])
        try:
            days = CronSim(any_month, _dt.datetime.now(UTC)).days
        except CronSimError:
            pass  # the day of the month itself is wrong
        else:
            return (
                f"cron expression {expression!r} never fires: no month it names has a "
                f"day {min(days)}"
            )
    if field:
        index = FIELDS.index(field)
        return (
            f"invalid cron expression {expression!r}: bad {field} {fields[index]!r} "
            f"(takes {RANGES[field]}, lists, ranges and */steps)"
        )
    return f"invalid cron expression {expression!r}: {message}"
