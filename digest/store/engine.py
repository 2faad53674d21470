"""One SQLAlchemy Engine per state: a SQLite file with the pragmas that keep it safe, or a
PostgreSQL database through psycopg 3.

SQLite. Python's sqlite3 opens transactions on its own, late and without a write lock, so it is
told not to (isolation_level=None) and the `begin` event issues BEGIN itself: BEGIN IMMEDIATE for
a write transaction, so two runs cannot both pick the same digest name or claim the same
articles (SQLAlchemy's documented recipe for pysqlite). Every connection is new (NullPool), as
each `State` opened one before, and is checked (quick_check) before anything is written to it.
"""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.pool import NullPool

from digest.store.errors import damaged
from digest.store.location import Location, is_server

BUSY_TIMEOUT = 30  # seconds a SQLite statement waits for another process's write lock
CONNECT_TIMEOUT = 10  # seconds to reach a PostgreSQL server
# A server or network path that vanishes without a word (no FIN, no RST) would leave a query,
# or the connection holding the serve lock, waiting for ever: libpq's TCP keepalives and
# tcp_user_timeout bound that to about a minute. Ignored on a Unix socket.
_DEAD_PEER = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 60_000,  # ms
}

# benchmarks/state_open.py turns it off to measure what the check costs; nothing else does.
quick_check = True

_servers: dict[str, Engine] = {}
_servers_lock = threading.Lock()


def engine_for(location: Location, *, max_page_count: int | None = None) -> Engine:
    if is_server(location):
        return _server_engine(str(location))
    return _sqlite_engine(Path(location), max_page_count)


def _server_engine(url: str) -> Engine:
    # Kept per URL for the process (the dialect learns the server's version once); connections
    # are not pooled: `serve` holds none between jobs, and a test can drop its database.
    with _servers_lock:
        engine = _servers.get(url)
        if engine is None:
            engine = create_engine(
                make_url(url).set(drivername="postgresql+psycopg"),
                poolclass=NullPool,
                connect_args={
                    "connect_timeout": CONNECT_TIMEOUT,
                    "application_name": "digest",
                    **_DEAD_PEER,
                },
            )
            _servers[url] = engine
        return engine


def _sqlite_engine(path: Path, max_page_count: int | None) -> Engine:
    engine = create_engine(
        URL.create("sqlite", database=str(path)),
        poolclass=NullPool,
        # check_same_thread=False: sources run in threads and ask seen(); the Store
        # serialises its use of the connection with a lock.
        connect_args={"timeout": BUSY_TIMEOUT, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # we BEGIN ourselves (module docstring)
        # Before anything is written (even the journal mode): a damaged file is reported, not
        # written to, and no digest file is written from what it says. quick_check: the
        # structure of every page, in time linear in the file (integrity_check also
        # cross-checks every index, at a much higher cost).
        problems = ["ok"]
        if quick_check:
            problems = [row[0] for row in dbapi_connection.execute("PRAGMA quick_check(3)")]
        if problems != ["ok"]:
            lines = [ln for p in problems for ln in p.splitlines() if not ln.startswith("***")]
            raise damaged(path, "; ".join(lines)[:300])
        if max_page_count is not None:  # a test's stand-in for a full disk (Store)
            dbapi_connection.execute(f"PRAGMA max_page_count = {int(max_page_count)}")
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL skips the fsync per commit yet a commit still survives the
        # process being killed (only a power cut can undo the last few). It shrinks the
        # window between an SMTP server accepting a message and us recording it as sent.
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    @event.listens_for(engine, "begin")
    def on_begin(connection) -> None:
        # On the driver's connection: the recipe's exec_driver_sql costs as much as the
        # query it opens (small reads are frequent: one per source, per digest, ...).
        sql = connection.info.pop("begin", "BEGIN")
        if sql:  # "": a single read in autocommit mode (core.StoreBase._reader)
            connection.connection.driver_connection.execute(sql)

    return engine
