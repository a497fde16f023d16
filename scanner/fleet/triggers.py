"""Triggers of scheduled scans: a crontab expression (5 fields, UTC) or an interval.

Example::

    parse_trigger("0 3 * * 1", None)     # Mondays at 03:00 UTC, as cron means it
    parse_trigger(None, 3600)            # every hour
"""

from __future__ import annotations

import datetime as _dt
import math

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from scanner.errors import ScheduleError

#: The longest interval ``--every`` takes (ten years): a later first run cannot be stored.
MAX_INTERVAL = 10 * 366 * 24 * 3600.0


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
