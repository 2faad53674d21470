"""`digest serve` as a real process on a seconds-level schedule: files dropped between
firings, signals, SIGKILL and restart, a second instance, catch-up after a missed slot."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import LONDON, write_config
from serve_helpers import REPO, Serve, drop, read_digests, titles, wait_until
from test_schedule import story

from digest.config import load_config
from digest.pipeline import run_once
from digest.schedule import last_slot, slot_key
from digest.state import State
from digest.triggers import cron_trigger

pytestmark = pytest.mark.slow

EVERY_2S = {"digest": "*/2 * * * * *"}


def title(n: int) -> str:
    return story(n).partition("\n")[0]


def test_each_digest_holds_exactly_the_new_articles_and_sigterm_exits_0(tmp_path: Path):
    config = write_config(tmp_path, schedule={**EVERY_2S, "collect": "1s"})
    articles = tmp_path / "articles"
    serve = Serve(config)
    serve.wait_for("Serving")
    drop(articles, "a.txt", story(1))
    out = tmp_path / "digests"
    wait_until(lambda: len(read_digests(out)) == 1, 10, "the first digest")
    for n in (2, 3):
        drop(articles, f"{n}.txt", story(n))
    wait_until(lambda: len(read_digests(out)) == 2, 10, "the second digest")
    time.sleep(2.5)  # at least one more firing with nothing new: no digest for it

    code, took = serve.stop(signal.SIGTERM)
    assert code == 0 and took < 3
    assert "Stopped after" in serve.output()
    # Sorted: a digest shows the newest story first, and 2 and 3 can share a file time.
    assert [sorted(titles(d)) for d in read_digests(out)] == [
        [title(1)],
        sorted([title(2), title(3)]),
    ]
    log = serve.output()
    assert "Collected: " in log and "Digest job for" in log and "Traceback" not in log


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_a_run_exits_0_within_seconds_and_loses_nothing(tmp_path, sig):
    # A stop waits `--grace` seconds for the current run, then abandons it: nothing of it is
    # written yet, and writes happen under shutdown.critical(), so the next start redoes it.
    config = write_config(tmp_path, schedule=EVERY_2S)
    articles = tmp_path / "articles"
    serve = Serve(config, "--grace", "0")
    serve.wait_for("Serving")
    for n in range(300):
        drop(articles, f"{n:03}.txt", story(n))
    _sleep_to_slot(offset=0.15)  # into the run that collects all 300
    code, took = serve.stop(sig)
    assert code == 0 and took < 3
    assert "Abandoning the run in progress" in serve.output()

    again = Serve(config)
    out = tmp_path / "digests"
    wait_until(lambda: sum(len(d["items"]) for d in read_digests(out)) >= 300, 15, "300 articles")
    again.stop()
    _assert_each_article_once(read_digests(out), 300)


def test_sigkill_mid_run_then_restart_loses_and_doubles_nothing(tmp_path: Path):
    config = write_config(tmp_path, schedule=EVERY_2S)
    articles = tmp_path / "articles"
    out = tmp_path / "digests"
    dropped = 0
    for round_ in range(3):
        serve = Serve(config)
        serve.wait_for("Serving")
        for _ in range(150):
            drop(articles, f"{dropped:04}.txt", story(dropped))
            dropped += 1
        _sleep_to_slot(offset=0.05 + 0.1 * round_)  # land at a different step each round
        serve.kill()
    serve = Serve(config)
    wait_until(
        lambda: sum(len(d["items"]) for d in read_digests(out)) >= dropped, 15, "every article"
    )
    serve.stop()
    _assert_each_article_once(read_digests(out), dropped)
    with State(load_config(config).state) as state:
        assert state.pending() == []


def test_a_second_instance_on_the_same_state_is_refused(tmp_path: Path):
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
        env={"PYTHONPATH": str(REPO), "PATH": ""},
    )
    assert second.returncode == 1
    assert "another `digest serve` is already running" in second.stderr
    assert "state.db.serve.lock" in second.stderr and "Traceback" not in second.stderr
    assert first.proc.poll() is None  # the first one is untouched
    assert first.stop()[0] == 0


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


def _sleep_to_slot(offset: float, every: float = 2.0) -> None:
    """Sleep until `offset` seconds after the next firing of a */2-second schedule."""
    now = time.time()
    time.sleep((every - now % every) + offset)


def _assert_each_article_once(digests: list[dict], expected: int) -> None:
    seen = [t for d in digests for t in titles(d)]
    assert len(seen) == len(set(seen)) == expected, (len(seen), len(set(seen)))
