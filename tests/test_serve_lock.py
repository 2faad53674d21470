"""On PostgreSQL the serve lock is an advisory lock, held by a connection of its own. When that
connection drops (server restart, network, an administrator's pg_terminate_backend) the server
frees the lock without telling anyone: `serve` must notice, take it again, or stop when another
`serve` has it by then, since two schedulers would build and send each slot twice.

Driven by events: a log line, a row in pg_locks, a lock request queued on the server.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import write_config
from serve_helpers import HANG, REPO, Serve, kill_strays, wait_until
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from test_serve import postgres_password

from digest.store.locks import _DIGEST, SERVE_LOCK

pytestmark = pytest.mark.slow

# pg_locks is the whole cluster's: only this test's database counts.
HOLDERS = (
    "SELECT pid, granted FROM pg_locks WHERE locktype = 'advisory'"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    " AND classid = :k AND objid = :w AND objsubid = 2"
)


@pytest.fixture(autouse=True)
def no_stray_servers() -> Iterator[None]:
    yield
    kill_strays()


@pytest.fixture
def admin(postgres_url: str):
    engine = create_engine(
        postgres_url.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=NullPool
    )
    yield engine
    engine.dispose()


def lock_rows(admin) -> list[tuple[int, bool]]:
    with admin.connect() as db:
        return [tuple(r) for r in db.execute(text(HOLDERS), {"k": _DIGEST, "w": SERVE_LOCK})]


def holder(admin) -> int:
    wait_until(lambda: any(granted for _, granted in lock_rows(admin)), what="a serve lock holder")
    return next(pid for pid, granted in lock_rows(admin) if granted)


def terminate(admin, pid: int) -> None:
    with admin.connect() as db:
        assert db.execute(text("SELECT pg_terminate_backend(:pid, 30000)"), {"pid": pid}).scalar()


def serving(tmp_path: Path, postgres_url: str) -> tuple[Path, Serve]:
    config = write_config(tmp_path, state=postgres_url, schedule={"digest": "0 7 * * *"})
    serve = Serve(config)
    serve.wait_for("Serving")
    return config, serve


def test_a_dropped_lock_connection_is_noticed_and_the_lock_taken_again(
    tmp_path: Path, postgres_url: str, admin
):
    config, serve = serving(tmp_path, postgres_url)
    first = holder(admin)
    terminate(admin, first)

    serve.wait_for("Took the serve lock on")
    assert "was lost (its connection dropped)" in serve.output()
    assert holder(admin) != first
    # Held again for real: a second serve is still refused.
    second = subprocess.run(
        [sys.executable, "-m", "digest", "serve", "--config", str(config)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=HANG,
        env={"PYTHONPATH": str(REPO), "PATH": "", **postgres_password()},
    )
    assert second.returncode == 1
    assert "another `digest serve` is already running" in second.stderr
    assert serve.stop()[0] == 0


def test_a_serve_whose_lock_another_process_took_stops_with_a_reason(
    tmp_path: Path, postgres_url: str, admin
):
    _, serve = serving(tmp_path, postgres_url)
    first = holder(admin)
    # Queue a blocking request for the lock on the server, then drop the holder's connection:
    # the server hands the lock to the queued request, before `serve` can ask for it again.
    taken = threading.Event()
    release = threading.Event()

    def take() -> None:
        with admin.connect() as db:
            db.execute(text("SELECT pg_advisory_lock(:k, :w)"), {"k": _DIGEST, "w": SERVE_LOCK})
            taken.set()
            release.wait(HANG)
            db.execute(text("SELECT pg_advisory_unlock(:k, :w)"), {"k": _DIGEST, "w": SERVE_LOCK})

    thief = threading.Thread(target=take, daemon=True)
    thief.start()
    try:
        wait_until(lambda: len(lock_rows(admin)) == 2, what="the second lock request queued")
        terminate(admin, first)
        assert taken.wait(HANG)

        assert serve.proc.wait(timeout=HANG) == 1
        log = serve.output()
        assert "Another `digest serve` took over" in log and "Traceback" not in log
    finally:
        release.set()
        thief.join(HANG)
