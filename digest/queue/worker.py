"""`digest worker`: run the queue's jobs until SIGTERM/SIGINT (procrastinate's worker).

One job at a time per process; run more processes, on as many machines as you like, against
the same state. A first signal lets the current job finish; a second stops at once, and so
does SIGKILL: the job's heartbeats stop and another worker retries it (tasks.retry_stalled).
"""

from __future__ import annotations

import logging
import os
import socket

from digest.config import Config
from digest.errors import DigestError
from digest.store.location import is_server

logger = logging.getLogger(__name__)


def check(config: Config) -> None:
    """A worker needs a queue-mode config on PostgreSQL; say which key to change."""
    where = config.path or "config.yaml"
    if not is_server(config.state):
        raise DigestError(
            f"digest worker needs the state on PostgreSQL, and {where} keeps it in a SQLite"
            f" file ({config.state})",
            hint="set `state: postgresql://user@host/db` and `queue: {enabled: true}`; with"
            " SQLite, `digest serve` alone does all the work",
        )
    if not config.queue.enabled:
        raise DigestError(
            f"digest worker: the queue is off in {where}, so `digest serve` queues no jobs",
            hint="set `queue: {enabled: true}`",
        )


def run_worker(config: Config, *, verbose: bool = False) -> int:
    check(config)
    try:
        import procrastinate  # noqa: F401
    except ImportError:
        raise DigestError(
            "digest worker needs procrastinate", hint="pip install 'digest[queue]'"
        ) from None
    from digest.queue import tasks
    from digest.queue.app import ensure_schema, make_app

    # procrastinate logs every job at INFO; our jobs log their own line.
    logging.getLogger("procrastinate").setLevel(logging.INFO if verbose else logging.WARNING)
    ensure_schema(config)
    tasks.configure(config)
    app = make_app(config)
    name = f"{socket.gethostname()}:{os.getpid()}"
    stalled = config.queue.stalled_after
    logger.info("Worker %s: running jobs from %s", name, config.path or "config")
    app.run_worker(
        name=name,
        concurrency=1,
        additional_context={"config": config},
        # Three heartbeats per stalled_after: one late beat is not taken for a dead worker.
        update_heartbeat_interval=stalled / 3,
        stalled_worker_timeout=stalled,
        delete_jobs="successful",  # the state keeps what was done; the queue, what is left
        install_signal_handlers=True,
    )
    logger.info("Worker %s: stopped", name)
    return 0
