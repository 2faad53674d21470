"""Schedule strings mean what they mean in a crontab, in the configured time zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from digest.triggers import collect_trigger, cron_trigger, parse_interval

LONDON = ZoneInfo("Europe/London")
TUESDAY = datetime(2026, 11, 24, 8, 0, tzinfo=LONDON)


def fires(expression: str, count: int = 3, start: datetime = TUESDAY) -> list[str]:
    trigger, out, previous, now = cron_trigger(expression, LONDON), [], None, start
    for _ in range(count):
        previous = trigger.get_next_fire_time(previous, now)
        out.append(f"{previous:%a %d %H:%M:%S}")
        now = previous + timedelta(seconds=1)
    return out


def test_weekday_zero_is_sunday_as_in_crontab():
    # APScheduler 3 alone reads 0 as Monday; a crontab user means Sunday.
    assert fires("0 7 * * 0", 2) == ["Sun 29 07:00:00", "Sun 06 07:00:00"]
    assert fires("0 7 * * 7", 1) == ["Sun 29 07:00:00"]
    assert fires("30 6 * * 1-5", 4) == [
        "Wed 25 06:30:00",
        "Thu 26 06:30:00",
        "Fri 27 06:30:00",
        "Mon 30 06:30:00",
    ]


def test_day_of_month_or_weekday_fires_on_either_as_in_crontab():
    # "the 1st of the month, and every Sunday": cron ORs the two day fields.
    assert fires("0 7 1 * 0", 3) == ["Sun 29 07:00:00", "Tue 01 07:00:00", "Sun 06 07:00:00"]


def test_six_fields_put_seconds_first():
    assert fires("*/20 0 7 * * *", 3) == ["Wed 25 07:00:00", "Wed 25 07:00:20", "Wed 25 07:00:40"]


@pytest.mark.parametrize(
    ("text", "seconds"), [("30m", 1800), ("2h", 7200), ("1h30m", 5400), ("45s", 45)]
)
def test_intervals(text, seconds):
    assert parse_interval(text).total_seconds() == seconds
    assert collect_trigger(text, LONDON).interval.total_seconds() == seconds


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0m", "interval '0m' must be longer than zero"),
        ("soon", "'soon' is neither an interval (30m, 2h, 1h30m) nor a 5- or 6-field cron"),
    ],
)
def test_bad_collect_values_say_what_is_accepted(text, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        collect_trigger(text, LONDON)
