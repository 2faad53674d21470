"""The state: the only package that knows SQL. SQLite (a file) or PostgreSQL (a URL), one code path.

    with Store(config.state) as state:   # opens, checks, and migrates the schema
        if not state.is_seen(uid): ...
        with state.transaction(): ...     # writes inside join one transaction

Modules: schema.py (every table, SQLAlchemy Core), migrations.py (ordered, versioned), engine.py
(connections, SQLite pragmas), core.py (transactions, reads), digests.py / deliveries.py /
sources.py (typed methods by role), locks.py (one run/serve per state), copy.py (`migrate`).

To add a table: define it in schema.py, append a function creating it to migrations.MIGRATIONS
(it runs once per state, in the transaction that bumps schema_version), and give the Store a
mixin with its methods. Never edit a migration that has shipped; add another.
"""

from __future__ import annotations

from digest.store.core import StoreBase
from digest.store.deliveries import DeliveriesMixin, Delivery, NewDelivery
from digest.store.digests import DigestRecord, DigestsMixin
from digest.store.errors import damaged, state_error, storage_errors
from digest.store.locks import RUN_LOCK_WAIT, exclusive_run, serve_lock
from digest.store.sources import SourceHealth, SourcesMixin


class Store(DigestsMixin, DeliveriesMixin, SourcesMixin, StoreBase):
    """One connection to the state, with every method the rest of digest needs."""


__all__ = [
    "RUN_LOCK_WAIT",
    "Delivery",
    "DigestRecord",
    "NewDelivery",
    "SourceHealth",
    "Store",
    "damaged",
    "exclusive_run",
    "serve_lock",
    "state_error",
    "storage_errors",
]
