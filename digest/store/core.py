"""The connection a Store holds, its transactions and reads, and the damage checks at open."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import Connection, Executable, Row
from sqlalchemy.exc import DBAPIError

from digest.errors import StateError
from digest.store import migrations
from digest.store.engine import engine_for
from digest.store.errors import cannot_open, storage_errors
from digest.store.location import Location, describe, is_server

# Values per `IN (...)` list, each a bound parameter: 900 stays under the strictest limit either
# backend has (SQLite before 3.32: 999 parameters; PostgreSQL: 65,535) and still makes 10,000
# values 12 queries rather than 10,000.
IN_CHUNK = 900


def in_chunks(values: Iterable[str]) -> Iterator[list[str]]:
    """The distinct `values`, in order, as lists of at most IN_CHUNK: one query each."""
    wanted = list(dict.fromkeys(values))
    for start in range(0, len(wanted), IN_CHUNK):
        yield wanted[start : start + IN_CHUNK]


class StoreBase:
    """One connection to the state. Use as a context manager, or call close().

    Safe to share between threads (sources ask seen() from theirs): every statement runs
    under one lock. A read outside a transaction is one statement in autocommit mode (no BEGIN
    and COMMIT around it: small reads are frequent), so a reader never holds a snapshot
    open; _snapshot() reads several statements from one.
    """

    # A test hook standing in for a full disk: the SQLite file may not grow past this many
    # pages (SQLite's max_page_count; it never shrinks a file, so 1 means "no growth").
    max_page_count: ClassVar[int | None] = None

    def __init__(self, location: Location) -> None:
        self.location: Location = location if is_server(location) else Path(location)
        self.path = self.location  # what messages name; the file, for SQLite
        self.where = describe(self.location)
        self.is_server = is_server(self.location)
        self.was_missing = not self.is_server and not Path(self.location).exists()
        self._lock = threading.RLock()
        self._depth = 0
        self.conn: Connection | None = None
        self._autocommit: Connection | None = None  # PostgreSQL's reads (_reader)
        try:
            if not self.is_server:
                Path(self.location).parent.mkdir(parents=True, exist_ok=True)
            self.engine = engine_for(self.location, max_page_count=self.max_page_count)
            self.conn = self.engine.connect()
            self.dialect = self.conn.dialect.name
            if self._read(migrations.version) != migrations.LATEST:
                with self.transaction() as db:
                    migrations.upgrade(db, where=self.where)
        except StateError:
            self.close()
            raise
        except (DBAPIError, OSError) as exc:
            self.close()
            raise cannot_open(self.location, exc) from None

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for name in ("_autocommit", "conn"):
            conn = getattr(self, name, None)
            setattr(self, name, None)
            if conn is not None:
                try:
                    conn.close()
                except DBAPIError:  # a lost server: nothing to release
                    pass

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction; one opened inside another joins it (the outer one commits)."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.conn
                finally:
                    self._depth -= 1
                return
            with storage_errors(self.location):
                # SQLite: take the write lock up front (engine.py).
                self.conn.info["begin"] = "BEGIN IMMEDIATE"
                tx = self.conn.begin()
                self._depth = 1
                try:
                    yield self.conn
                except BaseException:
                    self._depth = 0
                    if tx.is_active:  # SQLite may already have rolled back (disk full)
                        try:
                            tx.rollback()
                        except DBAPIError:
                            pass
                    raise
                self._depth = 0
                tx.commit()

    def _read(self, read) -> Any:
        """`read(connection)` in the current transaction, or in autocommit mode."""
        with self._lock:
            if self._depth:
                return read(self.conn)
            with storage_errors(self.location):
                conn = self._reader()
                with conn.begin():
                    return read(conn)

    def _snapshot(self, read) -> Any:
        """`read(connection)` in one read transaction: every statement sees the same state."""
        with self._lock:
            if self._depth:
                return read(self.conn)
            with storage_errors(self.location), self.conn.begin():
                return read(self.conn)

    def _reader(self) -> Connection:
        if self.dialect != "postgresql":
            # SQLite: the same connection, with no BEGIN (engine.py's begin event): a single
            # statement is its own transaction, and COMMIT is then a no-op.
            self.conn.info["begin"] = ""
            return self.conn
        if self._autocommit is None:  # psycopg would send BEGIN ... COMMIT: 3 round trips
            self._autocommit = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._autocommit

    def _rows(self, statement: Executable, **params: Any) -> Sequence[Row]:
        return self._read(lambda db: db.execute(statement, params or None).all())

    def _scalar(self, statement: Executable, **params: Any) -> Any:
        return self._read(lambda db: db.execute(statement, params or None).scalar())

    def _insert(self, table):
        """INSERT for `table` in this backend's dialect, for on_conflict_do_nothing/update."""
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        return insert(table)
