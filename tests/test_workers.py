"""The process pool: same output as one process, in order, failures isolated, logs kept."""

from __future__ import annotations

import logging
import os
import signal
import threading
from functools import partial

import pytest
from stories import story

from digest import workers
from digest.models import SourceItem
from digest.pipeline import extract_all
from digest.workers import Workers

log = logging.getLogger("digest.test_workers")

# How the workers start: a plain fork (`digest run`, one thread) or from the forkserver (`digest
# serve`'s threads). Each behaviour below holds for both.
METHODS = ["fork", "forkserver"]


def whoami(n: int) -> tuple[int, int]:
    log.info("item %d done", n)
    return n, os.getpid()


def die_once_on(n: int, *, victim: int, main_pid: int) -> int:
    # Kills its own worker process; run in the main process (the fallback), it just works.
    if n == victim and os.getpid() != main_pid:
        os.kill(os.getpid(), signal.SIGKILL)
    return n * n


def wait_for(n: int, *, main_pid: int) -> int:
    if os.getpid() != main_pid:  # the main process does its share and waits for the workers
        log.info("worker %d waiting", os.getpid())
        threading.Event().wait(60)  # a task that only ends when its worker is killed
    return n


def items(count: int) -> list[SourceItem]:
    out = []
    for n in range(count):
        title, _, body = story(n).partition("\n\n")
        out.append(SourceItem("Local", f"uid{n}", f"{n}.txt", body, "text/plain", title=title))
    # Nothing left after cleaning: skipped with its reason, in its place, the rest go on.
    out.insert(
        5, SourceItem("Local", "empty", "empty.txt", "Subscribe now!", "text/plain", title="T")
    )
    return out


@pytest.mark.parametrize("start_method", METHODS)
def test_tasks_run_in_other_processes_in_order_and_their_logs_reach_this_one(caplog, start_method):
    with (
        caplog.at_level(logging.INFO, logger="digest"),
        Workers(2, min_items_per_worker=1, start_method=start_method) as pool,
    ):
        results = list(pool.map(whoami, list(range(40))))
    assert [n for n, _ in results] == list(range(40))
    pids = {pid for _, pid in results}
    assert pids - {os.getpid()}, "no task ran in a worker"  # the first chunk always does
    lines = [r for r in caplog.records if r.name == "digest.test_workers"]
    assert sorted(r.getMessage() for r in lines) == sorted(f"item {n} done" for n in range(40))
    assert {r.process for r in lines} == pids


@pytest.mark.parametrize("start_method", METHODS)
def test_extracting_on_two_processes_gives_what_one_process_gives(start_method):
    batch = items(24)
    one = extract_all(list(batch), Workers(1))
    with Workers(2, min_items_per_worker=1, start_method=start_method) as pool:
        two = extract_all(list(batch), pool)
    assert [a.uid for a in two[0]] == [a.uid for a in one[0]] == [f"uid{n}" for n in range(24)]
    assert two[0] == one[0]
    assert {u: s.tolist() for u, s in two[1].items()} == {u: s.tolist() for u, s in one[1].items()}
    assert [(s.uid, s.reason) for s in two[2]] == [(s.uid, s.reason) for s in one[2]]
    assert [s.uid for s in two[2]] == ["empty"]


@pytest.mark.parametrize("start_method", METHODS)
def test_a_killed_worker_loses_nothing(caplog, start_method):
    # Item 0 is in the first chunk, which is always a worker's.
    task = partial(die_once_on, victim=0, main_pid=os.getpid())
    with (
        caplog.at_level(logging.WARNING, logger="digest"),
        Workers(2, min_items_per_worker=1, start_method=start_method) as pool,
    ):
        assert list(pool.map(task, list(range(30)))) == [n * n for n in range(30)]
    assert any("worker process died" in m for m in caplog.messages)


@pytest.mark.parametrize("start_method", METHODS)
def test_terminate_all_stops_the_workers_mid_task(caplog, start_method):
    pool = Workers(2, min_items_per_worker=1, start_method=start_method)
    outcome = []

    def run():
        try:
            list(pool.map(partial(wait_for, main_pid=os.getpid()), list(range(4))))
        except Exception as exc:  # noqa: BLE001 - the test reads what map raised
            outcome.append(exc)

    started = threading.Event()

    class Seen(logging.Handler):
        def emit(self, record):
            if "waiting" in record.getMessage():
                started.set()

    seen = Seen()
    logging.getLogger("digest.test_workers").addHandler(seen)
    try:
        with caplog.at_level(logging.INFO, logger="digest"):
            thread = threading.Thread(target=run)
            thread.start()
            assert started.wait(60), "no worker started its task"
            pids = list(pool._pool._processes)
            workers.terminate_all()
            thread.join(60)
    finally:
        logging.getLogger("digest.test_workers").removeHandler(seen)
    assert not thread.is_alive()
    assert outcome and type(outcome[0]).__name__ == "BrokenProcessPool"
    # By pid: a forked worker is this process's child, which the pool's own thread reaps, so
    # a second join here can find it gone and report it alive.
    gone_within(60, pids)
    pool.close()


@pytest.mark.parametrize("count", [1, 7, 40, 3000, 10_000])
def test_chunks_cover_the_items_in_order_and_shrink_as_the_work_goes(count):
    items = list(range(count))
    chunks = workers._guided_chunks(items, 2)
    assert [n for chunk in chunks for n in chunk] == items
    sizes = [len(chunk) for chunk in chunks]
    # Never larger than the one before, but for the last: what is left.
    assert all(a >= b for a, b in zip(sizes[:-2], sizes[1:-1], strict=True))
    # The last chunks are small: at the end, a process never waits for a long one.
    assert max(sizes[-2:]) <= max(1, count // 128)
    if count >= 40:
        assert sizes[0] >= 4 * sizes[-2]


@pytest.mark.parametrize("size", [None, 1])
def test_pool_size_defaults_to_the_cpus_this_process_may_use(size):
    assert Workers(size).size == (size or len(os.sched_getaffinity(0)))


def test_a_digest_made_on_two_processes_is_the_one_made_on_one(tmp_path, monkeypatch):
    import json

    from helpers import NOW, add_article, write_config

    from digest.config import load_config
    from digest.pipeline import run_once

    # A pool even for a few articles, however its workers start.
    monkeypatch.setattr(workers, "MIN_ITEMS_PER_WORKER", {"fork": 1, "forkserver": 1})
    made = {}
    for size in (1, 2):
        root = tmp_path / f"w{size}"
        (root / "articles").mkdir(parents=True)
        for n in range(12):
            add_article(root / "articles", f"{n:02}.txt", story(n))
        add_article(root / "articles", "copy.txt", story(3))  # folded into 03.txt's brief
        config = load_config(write_config(root, workers=size))
        report = run_once(config, now=NOW)
        data = json.loads((config.output.dir / f"{report.digest_name}.json").read_text())
        made[size] = [(i["title"], i["sentences"]) for i in data["items"]]
    assert made[2] == made[1] and len(made[1]) == 12


POOL_OWNER = """
import os, sys, threading
sys.path[:0] = [{tests!r}]
from digest.workers import Workers
from test_workers import report_and_wait

pool = Workers(2, min_items_per_worker=1)
threading.Thread(target=lambda: list(pool.map(report_and_wait, [{out!r}] * 4)), daemon=True).start()
threading.Event().wait()
"""


def report_and_wait(out: str) -> None:
    with open(out, "a") as fh:
        fh.write(f"{os.getpid()}\n")
    threading.Event().wait(300)


def test_workers_end_when_the_process_that_owns_them_is_killed(tmp_path):
    # SIGKILL (or `serve` leaving mid-run) gives the pool no chance to stop its workers; an
    # idle worker would wait on its queue forever and keep the forkserver alive with it.
    import subprocess
    import sys
    import time

    from helpers import REPO

    out = tmp_path / "pids"
    script = POOL_OWNER.format(tests=str(REPO / "tests"), out=str(out))
    owner = subprocess.Popen([sys.executable, "-c", script], cwd=REPO)
    try:
        deadline = time.monotonic() + 60
        while len(set(out.read_text().split()) if out.exists() else ()) < 2:
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.05)
        pids = {int(p) for p in out.read_text().split()}
    finally:
        owner.kill()
        owner.wait(30)

    gone_within(60, pids)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as fh:  # a zombie is gone for our purpose
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        # reaped between the two looks: opening its /proc entry, or reading the open entry,
        # finds the process gone (the read fails with ESRCH)
        return False


def gone_within(seconds: float, pids) -> None:
    import time

    deadline = time.monotonic() + seconds
    while any(alive(pid) for pid in pids):
        assert time.monotonic() < deadline, f"workers {pids} are still running"
        time.sleep(0.05)


def forkservers() -> list[int]:
    """This process's children that are multiprocessing forkservers."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
            with open(f"/proc/{entry.name}/cmdline", "rb") as fh:
                cmdline = fh.read()
        except OSError:
            continue
        if ppid == os.getpid() and b"forkserver" in cmdline:
            found.append(int(entry.name))
    return found


def test_the_forkserver_goes_with_the_last_pool_and_comes_back_for_the_next():
    # It holds a copy of the whole pipeline: kept past the pool, it is memory for nothing.
    for _ in range(2):
        with Workers(2, min_items_per_worker=1, start_method="forkserver") as pool:
            assert [n for n, _ in pool.map(whoami, list(range(8)))] == list(range(8))
            assert len(forkservers()) == 1
        assert forkservers() == []


CHOOSER = """
import logging, sys, threading
sys.path[:0] = [{tests!r}]
from digest.workers import Workers
from test_workers import whoami

logging.basicConfig(level=logging.DEBUG, format="%(message)s")
if {threaded}:
    threading.Thread(target=threading.Event().wait, daemon=True).start()
with Workers(2, min_items_per_worker=1) as pool:
    assert [n for n, _ in pool.map(whoami, list(range(8)))] == list(range(8))
"""


@pytest.mark.parametrize(("threaded", "method"), [(False, "fork"), (True, "forkserver")])
def test_workers_are_forked_only_from_a_process_with_one_thread(threaded, method):
    # A fork copies every lock as it is: one that another thread holds would stay held in the
    # worker for good. `digest run` has one thread; `digest serve` has its scheduler's.
    import subprocess
    import sys

    from helpers import REPO

    script = CHOOSER.format(tests=str(REPO / "tests"), threaded=threaded)
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert f"Started 1 worker processes ({method})" in done.stderr
