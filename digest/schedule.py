"""`digest serve` wiring (APScheduler 3) and the rule that decides which digest is due.

The job store is in memory and rebuilt at every start. What was done lives in the state: a
digest's `slot` column (stored in the same transaction as its articles) and, for a scheduled
run that found nothing new, a row in `slot_runs`. So a restart, a catch-up and a late firing
all ask the same question -- "is the latest slot done?" -- and a slot is never built twice.

Jobs are plain functions (`digest_job`, `collect_job`) that tests call with an explicit `now`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import partial

from apscheduler.triggers.base import BaseTrigger

from digest.config import Config
from digest.errors import DigestError
from digest.models import RunReport
from digest.state import State
from digest.triggers import collect_trigger, cron_trigger

logger = logging.getLogger(__name__)

DIGEST_JOB = "digest"
COLLECT_JOB = "collect"
CATCH_UP_JOB = "catch-up"
# APScheduler's default grace is one second: a digest due while the machine was busy or just
# resuming would be dropped. Hours, so a late digest is still built (coalesced to one run).
DIGEST_GRACE = timedelta(hours=6)
COLLECT_GRACE = timedelta(hours=1)
# How far back to look for the latest slot; wider windows only for sparse schedules.
_WINDOWS = tuple(timedelta(days=d) for d in (1 / 1440, 1 / 24, 1, 8, 32, 367, 367 * 4))


@dataclass(frozen=True)
class Due:
    """What one digest job did: `report` is None when it did not run the pipeline."""

    slot: datetime | None
    report: RunReport | None
    reason: str  # "built", "nothing new", "already done", "first start", "no slot"


def slot_key(slot: datetime) -> str:
    return slot.isoformat()


def last_slot(trigger: BaseTrigger, now: datetime) -> datetime | None:
    """The latest fire time at or before `now` (APScheduler 3 triggers only look forward).

    Arithmetic and comparisons are in UTC: Python compares two datetimes of the same zone by
    wall clock, ignoring `fold`, which is wrong in the hour repeated when clocks go back.
    That hour's second occurrences (fold=1) are not slots: cron runs a job once per wall-clock
    time, and so do we, though APScheduler 3 fires twice (the second firing finds it done).
    """
    now_utc = now.astimezone(timezone.utc)
    for window in _WINDOWS:
        fire = trigger.get_next_fire_time(None, now_utc - window)
        slot = None
        while fire is not None and fire.astimezone(timezone.utc) <= now_utc:
            if not fire.fold:
                slot = fire
            after = fire.astimezone(timezone.utc) + timedelta(microseconds=1)
            fire = trigger.get_next_fire_time(fire, after)
        if slot is not None:
            return slot
    return None


def next_run(trigger, now: datetime) -> datetime | None:
    return trigger.get_next_fire_time(None, now)


def is_done(state: State, key: str) -> bool:
    return state.slot_done(key)


def has_history(state: State) -> bool:
    """Has `serve` ever run a slot on this state? (A fresh state waits for its first slot.)"""
    return state.has_slot_history()


def last_slot_run(state: State) -> tuple[str, str, str | None] | None:
    return state.last_slot_run()


def run_due(config: Config, *, now: datetime, catch_up: bool = False, queued: bool = False) -> Due:
    """Build the digest for the latest slot at or before `now`, unless the state has it.

    `catch_up=True` is the check at start: a state that never ran a slot (a first start)
    waits for the next slot instead of building one at once. `queued`: a queue worker's
    assemble job (digest/queue/tasks.py).
    """
    from digest.pipeline import run_once

    now = now.astimezone(config.tz)
    slot = last_slot(cron_trigger(config.schedule.digest, config.tz), now)
    with State(config.state) as state:
        skip = None
        if slot is None:
            skip = "no slot"
        elif is_done(state, slot_key(slot)):
            skip = "already done"
        elif catch_up and not has_history(state):
            skip = "first start"
        if skip:
            # A digest stored but not yet written (killed mid-run) is finished now all the same.
            finish_pending(state, config)
            return Due(slot, None, skip)
    key = slot_key(slot)
    report = run_once(config, now=now, slot=key, log_summary=False, queued=queued)
    with State(config.state) as state:
        state.record_slot(key, ran_at=now, digest=report.digest_name)
    return Due(slot, report, "built" if report.wrote_digest else "nothing new")


def finish_pending(state: State, config: Config) -> None:
    from digest.pipeline import publish
    from digest.render import environment

    pending = state.pending()
    if pending:
        env = environment(config.output.templates)
        for record in pending:
            logger.warning("Finishing %s, interrupted before it was written", record.name)
            publish(record, state, config, env)


def digest_job(
    config: Config, *, now: datetime | None = None, catch_up: bool = False
) -> Due | None:
    """The scheduled digest job. A DigestError is one log line; the schedule goes on."""
    started = time.monotonic()
    label = "Catch-up" if catch_up else "Digest"
    try:
        due = run_due(config, now=now or datetime.now(config.tz), catch_up=catch_up)
    except DigestError as exc:
        logger.error("%s job failed after %.1fs: %s", label, time.monotonic() - started, exc)
        return None
    when = f"{due.slot:%a %d %b %H:%M:%S %Z}" if due.slot else "-"
    # One line per job: the pipeline's own summary line is off (run_due), its counts are here.
    report = due.report
    if report and report.wrote_digest:
        count = report.articles
        outcome = f"{report.digest_name} with {count} article{'' if count == 1 else 's'}"
        outcome += report.details()
    else:
        outcome = due.reason + (report.details() if report else "")
    logger.info("%s job for %s: %s in %.1fs", label, when, outcome, time.monotonic() - started)
    return due


def collect_job(config: Config, *, now: datetime | None = None) -> None:
    """The scheduled collect job (stages new items; logs its own line)."""
    from digest.staging import stage

    try:
        stage(config, now=now or datetime.now(config.tz))
    except DigestError as exc:
        logger.error("Collect job failed: %s", exc)


def build_scheduler(config: Config, *, wrap: Callable[[Callable], Callable] = lambda f: f):
    """A BackgroundScheduler with the digest (and collect) jobs; not started.

    One worker thread: the collect and digest jobs share the sources and the state, and
    running them one after the other is simpler to trust than any interleaving.
    """
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.jobstores.memory import MemoryJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(
        jobstores={"default": MemoryJobStore()},
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        timezone=config.tz,
    )
    digest, collect = digest_job, collect_job
    if config.queue.enabled:  # serve only defers jobs; workers run them (digest/queue/)
        from digest.queue.scheduler import queued_collect_job, queued_digest_job

        digest, collect = queued_digest_job, queued_collect_job
    jobs = [(DIGEST_JOB, digest, cron_trigger(config.schedule.digest, config.tz), DIGEST_GRACE)]
    if config.schedule.collect:
        trigger = collect_trigger(config.schedule.collect, config.tz)
        jobs.append((COLLECT_JOB, collect, trigger, COLLECT_GRACE))
    for job_id, job, trigger, grace in jobs:
        scheduler.add_job(
            wrap(partial(job, config)),
            trigger=trigger,
            id=job_id,
            name=job_id,
            replace_existing=True,
            max_instances=1,  # a slow run is never overlapped by the next firing...
            coalesce=True,  # ...and firings missed meanwhile collapse into one
            misfire_grace_time=int(grace.total_seconds()),
        )
    return scheduler


def add_catch_up(
    scheduler, config: Config, *, wrap: Callable = lambda f: f, at_start: bool
) -> None:
    """Run the digest job once, now: at start, or after APScheduler reports a missed slot."""
    job = digest_job
    if config.queue.enabled:
        from digest.queue.scheduler import queued_digest_job as job
    scheduler.add_job(
        wrap(partial(job, config, catch_up=at_start)),
        id=CATCH_UP_JOB,
        name="catch-up",
        replace_existing=True,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=int(DIGEST_GRACE.total_seconds()),
    )
