"""The jobs (see the package docstring for how they chain). Each is a plain function of JSON
arguments that checks the state first, so running it twice changes nothing the second time.

Tasks are sync: procrastinate runs them in a thread of the worker, whose event loop keeps
sending the heartbeats that tell the others it is alive. One job at a time per worker process
(cleaning and summarising are CPU work); more throughput is more processes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from procrastinate import Blueprint, JobContext
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.retry import BaseRetryStrategy, RetryDecision

from digest.config import Config

if TYPE_CHECKING:
    from digest.fetch import Fetcher
    from digest.state import State

logger = logging.getLogger(__name__)

PREPARE_QUEUE = "prepare"  # fetch_source and prepare: assemble waits until it is empty
SLOT_QUEUE = "slot"  # build_slot and assemble
MAIL_QUEUE = "mail"
PREPARE_BATCH = 20  # items per prepare job: a job is a few ms of queue overhead
ASSEMBLE_POLL = 1.0  # seconds between assemble's checks that every prepare job is done

blueprint = Blueprint()


class Retry(BaseRetryStrategy):
    """`queue.attempts` tries in all (procrastinate counts retries), waiting `queue.retry_wait`
    seconds, doubled each time. The worker sets the numbers from its config at start."""

    attempts = 5
    wait = 5.0

    def get_retry_decision(self, *, exception: BaseException, job) -> RetryDecision | None:
        if job.attempts + 1 >= self.attempts:
            return None
        return RetryDecision(retry_in={"seconds": self.wait * 2**job.attempts})


RETRY = Retry()


def configure(config: Config) -> None:
    Retry.attempts, Retry.wait = config.queue.attempts, config.queue.retry_wait


def _config(context: JobContext) -> Config:
    return context.additional_context["config"]


def _parking(context: JobContext, task: str, args: dict[str, Any], exc: BaseException) -> None:
    """On the last try, park the job with its reason (digest status shows it); then re-raise."""
    job = context.job
    if job.attempts + 1 < Retry.attempts:
        logger.warning("%s %s failed (try %d, retried): %s", task, args, job.attempts + 1, exc)
        return
    from digest.state import State

    reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
    logger.error("%s %s failed %d times, parked: %s", task, args, job.attempts + 1, reason)
    with State(_config(context).state) as state:
        state.park_job(
            job.id, task, json.dumps(args, sort_keys=True), attempts=job.attempts + 1,
            reason=reason, when=datetime.now().astimezone().isoformat(timespec="seconds"),
        )  # fmt: skip


def _guarded(context: JobContext, task: str, args: dict[str, Any], run) -> None:
    try:
        run()
    except Exception as exc:
        _parking(context, task, args, exc)
        raise


def defer(app, task: str, *, queue: str, lock: str | None = None, **kwargs: Any) -> bool:
    """Defer a job unless one with the same queueing lock is already waiting; True if deferred."""
    try:
        app.configure_task(f"digest:{task}", queue=queue, queueing_lock=lock).defer(**kwargs)
    except AlreadyEnqueued:
        return False
    return True


_states: dict[int, State] = {}


@contextmanager
def _state(config: Config) -> Iterator[State]:
    """The worker process's State, kept between its jobs (which run one at a time): opening
    one costs two connections and a schema check, about 40 ms, as much as a small job. A job
    that fails drops it, so a lost connection is not handed to the next one."""
    from digest.state import State

    state = _states.get(id(config))
    if state is None:
        state = _states[id(config)] = State(config.state)
    try:
        yield state
    except BaseException:
        _states.pop(id(config), None)
        state.close()
        raise


# --- the jobs --------------------------------------------------------------------------


@blueprint.task(name="build_slot", queue=SLOT_QUEUE, pass_context=True, retry=RETRY)
def build_slot(context: JobContext, slot: str) -> None:
    """A digest slot fired: fetch every source, then assemble (unless the slot is done)."""
    _guarded(context, "build_slot", {"slot": slot}, lambda: _build_slot(context, slot))


def _build_slot(context: JobContext, slot: str) -> None:
    from digest.state import State

    config = _config(context)
    with State(config.state) as state:
        if state.slot_done(slot):
            logger.info("Slot %s: already done", slot)
            return
    for source in config.sources:
        defer(context.app, "fetch_source", queue=PREPARE_QUEUE, lock=f"fetch:{source.name}",
              source=source.name)  # fmt: skip
    defer(context.app, "assemble", queue=SLOT_QUEUE, lock=f"assemble:{slot}", slot=slot)


@blueprint.task(name="fetch_source", queue=PREPARE_QUEUE, pass_context=True, retry=RETRY)
def fetch_source(context: JobContext, source: str) -> None:
    """Read one source and stage what is new; defer the preparing of the new items."""
    _guarded(context, "fetch_source", {"source": source}, lambda: _fetch(context, source))


def _fetch(context: JobContext, name: str) -> None:
    from digest.health import record_health
    from digest.sources import collect
    from digest.sources.remote import RemoteState

    config = _config(context)
    source = next((s for s in config.sources if s.name == name), None)
    if source is None:  # taken out of config.yaml since the job was deferred
        logger.info("Source %r is no longer configured; nothing to fetch", name)
        return
    now = datetime.now(config.tz)
    with _state(config) as state:
        fetcher = _fetcher(config)
        remote = RemoteState(state)

        def seen(uids) -> set[str]:  # in a digest, or staged by an earlier fetch job
            uids = set(uids)
            known = state.seen(uids)
            return known | {item.uid for item in state.staged_items_of(uids - known)}

        collected = collect([source], seen=seen, fetch=fetcher, remote=remote)
        state.stage_items(collected.items, when=now)
        # Validators only once the items they cover are staged (staging.py says why).
        remote.commit()
        record_health(state, [source], collected, now=now)
    uids = [item.uid for item in collected.items]
    for i in range(0, len(uids), PREPARE_BATCH):
        defer(context.app, "prepare", queue=PREPARE_QUEUE, uids=uids[i : i + PREPARE_BATCH])
    logger.info("Fetched %s: %d new %s", name, len(uids), "item" if len(uids) == 1 else "items")


_fetchers: dict[int, Fetcher] = {}


def _fetcher(config: Config):
    """One Fetcher per worker process, kept between jobs (Fetcher.new_run says why); jobs run
    one at a time per process (worker.py)."""
    from digest.fetch import Fetcher

    if id(config) not in _fetchers:
        _fetchers[id(config)] = Fetcher(config.fetch)
    return _fetchers[id(config)].new_run()


@blueprint.task(name="prepare", queue=PREPARE_QUEUE, pass_context=True, retry=RETRY)
def prepare(context: JobContext, uids: list[str]) -> None:
    """Clean and summarise staged items, storing each result by content hash."""
    _guarded(context, "prepare", {"uids": uids}, lambda: _prepare(context, uids))


def _prepare(context: JobContext, uids: list[str]) -> None:
    from digest.queue.prepare import prepare as prepare_items

    config = _config(context)
    with _state(config) as state:
        items = state.staged_items_of(uids)  # those a digest took meanwhile are gone: fine
        made = prepare_items(
            items, method=config.summary.method, sentences=config.summary.sentences,
            known=state.prepared,
        )  # fmt: skip
        state.add_prepared(made, when=datetime.now(config.tz).isoformat(timespec="seconds"))


@blueprint.task(name="assemble", queue=SLOT_QUEUE, pass_context=True, retry=RETRY)
def assemble(context: JobContext, slot: str) -> None:
    """Once no fetch or prepare job is left, build the slot's digest and defer its mail."""
    _guarded(context, "assemble", {"slot": slot}, lambda: _assemble(context, slot))


def _busy(app) -> int:
    """Fetch and prepare jobs waiting (a retry included) or running. A parked one is not
    waited for: assemble prepares its items itself (prepare.Prepared)."""
    counts = {q["name"]: q for q in app.job_manager.list_queues(queue=PREPARE_QUEUE)}
    stats = counts.get(PREPARE_QUEUE, {})
    return int(stats.get("todo", 0)) + int(stats.get("doing", 0))


def _assemble(context: JobContext, slot: str) -> None:
    from digest.schedule import run_due

    config = _config(context)
    busy = _busy(context.app)
    if busy:
        # Not an error: come back in a moment (a new job, so the tries are not used up).
        context.app.configure_task(
            "digest:assemble", queue=SLOT_QUEUE, schedule_in={"seconds": ASSEMBLE_POLL}
        ).defer(slot=slot)
        logger.debug("Slot %s: %d fetch/prepare jobs left", slot, busy)
        return
    due = run_due(config, now=datetime.fromisoformat(slot), queued=True)
    logger.info("Slot %s: %s", slot, due.report.digest_name if due.report else due.reason)
    defer_mail(context.app, config)


def defer_mail(app, config: Config) -> int:
    """One send_mail job per queue.mail_batch due deliveries; returns how many jobs."""
    from digest.state import State

    if not config.email.enabled:
        return 0
    # Every due row, the web front's readers' too: the send_mail job cancels those whose reader
    # left or paused meanwhile (Outbox.to_active), as a one-process run does.
    with State(config.state) as state:
        due = state.due_deliveries()
    by_digest: dict[int, list[str]] = {}
    for d in due:
        by_digest.setdefault(d.digest_id, []).append(d.recipient)
    jobs = 0
    for digest_id, recipients in by_digest.items():
        # A batch goes over one SMTP connection; a retried batch skips the rows already sent.
        size = config.queue.mail_batch
        for i in range(0, len(recipients), size):
            batch = recipients[i : i + size]
            lock = f"mail:{digest_id}:{batch[0]}"
            jobs += defer(app, "send_mail", queue=MAIL_QUEUE, lock=lock, digest_id=digest_id,
                          recipients=batch)  # fmt: skip
    return jobs


@blueprint.task(name="send_mail", queue=MAIL_QUEUE, pass_context=True, retry=RETRY)
def send_mail(context: JobContext, digest_id: int, recipients: list[str]) -> None:
    """Send one digest to some of its readers: each row still due is sent, once."""
    args = {"digest_id": digest_id, "recipients": recipients}
    _guarded(context, "send_mail", args, lambda: _send(context, digest_id, recipients))


class MailLeftPending(Exception):
    """Some deliveries are left pending (server down, 4xx): the job is tried again later."""


def _send(context: JobContext, digest_id: int, recipients: list[str]) -> None:
    from digest.deliver import Outbox
    from digest.queue.ratelimit import limiter

    config = _config(context)
    pending: list[str] = []
    with _state(config) as state, Outbox(config, state) as outbox:
        # The rows, read now: those sent or failed by an earlier try of this job are left alone,
        # and those of readers who left or paused since are cancelled, not sent.
        due = outbox.to_active(state.due_among(digest_id, recipients).values())
        turns = 0
        for i, delivery in enumerate(due):
            if not turns:
                turns = limiter(config).wait(len(due) - i)
            turns -= 1
            if outbox.deliver(delivery) == "pending":
                pending.append(delivery.recipient)
    if pending:
        raise MailLeftPending(
            f"{len(pending)} of {len(recipients)} deliveries left pending (server down or 4xx;"
            " the log says why)"
        )


@blueprint.periodic(cron="* * * * * */2")
@blueprint.task(name="retry_stalled", queue=SLOT_QUEUE, pass_context=True,
                queueing_lock="retry_stalled")  # fmt: skip
async def retry_stalled(context: JobContext, timestamp: int) -> None:
    """Jobs of a worker that stopped sending heartbeats (killed, machine gone) go back to the
    queue: procrastinate's documented recovery, every two seconds on whichever worker."""
    seconds = _config(context).queue.stalled_after
    for job in await context.app.job_manager.get_stalled_jobs(seconds_since_heartbeat=seconds):
        logger.warning("Retrying %s %s: its worker stopped", job.task_name, job.task_kwargs)
        await context.app.job_manager.retry_job(job)
