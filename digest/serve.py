"""`digest serve`: the scheduler in the foreground, one per state, stopped by a signal.

The main thread only waits: for SIGTERM/SIGINT, and to nudge the scheduler every WAKE_EVERY
seconds. The nudge is there because APScheduler 3 sleeps on a monotonic clock, which stands
still while the machine is suspended: without it a laptop that slept through 07:00 would fire
hours late, not within seconds of waking.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING

from digest import shutdown, workers
from digest.config import Config
from digest.errors import DigestError
from digest.schedule import DIGEST_JOB, add_catch_up, build_scheduler
from digest.store.location import describe

if TYPE_CHECKING:
    from digest.store.locks import Held

logger = logging.getLogger(__name__)

WAKE_EVERY = 15.0  # seconds between nudges; a slot missed during sleep fires this soon after
DEFAULT_GRACE = 5.0  # seconds a stop waits for the current job before abandoning it


def acquire_lock(config: Config) -> Held:
    """One `serve` per state: two would both build the same slot's digest. A lock file beside
    a SQLite state, a PostgreSQL advisory lock on a server (digest/store/locks.py)."""
    from digest.store.locks import serve_lock

    return serve_lock(config.state)


class Server:
    """Scheduler + signal handling. `run()` returns the exit code."""

    def __init__(self, config: Config, *, grace: float = DEFAULT_GRACE) -> None:
        self.config = config
        self.grace = grace
        self.stop = threading.Event()  # a stop was asked for (signal)
        self.hurry = threading.Event()  # a second signal: do not wait for the current job
        self.stopping = threading.Event()  # set before the scheduler shuts down: no new jobs
        self.running = threading.Lock()  # held while a job runs
        self.lock: Held | None = None  # the serve lock; None while lost and not yet retaken
        self.watching = threading.Lock()  # the main thread and a job both check the lock
        self.taken_over = False  # another serve holds the lock now: this one stops, exit 1

    def wrap(self, job: Callable[[], object]) -> Callable[[], None]:
        def guarded() -> None:
            # A job queued behind the current one must not start once a stop was asked for.
            if self.stopping.is_set():
                return
            with self.running:
                if self.stopping.is_set():
                    return
                # Only the holder of the serve lock may build a slot: checked now, not only
                # at the last tick, since a slot built by two schedulers goes out twice.
                if not self.still_holds_lock():
                    logger.warning("Skipping this job: this `digest serve` has lost its lock")
                    return
                job()

        return guarded

    def still_holds_lock(self) -> bool:
        """Check the serve lock and take it again if it was lost (an advisory lock goes with
        its PostgreSQL connection). Another serve holding it now means this one must stop."""
        from digest.store.locks import SERVE_LOCK, acquire

        with self.watching:
            if self.taken_over:
                return False
            if self.lock is not None and self.lock.check():
                return True
            where = describe(self.config.state)
            if self.lock is not None:
                self.lock.release()  # closes what is left of its connection
                self.lock = None
                logger.warning("The serve lock on %s was lost (its connection dropped)", where)
            try:
                self.lock = acquire(self.config.state, SERVE_LOCK, wait=0)
            except DigestError as exc:  # the server is unreachable: retry at the next tick
                logger.warning("Cannot take the serve lock again yet: %s", exc)
                return False
            if self.lock is None:
                self.taken_over = True
                logger.error(
                    "Another `digest serve` took over %s while this one's lock was lost; "
                    "stopping so that each slot is built once",
                    where,
                )
                self.stop.set()
                return False
            logger.warning("Took the serve lock on %s again", where)
            return True

    def _on_signal(self, signum: int, _frame: object) -> None:
        if self.stop.is_set():
            self.hurry.set()
        self.stop.set()

    def run(self) -> int:
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            self.lock = self._lock()
            if self.lock is None:  # stopped while standing by
                return 0
            return self._serve()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _lock(self) -> Held | None:
        """The serve lock. In queue mode a second `serve` stands by until the first stops,
        then takes over scheduling; otherwise it is refused (acquire_lock)."""
        if not self.config.queue.enabled:
            return acquire_lock(self.config)
        from digest.store.locks import SERVE_LOCK, acquire

        held = acquire(self.config.state, SERVE_LOCK, wait=0)
        if held is None:
            logger.info("Standing by: another `digest serve` schedules for this state")
        while held is None and not self.stop.is_set():
            held = acquire(self.config.state, SERVE_LOCK, wait=1.0)
        if held is not None and self.stop.is_set():
            held.release()
            return None
        return held

    def _serve(self) -> int:
        from apscheduler.events import EVENT_JOB_MISSED

        # The web front (web: in config.yaml) answers beside the scheduler, in its own thread;
        # without web: nothing of it is imported.
        self.web = start_web(self.config) if self.config.web else None
        scheduler = build_scheduler(self.config, wrap=self.wrap)

        def on_missed(event) -> None:
            # Woke up later than the misfire grace: the slot is still built once, now.
            if event.job_id == DIGEST_JOB and not self.stopping.is_set():
                logger.warning(
                    "Digest slot %s missed (machine asleep?); building it now",
                    event.scheduled_run_time,
                )
                add_catch_up(scheduler, self.config, wrap=self.wrap, at_start=False)

        scheduler.add_listener(on_missed, EVENT_JOB_MISSED)
        scheduler.start()
        # The machine may have been off at the last slot: the state decides if it is due.
        add_catch_up(scheduler, self.config, wrap=self.wrap, at_start=True)
        logger.info(
            "Serving %s (pid %d): next digest %s%s",
            self.config.path or "config",
            os.getpid(),
            _when(scheduler.get_job(DIGEST_JOB).next_run_time),
            f"; collecting on {self.config.schedule.collect!r}"
            if self.config.schedule.collect
            else "",
        )
        while not self.stop.wait(WAKE_EVERY):
            scheduler.wakeup()
            self.still_holds_lock()  # logs, and stops this serve, if another took over
        return self._shut_down(scheduler)

    def _release_lock(self) -> None:
        with self.watching:
            if self.lock is not None:
                self.lock.release()
                self.lock = None

    def _shut_down(self, scheduler) -> int:
        started = time.monotonic()
        self.stopping.set()
        if self.web is not None:
            self.web.stop()
        with _quiet_shutdown_race():
            scheduler.shutdown(wait=False)
        deadline = started + self.grace
        finished = False
        while not self.hurry.is_set() and time.monotonic() < deadline:
            if self.running.acquire(timeout=0.1):
                finished = True
                break
        if finished:
            self._release_lock()
            logger.info("Stopped after %.1fs", time.monotonic() - started)
            return 1 if self.taken_over else 0
        # A run is still collecting or summarising. Nothing of it is written yet, and what is
        # written (files, the "written" mark) happens inside shutdown.critical(): wait for
        # that step if it is under way, keep the next one from starting, and leave.
        logger.warning(
            "Abandoning the run in progress after %.1fs; the next run picks up its articles",
            time.monotonic() - started,
        )
        shutdown.hold(timeout=-1)
        # Worker processes of the abandoned run are mid-article: stop them with this process.
        workers.terminate_all()
        self._release_lock()
        logging.shutdown()
        sys.stderr.flush()
        os._exit(1 if self.taken_over else 0)


@contextmanager
def _quiet_shutdown_race() -> Iterator[None]:
    """APScheduler 3 marks itself stopped before it takes its job-store lock, so a pass that is
    submitting a job at that moment can no longer find the job to remove or reschedule it, and
    its thread dies with a JobLookupError traceback. The job stores are being emptied anyway:
    that one error, from the scheduler's own thread during shutdown, is logged at debug level.
    (Holding the lock around shutdown() instead deadlocks: it joins that thread.)"""
    from apscheduler.jobstores.base import JobLookupError

    previous = threading.excepthook

    def hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is JobLookupError and args.thread and args.thread.name == "APScheduler":
            logger.debug("Scheduler thread at shutdown: %s", args.exc_value)
            return
        previous(args)

    threading.excepthook = hook
    try:
        yield
    finally:
        threading.excepthook = previous


def start_web(config: Config):
    from digest.web.server import open_web

    front = open_web(config)
    front.start()
    return front


def _when(value: datetime | None) -> str:
    return f"{value:%a %d %b %Y %H:%M:%S %Z}" if value else "never (schedule has no future time)"


def serve(config: Config, *, grace: float = DEFAULT_GRACE) -> int:
    return Server(config, grace=grace).run()
