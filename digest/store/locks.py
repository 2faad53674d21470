"""One `run` (or collect) at a time, and one `serve`, per state.

SQLite: a lock file beside the state file (filelock). PostgreSQL: a session advisory lock in the
state's database, held by a connection of its own for as long as the lock is; the server frees
it if the process dies, as the kernel frees a file lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from digest.errors import DigestError
from digest.store.location import Location, describe, is_server

RUN_LOCK_WAIT = 300  # seconds a run waits for another run on the same state to finish

# Advisory lock keys (two int4s): a constant for digest, then which lock. Advisory locks are
# per database, so two states in two databases never contend.
_DIGEST = 0x64676573
RUN_LOCK, SERVE_LOCK = 1, 2
# pg_locks shows a two-int4 advisory lock's keys as classid and objid, objsubid 2.
_STILL_HELD = (
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
    " AND classid = :k AND objid = :w AND objsubid = 2 AND granted"
)


class Held:
    """A lock that is held until release()."""

    def __init__(self, release, check=None) -> None:
        self._release = release
        self._check = check

    def check(self) -> bool:
        """Is the lock still ours? A file lock cannot be lost while the process lives; an
        advisory lock is lost with its connection (a server restart, a dropped network path,
        an administrator's pg_terminate_backend), and nothing tells the holder."""
        return self._release is not None and (self._check is None or self._check())

    def release(self) -> None:
        if self._release is not None:
            release, self._release = self._release, None
            release()


def acquire(location: Location, which: int, *, wait: float) -> Held | None:
    """The lock, or None if another process holds it after `wait` seconds."""
    if is_server(location):
        return _advisory(str(location), which, wait)
    from filelock import FileLock, Timeout

    suffix = ".run.lock" if which == RUN_LOCK else ".serve.lock"
    lock = FileLock(f"{location}{suffix}", timeout=wait)
    Path(location).parent.mkdir(parents=True, exist_ok=True)
    try:
        lock.acquire()
    except Timeout:
        return None
    return Held(lock.release)


def _advisory(url: str, which: int, wait: float) -> Held | None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

    from digest.store.engine import engine_for
    from digest.store.errors import cannot_open

    try:
        conn = engine_for(url).connect().execution_options(isolation_level="AUTOCOMMIT")
    except DBAPIError as exc:
        raise cannot_open(url, exc) from None
    try:
        if wait <= 0:
            got = conn.execute(
                text("SELECT pg_try_advisory_lock(:k, :w)"), {"k": _DIGEST, "w": which}
            ).scalar()
        else:
            # The server does the waiting, bounded by lock_timeout, and hands the lock over
            # the moment the holder lets go.
            conn.execute(text(f"SET lock_timeout = '{int(wait * 1000)}ms'"))
            try:
                conn.execute(text("SELECT pg_advisory_lock(:k, :w)"), {"k": _DIGEST, "w": which})
                got = True
            except OperationalError as exc:
                if getattr(exc.orig, "sqlstate", None) != "55P03":  # lock_not_available
                    raise
                got = False
            conn.execute(text("SET lock_timeout = 0"))
    except BaseException:
        conn.close()
        raise
    if not got:
        conn.close()
        return None

    def release() -> None:
        try:
            conn.execute(text("SELECT pg_advisory_unlock(:k, :w)"), {"k": _DIGEST, "w": which})
        except SQLAlchemyError:
            pass  # the connection is gone, and the lock with it
        finally:
            conn.close()

    def check() -> bool:
        try:
            return bool(conn.execute(text(_STILL_HELD), {"k": _DIGEST, "w": which}).scalar())
        except SQLAlchemyError:
            return False  # the connection is gone (or unusable), and the lock with it

    return Held(release, check)


@contextmanager
def exclusive_run(location: Location, *, wait: float = RUN_LOCK_WAIT) -> Iterator[None]:
    """One run at a time per state: a manual `digest run` while `digest serve` is building a
    digest waits for it instead of racing it for the same articles and digest name."""
    from digest.store.errors import state_error

    try:
        held = acquire(location, RUN_LOCK, wait=wait)
    except OSError as exc:  # the lock file beside the state cannot be made: full disk, say
        raise state_error(location, exc) from None
    if held is None:
        raise DigestError(
            f"another digest run on {describe(location)} has not finished after {wait:.0f}s",
            hint="wait for it, or check for a stuck `digest run` process",
        )
    try:
        yield
    finally:
        held.release()


def serve_lock(location: Location) -> Held:
    """One `serve` per state: two would both build the same slot's digest."""
    held = acquire(location, SERVE_LOCK, wait=0)
    if held is None:
        lock = (
            "a PostgreSQL advisory lock is held"
            if is_server(location)
            else f"lock {location}.serve.lock is held"
        )
        raise DigestError(
            f"another `digest serve` is already running with state {describe(location)} ({lock})",
            hint="stop it first, or give this config its own `state:`",
        )
    return held
