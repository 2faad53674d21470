"""Schedule strings from config.yaml -> APScheduler 3 triggers, checked when the config loads.

Why croniter as well as APScheduler: APScheduler 3's `CronTrigger.from_crontab` reads a numeric
day of week as 0 = Monday, so "0 7 * * 0" would fire on Mondays, not Sundays as in every crontab.
croniter parses and validates the expression with crontab's meaning (0 and 7 = Sunday, steps,
ranges, names); we hand APScheduler the expanded values with day names, which it cannot misread.
"""

from __future__ import annotations

import re
from datetime import timedelta, tzinfo

from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from croniter import CroniterError, croniter

_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab numbering: 0 = Sunday
_INTERVAL = re.compile(r"^(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?$")


def _field(values: list) -> str:
    return "*" if values == ["*"] else ",".join(str(v) for v in values)


def cron_trigger(expression: str, timezone: tzinfo) -> CronTrigger | OrTrigger:
    """A crontab expression (5 fields, or 6 with seconds first) as a trigger in `timezone`.

    Raises ValueError with croniter's reason when the expression is not valid.
    """
    fields = expression.split()
    if len(fields) not in (5, 6):
        raise ValueError(
            f"cron expression {expression!r} has {len(fields)} fields; "
            "use 5 (minute hour day month weekday) or 6 with seconds first"
        )
    try:
        expanded, _ = croniter.expand(expression, second_at_beginning=len(fields) == 6)
    except CroniterError as exc:
        raise ValueError(f"cron expression {expression!r} is not valid: {exc}") from None
    minute, hour, day, month, weekday = expanded[:5]
    second = expanded[5] if len(fields) == 6 else [0]
    weekdays = "*" if weekday == ["*"] else ",".join(_DAY_NAMES[int(d) % 7] for d in weekday)
    common = dict(
        second=_field(second),
        minute=_field(minute),
        hour=_field(hour),
        month=_field(month),
        timezone=timezone,
    )
    if day != ["*"] and weekday != ["*"]:
        # crontab fires when EITHER the day of the month OR the weekday matches ("0 7 1 * 1":
        # the 1st and every Monday); APScheduler's CronTrigger requires both, so combine two.
        return OrTrigger(
            [
                CronTrigger(day=_field(day), **common),
                CronTrigger(day_of_week=weekdays, **common),
            ]
        )
    return CronTrigger(day=_field(day), day_of_week=weekdays, **common)


def parse_interval(text: str) -> timedelta:
    """ "30m", "2h", "1h30m", "45s" -> timedelta. Raises ValueError on anything else."""
    match = _INTERVAL.match(text.strip())
    if not text.strip() or not match or not any(match.groupdict().values()):
        raise ValueError(f"interval {text!r} is not valid; write it like 30m, 2h, 1h30m or 45s")
    parts = {k: int(v or 0) for k, v in match.groupdict().items()}
    delta = timedelta(hours=parts["h"], minutes=parts["m"], seconds=parts["s"])
    if delta <= timedelta(0):
        raise ValueError(f"interval {text!r} must be longer than zero")
    return delta


def collect_trigger(expression: str, timezone: tzinfo) -> CronTrigger | IntervalTrigger:
    """`schedule.collect` is either an interval ("30m") or a cron expression."""
    if _INTERVAL.match(expression.strip()):
        seconds = parse_interval(expression).total_seconds()
        return IntervalTrigger(seconds=seconds, timezone=timezone)
    if len(expression.split()) < 5:
        raise ValueError(
            f"{expression!r} is neither an interval (30m, 2h, 1h30m) nor a 5- or 6-field cron"
        )
    return cron_trigger(expression, timezone)
