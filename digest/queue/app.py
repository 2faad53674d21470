"""The procrastinate App for a config: its connector on the state's database, its schema."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from digest.config import Config

if TYPE_CHECKING:
    import procrastinate

logger = logging.getLogger(__name__)

QUEUE = "digest"


def conninfo(config: Config) -> str:
    """The state URL as libpq reads it (SQLAlchemy's `+psycopg` driver suffix removed)."""
    url = str(config.state)
    scheme, rest = url.split("://", 1)
    return f"postgresql://{rest}" if scheme.startswith("postgres") else url


def make_app(config: Config) -> procrastinate.App:
    import procrastinate

    from digest.queue.tasks import blueprint

    # procrastinate logs each job and registration at INFO; ours log one line each.
    if not logging.getLogger("procrastinate").level:
        logging.getLogger("procrastinate").setLevel(logging.WARNING)

    # Small pools: a worker runs one job at a time (concurrency=1; scale with processes), and
    # `serve` only defers.
    connector = procrastinate.PsycopgConnector(
        conninfo=conninfo(config),
        min_size=1,
        max_size=4,
        kwargs={"application_name": "digest-queue"},
    )
    app = procrastinate.App(connector=connector)
    app.add_tasks_from(blueprint, namespace="digest")
    return app


def ensure_schema(config: Config) -> None:
    """procrastinate's tables and functions, created in the state's database if missing.

    Done when a worker or a queue-mode `serve` starts (not in the state's own migrations:
    they run for every state, SQLite too, and procrastinate's schema is procrastinate's to
    version). Under an advisory lock, so two processes starting at once create it once.
    """
    from procrastinate.schema import SchemaManager

    from digest.state import State

    with State(config.state) as state:
        if state.ensure_queue_schema(SchemaManager.get_schema()):
            logger.info("Created the job queue's tables in %s", state.where)
