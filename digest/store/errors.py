"""A failure of the state itself (damage, full disk, I/O, a server that cannot be reached) as
one StateError line naming the state; anything else (a bug in our SQL) keeps its traceback."""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from digest.errors import DigestError, StateError
from digest.store.location import Location, describe, is_server

_PATH_HINT = "check the `state:` path in config.yaml and that it is writable"
_SERVER_HINT = (
    "check `state:` in config.yaml, that the PostgreSQL server is running and reachable, and"
    " the password (PGPASSWORD or ~/.pgpass)"
)


def state_error(location: Location, exc: BaseException) -> StateError | None:
    """The StateError for `exc` (a DBAPI error, possibly wrapped by SQLAlchemy, or an OSError),
    or None for anything else."""
    exc = getattr(exc, "orig", None) or exc
    where = describe(location)
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return disk_full(where, exc.strerror or str(exc))
        return StateError(
            f"cannot use the state database {where}: {exc.strerror or exc}", hint=_PATH_HINT
        )
    if isinstance(exc, sqlite3.Error):
        return _sqlite_error(where, exc)
    sqlstate = getattr(exc, "sqlstate", None)
    if sqlstate is None and not _is_psycopg(exc):
        return None
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if sqlstate is None or sqlstate.startswith("08") or sqlstate.startswith("28"):
        # No server answer (refused, timed out), a lost connection, or a login refused.
        return StateError(f"cannot use the state database {where}: {detail}", hint=_SERVER_HINT)
    if sqlstate == "3D000":
        return StateError(
            f"state database {where} does not exist: {detail}",
            hint="create it (createdb), or check `state:` in config.yaml",
        )
    if sqlstate.startswith("53"):  # insufficient resources: disk full, out of memory
        return disk_full(where, detail)
    if sqlstate.startswith("57P") or sqlstate == "58030":  # shut down; I/O error
        return StateError(
            f"the state database {where} stopped answering: {detail}",
            hint="check the PostgreSQL server and its logs, then run again",
        )
    if sqlstate.startswith("XX0"):  # data_corrupted, index_corrupted
        return damaged(where, detail)
    if sqlstate == "42501":
        return StateError(
            f"not allowed to use the state database {where}: {detail}",
            hint="grant the `state:` user the rights to create tables in that database",
        )
    return None


def _is_psycopg(exc: BaseException) -> bool:
    return type(exc).__module__.startswith("psycopg")


def _sqlite_error(where: str, exc: sqlite3.Error) -> StateError | None:
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return damaged(where, str(exc))
    if code == sqlite3.SQLITE_FULL:
        return disk_full(where, str(exc))
    if code == sqlite3.SQLITE_IOERR:
        return StateError(
            f"I/O error on the state database {where}: {exc}",
            hint="check the disk it is on (dmesg), then run again",
        )
    if code in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM):
        return StateError(f"cannot open state database {where}: {exc}", hint=_PATH_HINT)
    return None


def damaged(where: object, detail: str) -> StateError:
    if is_server(where):  # type: ignore[arg-type]
        hint = "restore it from a backup; on an empty one, `digest run --new-state` starts over"
    else:
        hint = (
            f"move it aside (mv {where} {where}.damaged), then restore a backup or recover it"
            ' (README: "A damaged state"); without one, `digest run --new-state` starts over'
        )
    return StateError(f"state database {where} is damaged: {detail}", hint=hint)


def disk_full(where: object, detail: str) -> StateError:
    return StateError(
        f"cannot write the state database {where}: {detail}",
        hint="the disk is full: free space on it and run again; nothing was sent or marked"
        " done that the state does not record",
    )


def cannot_open(location: Location, exc: BaseException) -> DigestError:
    return state_error(location, exc) or DigestError(
        f"cannot open state database {describe(location)}: {exc}",
        hint=_SERVER_HINT if is_server(location) else _PATH_HINT,
    )


@contextmanager
def storage_errors(location: Location) -> Iterator[None]:
    """Turn a failure of the state (damage, full disk, I/O, server gone) into one StateError."""
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except (DBAPIError, sqlite3.Error) as exc:
        error = state_error(location, exc)
        if error is None:
            raise
        raise error from None
