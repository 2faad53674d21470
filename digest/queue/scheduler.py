"""What `digest serve` does in queue mode: defer jobs at the scheduled times, run none.

The slot rule is schedule.py's (the latest slot at or before now, unless the state has it);
the job is deferred with a queueing lock on the slot, so a slot waiting in the queue is not
deferred again, and build_slot checks the state again when it runs. One `serve` schedules:
another one started against the same database stands by (serve.py) until the first stops.
"""

from __future__ import annotations

import logging
from datetime import datetime

from procrastinate.exceptions import ConnectorException

from digest.config import Config
from digest.errors import DigestError

logger = logging.getLogger(__name__)


def _app(config: Config):
    from digest.queue.app import ensure_schema, make_app

    ensure_schema(config)
    return make_app(config)


def queued_digest_job(config: Config, *, now: datetime | None = None, catch_up: bool = False):
    """The digest slot fired (or the check at start): defer build_slot unless it is done."""
    from digest.queue.tasks import SLOT_QUEUE, defer
    from digest.schedule import has_history, is_done, last_slot, slot_key
    from digest.state import State
    from digest.triggers import cron_trigger

    now = (now or datetime.now(config.tz)).astimezone(config.tz)
    try:
        slot = last_slot(cron_trigger(config.schedule.digest, config.tz), now)
        if slot is None:
            return None
        key = slot_key(slot)
        with State(config.state) as state:
            if is_done(state, key) or (catch_up and not has_history(state)):
                return None
        with _app(config).open() as app:
            deferred = defer(app, "build_slot", queue=SLOT_QUEUE, lock=f"slot:{key}", slot=key)
    except (DigestError, ConnectorException) as exc:  # the database down: one line, as ever
        logger.error("Digest job failed: %s", exc)
        return None
    logger.info("Slot %s: %s", key, "queued for the workers" if deferred else "already queued")
    return key


def queued_collect_job(config: Config, *, now: datetime | None = None) -> None:
    """The collect schedule fired: one fetch_source job per source (not one already waiting)."""
    from digest.queue.tasks import PREPARE_QUEUE, defer

    try:
        with _app(config).open() as app:
            count = sum(
                defer(
                    app, "fetch_source", queue=PREPARE_QUEUE, lock=f"fetch:{s.name}", source=s.name
                )  # fmt: skip
                for s in config.sources
            )
    except (DigestError, ConnectorException) as exc:
        logger.error("Collect job failed: %s", exc)
        return
    logger.info("Collect: %d fetch jobs queued for the workers", count)
