"""The state: the only package that knows SQL. SQLite (a file) or PostgreSQL (a URL), one code path.

    with Store(config.state) as state:   # opens, checks, and migrates the schema
        known = state.seen(uids)         # which of these uids a digest holds
        with state.transaction(): ...     # writes inside join one transaction

Modules: schema.py (every table, SQLAlchemy Core), migrations.py (ordered, versioned), engine.py
(connections, SQLite pragmas), core.py (transactions, reads), digests.py / deliveries.py /
sources.py (typed methods by role), locks.py (one run/serve per state), copy.py (`migrate`).

Importing this package is cheap: SQLAlchemy loads with the first name taken from it, so config.py
can check a `state:` URL (location.py) without it (`digest check-config`, `--help`).

To add a table: define it in schema.py, append a function creating it to migrations.MIGRATIONS
(it runs once per state, in the transaction that bumps schema_version), and give the Store a
mixin with its methods. Never edit a migration that has shipped; add another.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from digest.store.api import Store
    from digest.store.deliveries import Delivery, NewDelivery
    from digest.store.digests import DigestRecord
    from digest.store.errors import damaged, state_error, storage_errors
    from digest.store.locks import RUN_LOCK_WAIT, exclusive_run, serve_lock
    from digest.store.sources import SourceHealth

# Public name -> the module that defines it, imported when the name is first used.
_WHERE = {
    "Store": "api",
    "Delivery": "deliveries",
    "NewDelivery": "deliveries",
    "DigestRecord": "digests",
    "damaged": "errors",
    "state_error": "errors",
    "storage_errors": "errors",
    "RUN_LOCK_WAIT": "locks",
    "exclusive_run": "locks",
    "serve_lock": "locks",
    "SourceHealth": "sources",
}

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


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value
