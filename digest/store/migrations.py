"""Ordered schema migrations: the state records its version, and every open brings it up to date.

MIGRATIONS[n - 1] takes a state from version n - 1 to n, in one transaction with the version
row, so a crash leaves the old version or the new one. Version 0 is a state file made before the
store existed (the first release): it has no schema_version table and some or all of the release's
tables. A migration only adds (tables, columns, indexes) and checks before it adds, so running
one over a state that already has part of it is harmless.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, inspect, select, text

from digest.errors import StateError
from digest.store.schema import DELIVERY_STATUSES as STATUSES
from digest.store.schema import RELEASE_TABLES, metadata, schema_version


def _release_tables(conn: Connection) -> None:
    """1: the first release's tables, where missing (the release made each one on first use)."""
    metadata.create_all(conn, tables=list(RELEASE_TABLES), checkfirst=True)


def _subscribers(conn: Connection) -> None:
    """2: subscribers and reader copies; deliveries gain `choice` and the 'cancelled' status."""
    from digest.store.schema import deliveries, reader_copies, subscribers

    metadata.create_all(conn, tables=[reader_copies, subscribers], checkfirst=True)
    if "choice" in {c["name"] for c in inspect(conn).get_columns("deliveries")}:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE deliveries ADD COLUMN choice TEXT NOT NULL DEFAULT ''"))
        conn.execute(text("ALTER TABLE deliveries DROP CONSTRAINT IF EXISTS deliveries_status"))
        conn.execute(
            text(f"ALTER TABLE deliveries ADD CONSTRAINT deliveries_status CHECK ({STATUSES})")
        )
        return
    # SQLite cannot change a CHECK constraint: the table is rebuilt, as its docs advise
    # (https://www.sqlite.org/lang_altertable.html, "other kinds of table schema changes").
    columns = ", ".join(
        c["name"] for c in inspect(conn).get_columns("deliveries") if c["name"] != "choice"
    )
    conn.execute(text("ALTER TABLE deliveries RENAME TO deliveries_before_2"))
    deliveries.create(conn)
    conn.execute(
        text(f"INSERT INTO deliveries ({columns}) SELECT {columns} FROM deliveries_before_2")
    )
    conn.execute(text("DROP TABLE deliveries_before_2"))


def _queue_tables(conn: Connection) -> None:
    """3: queue mode's prepared articles and parked jobs (digest/queue/)."""
    from digest.store.schema import parked_jobs, prepared

    metadata.create_all(conn, tables=[prepared, parked_jobs], checkfirst=True)


MIGRATIONS: tuple[Callable[[Connection], None], ...] = (
    _release_tables,
    _subscribers,
    _queue_tables,
)
LATEST = len(MIGRATIONS)

# A constant key for PostgreSQL's transaction-scoped advisory lock: two processes opening a new
# database at once would otherwise both create the tables, and one would fail.
_MIGRATION_LOCK = 0x6469_6701


def version(conn: Connection) -> int:
    if not inspect(conn).has_table(schema_version.name):
        return 0
    return conn.execute(select(schema_version.c.version)).scalar() or 0


def upgrade(conn: Connection, *, where: str) -> int:
    """Apply the migrations this state lacks; the caller holds a write transaction. Returns
    the version found before."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
    found = version(conn)
    if found > LATEST:
        raise StateError(
            f"state database {where} was made by a newer version of digest"
            f" (schema version {found}; this one knows {LATEST})",
            hint="upgrade digest (pip install -U digest), or point `state:` at another state",
        )
    for migrate in MIGRATIONS[found:]:
        migrate(conn)
    if found < LATEST:
        schema_version.create(conn, checkfirst=True)
        conn.execute(schema_version.delete())
        conn.execute(schema_version.insert().values(version=LATEST))
    return found
