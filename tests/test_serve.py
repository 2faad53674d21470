"""`digest serve` as a real process on a seconds-level schedule: files dropped between
firings, signals, SIGKILL and restart, a second instance, catch-up after a missed slot.

Driven by events, never by the clock: a log line, a digest file, a request held by a loopback
feed or SMTP server. Waits have a ceiling (serve_helpers.HANG) that only bounds a hang, so the
tests pass on a loaded machine and still fail when the behaviour breaks.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from helpers import LONDON, write_config
from mailserver import Mailboxes, smtp_server, wait_for
from pytest_httpserver import HTTPServer
from serve_helpers import HANG, REPO, Serve, drop, kill_strays, read_digests, titles, wait_until
from test_schedule import story
from webdata import rss
from werkzeug import Request, Response

from digest.config import load_config
from digest.pipeline import run_once
from digest.schedule import last_slot, slot_key
from digest.state import State
from digest.triggers import cron_trigger

pytestmark = [pytest.mark.slow, pytest.mark.both_backends]

EVERY_2S = {"digest": "*/2 * * * * *"}
ALICE, BOB = "alice@example.org", "bob@example.org"


def title(n: int) -> str:
    return story(n).partition("\n")[0]


class HeldFeed:
    """An empty feed on loopback that can hold its answer: a run in progress, on cue.

    While held, a request sets `reached` (the run is mid-collect) and waits for `let_go()`.
    """

    def __init__(self, server: HTTPServer) -> None:
        self.url = server.url_for("/feed.xml")
        self.reached, self.released = threading.Event(), threading.Event()
        self.released.set()
        server.expect_request("/feed.xml").respond_with_handler(self._respond)

    def hold(self) -> None:
        self.reached.clear()
        self.released.clear()

    def let_go(self) -> None:
        self.released.set()

    def _respond(self, request: Request) -> Response:
        if not self.released.is_set():
            self.reached.set()
            self.released.wait(2 * HANG)
        return Response(rss([]), content_type="application/rss+xml")

    def source(self) -> dict:
        return {"name": "Wire", "type": "feed", "url": self.url}


@pytest.fixture
def feed() -> Iterator[HeldFeed]:
    server = HTTPServer(threaded=True)
    server.start()
    held = HeldFeed(server)
    try:
        yield held
    finally:
        held.let_go()  # a failed test may leave a request waiting
        server.clear()
        server.stop()


@pytest.fixture(autouse=True)
def no_stray_servers() -> Iterator[None]:
    """A failed assert must not leave a `digest serve` firing every 2 s for ever."""
    yield
    kill_strays()


def test_each_digest_holds_exactly_the_new_articles_and_sigterm_exits_0(tmp_path: Path):
    config = write_config(tmp_path, schedule={**EVERY_2S, "collect": "1s"})
    articles = tmp_path / "articles"
    serve = Serve(config)
    serve.wait_for("Serving")
    drop(articles, "a.txt", story(1))
    out = tmp_path / "digests"
    wait_until(lambda: len(read_digests(out)) == 1, what="the first digest")
    for n in (2, 3):
        drop(articles, f"{n}.txt", story(n))
    # A firing may fall between the two drops on a slow machine: then 2 and 3 get a digest
    # each. Either way each is in exactly one digest, after the first.
    wait_until(lambda: sum(map(len, map(titles, read_digests(out)))) >= 3, what="articles 2, 3")
    done = len(_firings(serve.output()))
    # At least one more firing with nothing new: it must not write a digest.
    wait_until(
        lambda: any("nothing new" in f for f in _firings(serve.output())[done:]),
        what="a firing with nothing new",
    )

    code, _ = serve.stop(signal.SIGTERM)
    assert code == 0
    assert "Stopped after" in serve.output()
    # Sorted: a digest shows the newest story first, and 2 and 3 can share a file time.
    digests = [sorted(titles(d)) for d in read_digests(out)]
    assert digests[0] == [title(1)]
    assert sorted(t for d in digests[1:] for t in d) == sorted([title(2), title(3)])
    assert len(digests) in (2, 3) and all(digests)
    log = serve.output()
    assert "Collected: " in log and "Digest job for" in log and "Traceback" not in log


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_a_run_exits_0_and_loses_nothing(tmp_path, feed, sig):
    # A stop waits `--grace` seconds for the current run, then abandons it: nothing of it is
    # written yet, and writes happen under shutdown.critical(), so the next start redoes it.
    # The run is held mid-collect by a feed that does not answer until we let it.
    config = write_config(
        tmp_path,
        schedule=EVERY_2S,
        sources=[{"name": "Local", "type": "folder", "path": "articles"}, feed.source()],
        fetch={"timeout": 2 * HANG},
    )
    articles = tmp_path / "articles"
    for n in range(300):
        drop(articles, f"{n:03}.txt", story(n))
    feed.hold()
    serve = Serve(config, "--grace", "0")
    serve.wait_for("Serving")
    assert feed.reached.wait(HANG), serve.output()  # a run is collecting
    code, _ = serve.stop(sig)
    assert code == 0
    assert "Abandoning the run in progress" in serve.output()
    assert read_digests(tmp_path / "digests") == []
    feed.let_go()

    again = Serve(config)
    out = tmp_path / "digests"
    wait_until(lambda: sum(len(d["items"]) for d in read_digests(out)) >= 300, what="300 articles")
    assert again.stop()[0] == 0
    _assert_each_article_once(read_digests(out), 300)


def test_sigkill_mid_run_then_restart_loses_and_doubles_nothing(tmp_path, feed):
    # Three kills, each at a step a crash must survive: mid-collect (a feed held), right
    # after a digest file appears (writing and recording), and mid-send (bob's RCPT held).
    box = Mailboxes()
    at_rcpt, release = threading.Event(), threading.Event()
    hold_bob = threading.Event()

    async def on_rcpt(address: str) -> None:
        if address == BOB and hold_bob.is_set():
            at_rcpt.set()
            await wait_for(release)

    box.on_rcpt = on_rcpt
    articles = tmp_path / "articles"
    out = tmp_path / "digests"
    with smtp_server(box) as smtp:
        config = write_config(
            tmp_path,
            schedule=EVERY_2S,
            sources=[{"name": "Local", "type": "folder", "path": "articles"}, feed.source()],
            fetch={"timeout": 2 * HANG},
            email={
                "enabled": True,
                "from": "Brief <brief@example.org>",
                "recipients": [ALICE, BOB],
                "smtp": {"host": "127.0.0.1", "port": smtp.port, "security": "none"},
            },
        )
        dropped = 0

        def start_round() -> Serve:
            nonlocal dropped
            for _ in range(150):
                drop(articles, f"{dropped:04}.txt", story(dropped))
                dropped += 1
            serve = Serve(config)
            serve.wait_for("Serving")
            return serve

        feed.hold()  # round 1: killed while collecting
        serve = start_round()
        assert feed.reached.wait(HANG), serve.output()
        serve.kill()
        feed.let_go()

        before = {p.name for p in out.glob("digest-*")} if out.exists() else set()
        serve = start_round()  # round 2: killed as soon as a digest file is there
        wait_until(lambda: {p.name for p in out.glob("digest-*")} - before, what="a digest file")
        serve.kill()

        hold_bob.set()  # round 3: killed while sending
        serve = start_round()
        assert at_rcpt.wait(HANG), serve.output()
        serve.kill()
        hold_bob.clear()
        release.set()

        serve = Serve(config)
        wait_until(
            lambda: sum(len(d["items"]) for d in read_digests(out)) >= dropped,
            what=f"every article:\n{serve.output()}",
        )
        names = {d["_name"] for d in read_digests(out)}
        # Every digest reaches every reader. A kill after the server took a message and before
        # 'sent' was recorded sends it again with the same Message-ID (the documented window);
        # only the kill after writing can land there, so at most one message comes twice.
        for who in (ALICE, BOB):
            wait_until(
                lambda w=who: len(set(box.message_ids(w))) == len(names), what=f"{who}'s mail"
            )
        assert serve.stop()[0] == 0
        for who in (ALICE, BOB):
            ids = box.message_ids(who)
            assert len(ids) - len(set(ids)) <= 1, (who, ids)

    _assert_each_article_once(read_digests(out), dropped)
    with State(load_config(config).state) as state:
        assert state.pending() == []


def test_a_second_instance_on_the_same_state_is_refused(tmp_path: Path, state_url: str):
    # Two schedulers on one state would both build the same slot.
    config = write_config(tmp_path, schedule={"digest": "0 7 * * *"})
    first = Serve(config)
    first.wait_for("Serving")
    second = subprocess.run(
        [sys.executable, "-m", "digest", "serve", "--config", str(config)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=20,
        env={"PYTHONPATH": str(REPO), "PATH": "", **postgres_password()},
    )
    assert second.returncode == 1
    assert "another `digest serve` is already running" in second.stderr
    # A lock file beside a SQLite state; an advisory lock in a PostgreSQL one.
    held = "advisory lock is held" if "://" in state_url else "state.db.serve.lock"
    assert held in second.stderr and "Traceback" not in second.stderr
    assert first.proc.poll() is None  # the first one is untouched
    assert first.stop()[0] == 0


def postgres_password() -> dict[str, str]:
    return {"PGPASSWORD": os.environ["PGPASSWORD"]} if "PGPASSWORD" in os.environ else {}


def test_catch_up_builds_the_missed_slot_at_start_once(tmp_path: Path):
    # The state's last slot is days old and a slot has passed since (the machine was off).
    path = write_config(tmp_path, schedule={"digest": "0 7 * * *"})
    config = load_config(path)
    articles = tmp_path / "articles"
    now = datetime.now(LONDON)
    missed = last_slot(cron_trigger("0 7 * * *", LONDON), now)
    old = missed - timedelta(days=3)  # 07:00 local three days earlier (wall-clock arithmetic)
    drop(articles, "old.txt", story(0))
    run_once(config, now=old, slot=slot_key(old))
    drop(articles, "new.txt", story(1))

    serve = Serve(path)
    serve.wait_for("Catch-up job for")
    assert serve.stop()[0] == 0
    digests = read_digests(tmp_path / "digests")
    assert [titles(d) for d in digests] == [[title(0)], [title(1)]]
    with State(config.state) as state:
        assert state.last_digest().slot == slot_key(missed)

    again = Serve(path)  # a restart must not build the same slot again
    again.wait_for("Catch-up job for")
    assert again.stop()[0] == 0
    assert "already done" in again.output()
    assert len(read_digests(tmp_path / "digests")) == 2


def _firings(log: str) -> list[str]:
    """The digest job's log lines, oldest first (each up to the next one)."""
    return log.split("Digest job for ")[1:]


def _assert_each_article_once(digests: list[dict], expected: int) -> None:
    seen = [t for d in digests for t in titles(d)]
    assert len(seen) == len(set(seen)) == expected, (len(seen), len(set(seen)))
