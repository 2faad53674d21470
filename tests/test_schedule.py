"""The scheduling rules, called as plain functions with explicit tz-aware datetimes."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from helpers import LONDON, NOW, add_article, write_config
from stories import story  # noqa: F401  (test_serve imports it from here)

from digest.config import load_config
from digest.health import read_health
from digest.pipeline import run_once
from digest.schedule import (
    COLLECT_JOB,
    DIGEST_JOB,
    build_scheduler,
    digest_job,
    last_slot,
    run_due,
    slot_key,
)
from digest.staging import stage
from digest.state import State
from digest.status import status_lines
from digest.triggers import cron_trigger

UTC = timezone.utc


def digest_titles(out_dir: Path) -> dict[str, list[str]]:
    return {
        p.stem: [item["title"] for item in json.loads(p.read_text())["items"]]
        for p in sorted(out_dir.glob("digest-*.json"))
    }


# --- DST: 07:00 in London is 07:00 local on both sides of each clock change ---------------


@pytest.mark.parametrize(
    ("after", "fires", "offset_hours"),
    [
        # March 2026: clocks go forward at 01:00 GMT on Sunday 29th.
        (datetime(2026, 3, 28, 6, 0, tzinfo=LONDON), datetime(2026, 3, 28, 7, 0), 0),
        (datetime(2026, 3, 28, 8, 0, tzinfo=LONDON), datetime(2026, 3, 29, 7, 0), 1),
        # October 2026: clocks go back at 02:00 BST on Sunday 25th.
        (datetime(2026, 10, 24, 8, 0, tzinfo=LONDON), datetime(2026, 10, 25, 7, 0), 0),
        (datetime(2026, 10, 23, 8, 0, tzinfo=LONDON), datetime(2026, 10, 24, 7, 0), 1),
    ],
)
def test_daily_digest_fires_at_seven_local_across_clock_changes(after, fires, offset_hours):
    trigger = cron_trigger("0 7 * * *", LONDON)
    fire = trigger.get_next_fire_time(None, after)
    assert fire.replace(tzinfo=None) == fires
    assert fire.utcoffset() == timedelta(hours=offset_hours)


def test_consecutive_firings_are_23_and_25_hours_apart_on_change_days():
    trigger = cron_trigger("0 7 * * *", LONDON)
    saturday = trigger.get_next_fire_time(None, datetime(2026, 3, 28, 0, 0, tzinfo=LONDON))
    sunday = trigger.get_next_fire_time(saturday, saturday + timedelta(microseconds=1))
    assert sunday.astimezone(UTC) - saturday.astimezone(UTC) == timedelta(hours=23)
    saturday = trigger.get_next_fire_time(None, datetime(2026, 10, 24, 0, 0, tzinfo=LONDON))
    sunday = trigger.get_next_fire_time(saturday, saturday + timedelta(microseconds=1))
    assert sunday.astimezone(UTC) - saturday.astimezone(UTC) == timedelta(hours=25)


def test_last_slot_looks_back_across_the_clock_change():
    trigger = cron_trigger("0 7 * * *", LONDON)
    # 06:59 BST on the first BST morning: the last slot was 07:00 GMT the day before.
    slot = last_slot(trigger, datetime(2026, 3, 29, 6, 59, tzinfo=LONDON))
    assert slot == datetime(2026, 3, 28, 7, 0, tzinfo=LONDON)
    assert slot.utcoffset() == timedelta(0)
    slot = last_slot(trigger, datetime(2026, 3, 29, 7, 0, tzinfo=LONDON))
    assert slot.replace(tzinfo=None) == datetime(2026, 3, 29, 7, 0)
    assert slot.utcoffset() == timedelta(hours=1)


def test_a_slot_in_the_repeated_hour_is_built_once(tmp_path, articles):
    # When clocks go back, 01:30 happens twice; APScheduler 3 fires at both. Like cron, we
    # build once: the second occurrence (fold=1) is not a slot, so its firing finds it done.
    trigger = cron_trigger("30 1 * * *", LONDON)
    first = datetime(2026, 10, 25, 1, 30, tzinfo=LONDON)  # BST, fold=0
    second = datetime(2026, 10, 25, 1, 30, fold=1, tzinfo=LONDON)  # GMT, an hour later
    again = trigger.get_next_fire_time(first, second)  # APScheduler fires a second time
    assert (again.hour, again.minute, again.utcoffset()) == (1, 30, timedelta(0))
    assert last_slot(trigger, second + timedelta(minutes=5)).utcoffset() == timedelta(hours=1)

    config = load_config(write_config(tmp_path, schedule={"digest": "30 1 * * *"}))
    add_article(articles, "a.txt", story(1))
    assert run_due(config, now=first).reason == "built"
    add_article(articles, "b.txt", story(2))
    assert run_due(config, now=second).reason == "already done"


def test_last_slot_walks_through_the_repeated_hour_without_looping():
    # Stepping on by one microsecond of local wall time inside the repeated hour goes back
    # to the first occurrence: last_slot steps in UTC, or it would never return.
    trigger = cron_trigger("*/20 * * * *", LONDON)
    slot = last_slot(trigger, datetime(2026, 10, 25, 2, 10, tzinfo=LONDON))
    assert slot == datetime(2026, 10, 25, 2, 0, tzinfo=LONDON)
    inside = last_slot(trigger, datetime(2026, 10, 25, 1, 50, fold=1, tzinfo=LONDON))
    assert (inside.hour, inside.minute, inside.fold) == (1, 40, 0)


@pytest.mark.parametrize(
    ("expression", "now", "expected"),
    [
        ("*/3 * * * * *", datetime(2026, 11, 24, 7, 0, 7, 500000, tzinfo=LONDON), (7, 0, 6)),
        ("0 7 * * *", NOW, (7, 0, 0)),  # exactly at the slot: it is the slot
        ("0 7 * * *", NOW - timedelta(seconds=1), (7, 0, 0)),  # the day before
    ],
)
def test_last_slot_is_the_latest_fire_time_at_or_before_now(expression, now, expected):
    slot = last_slot(cron_trigger(expression, LONDON), now)
    assert (slot.hour, slot.minute, slot.second) == expected
    assert slot <= now < slot + timedelta(days=1)


def test_last_slot_of_sparse_schedules():
    # Sunday is 0 in crontab (APScheduler 3 alone would read it as Monday; see triggers.py).
    assert last_slot(cron_trigger("0 7 * * 0", LONDON), NOW) == datetime(
        2026, 11, 22, 7, 0, tzinfo=LONDON
    )
    assert last_slot(cron_trigger("0 7 1 1 *", LONDON), NOW) == datetime(
        2026, 1, 1, 7, 0, tzinfo=LONDON
    )


# --- the digest job: the state, not the job store, decides what was done ------------------


@pytest.fixture
def daily(tmp_path: Path):
    return load_config(write_config(tmp_path, schedule={"digest": "0 7 * * *"}))


def test_a_slot_is_built_once_and_later_articles_wait_for_the_next_slot(daily, articles):
    add_article(articles, "a.txt", story(1))
    first = run_due(daily, now=NOW)
    assert first.reason == "built" and first.report.articles == 1
    with State(daily.state) as state:
        assert state.last_digest().slot == slot_key(NOW)

    add_article(articles, "b.txt", story(2))
    # Same slot again (a restart, a catch-up, a late duplicate firing): never a second digest.
    assert run_due(daily, now=NOW + timedelta(hours=3)).reason == "already done"
    assert run_due(daily, now=NOW + timedelta(hours=3), catch_up=True).reason == "already done"

    nxt = run_due(daily, now=NOW + timedelta(days=1, minutes=2))
    assert nxt.reason == "built"
    assert list(digest_titles(daily.output.dir).values()) == [
        [story(1).partition("\n")[0]],
        [story(2).partition("\n")[0]],
    ]


def test_a_slot_with_nothing_new_is_recorded_as_done(daily, articles):
    # Otherwise a restart at 09:00 would build the 07:00 digest late from articles that
    # arrived after 07:00, and the 07:00 slot would have two outcomes.
    assert run_due(daily, now=NOW).reason == "nothing new"
    add_article(articles, "a.txt", story(1))
    assert run_due(daily, now=NOW + timedelta(hours=2), catch_up=True).reason == "already done"
    assert not daily.output.dir.exists() or not list(daily.output.dir.glob("digest-*"))


def test_first_start_waits_for_the_first_slot(daily, articles):
    # A state that never ran a slot cannot tell "missed" from "new install": wait.
    add_article(articles, "a.txt", story(1))
    assert run_due(daily, now=NOW + timedelta(hours=2), catch_up=True).reason == "first start"
    assert run_due(daily, now=NOW + timedelta(hours=2)).reason == "built"


def test_catch_up_builds_a_missed_slot_once(daily, articles):
    # The machine was off at 07:00 on the 24th; the state's last slot is two days earlier.
    add_article(articles, "a.txt", story(1))
    run_due(daily, now=NOW - timedelta(days=2))
    add_article(articles, "b.txt", story(2))
    due = run_due(daily, now=NOW + timedelta(hours=5), catch_up=True)
    assert due.reason == "built" and due.slot == NOW and due.report.articles == 1
    assert run_due(daily, now=NOW + timedelta(hours=5), catch_up=True).reason == "already done"
    assert len(digest_titles(daily.output.dir)) == 2


def test_a_digest_stored_but_not_written_is_finished_not_rebuilt(tmp_path, articles):
    # output.dir is a file, so writing fails after the digest is stored ('pending').
    (tmp_path / "out").write_text("not a folder")
    config = load_config(
        write_config(tmp_path, schedule={"digest": "0 7 * * *"}, output={"dir": "out"})
    )
    add_article(articles, "a.txt", story(1))
    assert digest_job(config, now=NOW) is None  # DeliveryError: one line, no raise
    with State(config.state) as state:
        assert [r.slot for r in state.pending()] == [slot_key(NOW)]
    (tmp_path / "out").unlink()
    assert run_due(config, now=NOW + timedelta(minutes=5)).reason == "already done"
    assert len(digest_titles(tmp_path / "out")) == 1
    with State(config.state) as state:
        assert state.pending() == []


def test_job_logs_a_digest_error_in_one_line_and_lets_bugs_through(tmp_path, caplog):
    # APScheduler keeps the schedule either way; a DigestError is the user's to fix (one line),
    # anything else is a bug and must reach APScheduler's traceback logging.
    (tmp_path / "out").write_text("not a folder")
    config = load_config(
        write_config(tmp_path, schedule={"digest": "0 7 * * *"}, output={"dir": "out"})
    )
    add_article(tmp_path / "articles", "a.txt", story(1))
    with caplog.at_level(logging.INFO, logger="digest"):
        assert digest_job(config, now=NOW) is None
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "\n" not in errors[0].getMessage()
    assert errors[0].getMessage().startswith("Digest job failed")
    with pytest.raises(AttributeError):
        digest_job(config, now="not a datetime")  # type: ignore[arg-type]


def test_jobs_are_registered_with_ids_and_safe_options(tmp_path):
    config = load_config(write_config(tmp_path, schedule={"digest": "0 7 * * *", "collect": "30m"}))
    scheduler = build_scheduler(config)
    digest, collect = scheduler.get_job(DIGEST_JOB), scheduler.get_job(COLLECT_JOB)
    for job in (digest, collect):
        assert job.max_instances == 1 and job.coalesce is True
        # APScheduler's default grace of one second would drop a digest due during a busy
        # moment or a resume from sleep.
        assert job.misfire_grace_time >= 3600
    assert str(digest.trigger.timezone) == "Europe/London"


# --- staging and health -------------------------------------------------------------------


def test_staged_items_reach_the_digest_even_if_the_source_loses_them(tmp_path, articles):
    config = load_config(write_config(tmp_path, schedule={"digest": "0 7 * * *"}))
    add_article(articles, "a.txt", story(1))
    add_article(articles, "b.txt", story(2))
    assert stage(config, now=NOW - timedelta(minutes=30)).staged == 2
    assert stage(config, now=NOW - timedelta(minutes=15)).staged == 0  # not staged twice
    (articles / "a.txt").unlink()  # a feed that rotated it out, or timed out at 07:00
    report = run_once(config, now=NOW)
    assert report.articles == 2
    assert stage(config, now=NOW + timedelta(minutes=15)).waiting == 0  # included: gone


def test_source_health_counts_failures_in_a_row_and_keeps_the_last_error(tmp_path, articles):
    config = load_config(write_config(tmp_path))
    articles.rename(tmp_path / "elsewhere")
    stage(config, now=NOW)
    stage(config, now=NOW + timedelta(minutes=30))
    with State(config.state) as state:
        (health,) = read_health(state)
    assert health.consecutive_failures == 2 and "does not exist" in health.last_error
    (tmp_path / "elsewhere").rename(articles)
    add_article(articles, "a.txt", story(1))
    run_once(config, now=NOW + timedelta(hours=1))
    with State(config.state) as state:
        (health,) = read_health(state)
    assert health.ok and health.last_items == 1 and health.last_error
    lines = "\n".join(status_lines(config, now=NOW + timedelta(hours=2)))
    assert "Local: ok" in lines and "1 article from 1 source" in lines
    assert "delivered" in lines and "next Wed 25 Nov 2026 07:00:00 GMT" in lines
