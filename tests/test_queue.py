"""Queue mode (digest/queue/): `digest serve` defers, `digest worker` processes do the work.

Real parts throughout: a PostgreSQL database per test (conftest's postgres_url), real worker and
serve processes, a real SMTP server on loopback. Every wait is for an event (a state row, a log
line, a server hook), bounded by HANG.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from helpers import HARBOUR_ARTICLE, LIBRARY_ARTICLE, NOW, add_article, query, write_config
from mailserver import Mailboxes, smtp_server, wait_for
from serve_helpers import HANG, REPO, Serve, kill_strays, wait_until
from web_helpers import BASE, SECRET, SECRET_ENV, SECTIONS

from digest.cli import main
from digest.config import load_config
from digest.errors import ConfigError

pytestmark = pytest.mark.slow

READERS = [f"reader{i}@example.org" for i in range(7)]
QUEUE = {"enabled": True, "stalled_after": 2, "attempts": 2, "retry_wait": 0}


class Worker(Serve):
    """One `python -m digest worker` child, logging to worker.log beside the config."""

    def __init__(self, config: Path, log: Path | None = None) -> None:
        self.log = log or config.with_name("worker.log")
        self.offset = self.log.stat().st_size if self.log.exists() else 0
        self.handle = self.log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "digest", "worker", "--config", str(config)],
            cwd=config.parent,
            stdout=subprocess.DEVNULL,
            stderr=self.handle,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        Serve.started.append(self)


@pytest.fixture(autouse=True)
def _no_strays():
    yield
    kill_strays()


def queue_config(tmp_path: Path, state: str, **overrides) -> Path:
    path = write_config(tmp_path, **{"state": state, "queue": QUEUE, **overrides})
    add_article(tmp_path / "articles", "harbour.txt", HARBOUR_ARTICLE)
    add_article(tmp_path / "articles", "library.txt", LIBRARY_ARTICLE)
    return path


def email(port: int, **smtp) -> dict:
    return {
        "enabled": True,
        "from": "Brief <brief@example.org>",
        "recipients": READERS,
        "smtp": {"host": "127.0.0.1", "port": port, "security": "none", "attempts": 1, **smtp},
    }


def queue_slot(path: Path, now: datetime = NOW) -> str:
    """What `serve`'s digest job does at a slot, called directly (serve itself is tested below)."""
    from digest.queue.scheduler import queued_digest_job

    return queued_digest_job(load_config(path), now=now)


def sent(state: str) -> list[tuple]:
    return query(state, "SELECT recipient, status FROM deliveries ORDER BY recipient")


# --- config and command errors --------------------------------------------------------


def test_worker_on_sqlite_is_one_line_naming_the_fix(tmp_path, capsys):
    path = write_config(tmp_path)
    assert main(["worker", "--config", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "needs the state on PostgreSQL" in err and "state: postgresql://" in err


def test_queue_on_sqlite_is_a_config_error_naming_the_key(tmp_path):
    path = write_config(tmp_path, queue={"enabled": True})
    with pytest.raises(ConfigError, match=r"queue: enabled needs the state on PostgreSQL"):
        load_config(path)


def test_worker_with_the_queue_off_says_which_key(tmp_path, postgres_url, capsys):
    path = write_config(tmp_path, state=postgres_url)
    assert main(["worker", "--config", str(path)]) == 1
    assert "queue: {enabled: true}" in capsys.readouterr().err


# --- through real workers -------------------------------------------------------------


def test_a_digest_is_built_and_mailed_by_workers_once_per_reader(tmp_path, postgres_url):
    box = Mailboxes()
    with smtp_server(box) as smtp:
        path = queue_config(tmp_path, postgres_url, email=email(smtp.port))
        slot = queue_slot(path)
        workers = [Worker(path, log=tmp_path / f"worker{i}.log") for i in range(2)]
        wait_until(
            lambda: sum(1 for _, s in sent(postgres_url) if s == "sent") == len(READERS),
            what="every delivery sent",
        )
        for worker in workers:
            assert worker.stop()[0] == 0
    digests = query(postgres_url, "SELECT name, slot FROM digests")
    assert digests == [("digest-2026-11-24", slot)]
    assert query(postgres_url, "SELECT slot, digest FROM slot_runs") == [
        (slot, "digest-2026-11-24")
    ]
    articles = query(postgres_url, "SELECT title FROM articles ORDER BY title")
    assert [a[0] for a in articles] == [
        "Central library to open on Sunday afternoons",
        "City council approves harbour flood barrier",
    ]
    for reader in READERS:
        assert len(box[reader]) == 1, reader
        assert "harbour flood barrier" in box[reader][0].get_body(("plain",)).get_content()
    # Each story was prepared once, by a prepare job, and assembling read it from the state.
    assert query(postgres_url, "SELECT count(*) FROM prepared") == [(4,)]  # 2 cleaned, 2 briefs
    # A slot deferred again (a second serve, a restart) builds nothing more.
    assert queue_slot(path) is None
    assert (tmp_path / "digests" / "digest-2026-11-24.html").exists()


def test_a_worker_killed_mid_job_loses_nothing(tmp_path, postgres_url):
    box = Mailboxes()
    at_rcpt, release = threading.Event(), threading.Event()
    held = READERS[3]

    async def on_rcpt(address: str) -> None:
        if address == held and not release.is_set():
            at_rcpt.set()
            await wait_for(release)

    box.on_rcpt = on_rcpt
    with smtp_server(box) as smtp:
        path = queue_config(tmp_path, postgres_url, email=email(smtp.port))
        queue_slot(path)
        first = Worker(path, log=tmp_path / "first.log")
        # The first worker is mid-way through a send_mail job: SIGKILL it there.
        assert at_rcpt.wait(HANG), first.output()
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(HANG)
        release.set()
        second = Worker(path, log=tmp_path / "second.log")
        wait_until(
            lambda: sum(1 for _, s in sent(postgres_url) if s == "sent") == len(READERS),
            what=f"every delivery sent:\n{second.output()}",
        )
        assert "its worker stopped" in second.output()  # retried as a stalled job
        assert second.stop()[0] == 0
    for reader in READERS:
        assert len(box[reader]) == 1, reader  # killed before DATA: no duplicate, no loss


def test_a_job_failing_every_try_is_parked_and_shown_by_status(tmp_path, postgres_url, capsys):
    box = Mailboxes()
    refused = READERS[0]
    box.rcpt_replies[refused] = ["451 4.3.0 try again later"] * 10
    with smtp_server(box) as smtp:
        path = queue_config(tmp_path, postgres_url, email=email(smtp.port))
        queue_slot(path)
        worker = Worker(path)
        wait_until(
            lambda: query(postgres_url, "SELECT count(*) FROM parked_jobs") == [(1,)],
            what=f"a parked job:\n{worker.output()}",
        )
        assert worker.stop()[0] == 0
    assert dict(sent(postgres_url))[refused] == "pending"  # parked, not lost: a later run sends it
    assert all(len(box[r]) == 1 for r in READERS[1:])
    assert main(["status", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Parked jobs" in out and "send_mail" in out and "left pending" in out


def test_two_serves_build_one_slot(tmp_path, postgres_url):
    """Both start against one database: one schedules, the other stands by; one digest."""
    path = queue_config(tmp_path, postgres_url)
    # A state that has run slots before (so the start-up catch-up builds the missed one).
    from digest.state import State

    with State(postgres_url) as state:
        state.record_slot("2020-01-01T07:00:00+00:00", ran_at=NOW - timedelta(days=9), digest=None)
    first = Serve(path, log=tmp_path / "serve1.log")
    first.wait_for("Serving")
    second = Serve(path, log=tmp_path / "serve2.log")
    second.wait_for("Standing by")
    worker = Worker(path)
    wait_until(
        lambda: query(postgres_url, "SELECT count(*) FROM slot_runs") == [(2,)],
        what=f"the slot built:\n{worker.output()}",
    )
    assert first.stop()[0] == 0
    second.wait_for("Serving")  # takes over scheduling; the slot is done, so nothing is queued
    assert second.stop()[0] == 0
    assert worker.stop()[0] == 0
    assert len(query(postgres_url, "SELECT id FROM digests")) == 1
    assert "queued for the workers" not in second.output()


def test_mail_keeps_to_max_per_second_across_workers(tmp_path, postgres_url):
    """Two workers share one relay's limit: no second holds more than max_per_second mails.
    (A bound, not a speed: a slow machine only spreads them further.)"""
    import time

    box = Mailboxes()
    arrived: list[float] = []

    async def on_data(recipients: list[str]) -> None:
        arrived.append(time.monotonic())

    box.on_data = on_data
    with smtp_server(box) as smtp:
        path = queue_config(
            tmp_path,
            postgres_url,
            email=email(smtp.port, max_per_second=2),
            # Three send_mail jobs: both workers send, and a job holds more mails than the
            # limit lets go at once (turns are taken a window's worth at a time).
            queue={**QUEUE, "mail_batch": 3},
        )
        queue_slot(path)
        workers = [Worker(path, log=tmp_path / f"worker{i}.log") for i in range(2)]
        wait_until(lambda: len(arrived) == len(READERS), what="every mail")
        for worker in workers:
            worker.stop()
    arrived.sort()
    for first, third in zip(arrived, arrived[2:], strict=False):
        # The limiter spaces the sends' starts; a send's own time (connecting, a loaded machine)
        # moves an arrival by a fraction of that. Without a limit all 7 arrive within ~0.1 s.
        assert third - first >= 0.5, arrived


def test_collect_between_slots_fetches_and_prepares_without_building(tmp_path, postgres_url):
    """`schedule.collect` in queue mode: fetch and prepare jobs only; the slot assembles."""
    from digest.queue.scheduler import queued_collect_job

    path = queue_config(tmp_path, postgres_url)
    queued_collect_job(load_config(path), now=NOW)
    worker = Worker(path)
    wait_until(
        lambda: query(postgres_url, "SELECT count(*) FROM prepared") == [(4,)],
        what=f"both articles prepared:\n{worker.output()}",
    )
    assert query(postgres_url, "SELECT count(*) FROM staged_items") == [(2,)]
    assert query(postgres_url, "SELECT count(*) FROM digests") == [(0,)]
    queue_slot(path)
    wait_until(
        lambda: (
            query(postgres_url, "SELECT count(*) FROM digests WHERE status = 'written'") == [(1,)]
        ),
        what=f"the digest:\n{worker.output()}",
    )
    assert worker.stop()[0] == 0
    assert len(query(postgres_url, "SELECT uid FROM articles")) == 2


def test_workers_mail_web_readers_their_own_choice(tmp_path, postgres_url, monkeypatch):
    # Readers who subscribed on the web front are not in email.recipients, and chose sections:
    # a send_mail job mails them as a one-process run does, each their own copy.
    monkeypatch.setenv(SECRET_ENV, SECRET)
    for folder in ("articles", "arts"):
        (tmp_path / folder).mkdir(exist_ok=True)
    add_article(tmp_path / "articles", "harbour.txt", HARBOUR_ARTICLE)
    add_article(tmp_path / "arts", "library.txt", LIBRARY_ARTICLE)
    box = Mailboxes()
    with smtp_server(box) as smtp:
        path = write_config(
            tmp_path,
            state=postgres_url,
            queue=QUEUE,
            sources=[
                {"name": "Local", "type": "folder", "path": "articles"},
                {"name": "Arts", "type": "folder", "path": "arts"},
            ],
            sections=SECTIONS,
            email={**email(smtp.port), "recipients": [READERS[0]]},
            web={"listen": "127.0.0.1:0", "base_url": BASE, "secret_env": SECRET_ENV},
        )
        reader = "culture@example.org"
        assert main(["subscribers", "add", reader, "--topic", "Culture", "-c", str(path)]) == 0
        queue_slot(path)
        worker = Worker(path)
        wait_until(
            lambda: [s for _, s in sent(postgres_url)] == ["sent", "sent"],
            what="both deliveries sent",
        )
        assert worker.stop()[0] == 0
    everything = box[READERS[0]][0].get_body(("plain",)).get_content()
    assert "harbour flood barrier" in everything and "library" in everything.lower()
    assert len(box[reader]) == 1
    culture = box[reader][0].get_body(("plain",)).get_content()
    assert "library" in culture.lower() and "harbour flood barrier" not in culture


def test_a_worker_keeps_its_state_between_jobs_but_not_after_one_that_failed(tmp_path):
    """Opening a State is two connections and a schema check: a worker's jobs share one, and
    a job that fails leaves the next a fresh one (its connection may be what failed)."""
    from digest.queue.tasks import _state, _states

    config = load_config(write_config(tmp_path))
    try:
        with _state(config) as first:
            pass
        with _state(config) as second:
            assert second is first
        with pytest.raises(RuntimeError), _state(config):
            raise RuntimeError("the job failed")
        assert first.conn is None  # closed
        with _state(config) as third:
            assert third is not first and third.conn is not None
    finally:
        for state in _states.values():
            state.close()
        _states.clear()
