"""Extracting, cleaning and summarising on every core: a process pool sized to the CPUs.

`Workers.map(fn, items)` returns `fn(item)` for each item, in the items' order, worked out
by `size` processes: this one and `size - 1` workers. The task
functions isolate their own failures (they return a reason rather than raise), so one bad
article stays one skipped article. Log lines from the workers travel over a queue to this
process and are handled by the logger they were made for, so `--verbose` and the service log
see them as if the work had been done here.

A worker is a fork of this process when this process has one thread (`digest run`): the
article tasks' modules are imported here first, so every worker shares them, and it starts in
milliseconds. Forking a process with other threads (`digest serve`'s scheduler) can copy a lock
one of them holds, held for good in the copy: there, workers come from a forkserver, which
imports the tasks once (digest.tasks) and forks each worker from itself.

The work is handed out in chunks that shrink as it goes, and a worker holds at most one chunk
besides the one it is doing, so at the end of a map no process waits long for another.
"""

from __future__ import annotations

import gc
import importlib
import logging
import logging.handlers
import multiprocessing
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from queue import Empty
from typing import TypeVar

from digest.malloc import release_free_memory

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

# Below this many items per process, starting the pool costs more than it saves, by how its
# workers start (every article is pickled twice as well). Measured with benchmarks/end_to_end.py
# on 2 cores. Forked, after importing the tasks here (0.3 s): 300 stories took 2.0 s in one
# process and on two, 1,000 took 3.7 s and 3.2 s. From the forkserver, whose imports take 0.8 s
# before a worker starts: 1,000 took 6.0 s and 7.6 s, 3,000 24.6 s and 19.1 s.
MIN_ITEMS_PER_WORKER = {"fork": 150, "forkserver": 750}
# A map's chunks shrink as the work goes ("guided" scheduling): each is this share of what is
# left per process, so the first are large (few round trips) and the last small (no process waits
# long for another at the end), down to a 1/SMALLEST_SHARE of a process's share.
CHUNK_SHARE = 4
SMALLEST_SHARE = 64
# Imported once, here before forking or by the forkserver, so every worker shares them instead
# of importing its own copy on first use (the pipeline imports these lazily, to keep the CLI's
# start-up quick); the last one also runs an article through, to build the tables first use
# builds.
_PRELOAD = ["digest.tasks", "trafilatura", "numpy", "rensa", "digest.worker_preload"]

# Pools alive in this process, so `digest serve` can stop their workers when it must leave
# in the middle of a run (see terminate_all).
_live: set[Workers] = set()
_live_lock = threading.Lock()


def cpu_count() -> int:
    """The CPUs this process may run on (a container's or taskset's limit, not the machine's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Workers:
    """A process pool started on first use, or none at all when one process is enough."""

    def __init__(
        self,
        workers: int | None = None,
        *,
        min_items_per_worker: int | None = None,
        start_method: str | None = None,
    ) -> None:
        self.size = workers or cpu_count()
        self.start_method = start_method  # "fork" or "forkserver"; None: fork when safe
        self.min_items_per_worker = min_items_per_worker
        self._pool: ProcessPoolExecutor | None = None
        self._started = ""  # how the running pool's workers were started
        self._listener: _LogRelay | None = None
        self._terminated = False

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[R]:
        """`fn(item)` for each item, in order, each yielded as soon as it and those before it
        are done (so progress can be shown as the work goes).

        This process is one of the `size`: the pool has `size - 1` workers, and while the
        next results in order are not ready, this process does the next chunk no worker has.
        Waiting idle on the workers cost a whole process's memory and the pickling of its share
        of the articles, for no more cores at work.
        """
        method = self._method()
        least = self.min_items_per_worker or MIN_ITEMS_PER_WORKER[method]
        if self.size < 2 or len(items) < self.size * least:
            yield from map(fn, items)
            return
        chunks = _guided_chunks(items, self.size)
        here: dict[int, list[R]] = {}  # chunks done in this process, by position
        futures: dict[int, Future] = {}  # chunks handed to the workers, until yielded
        taken = 0  # chunks handed out so far, to a worker or to this process
        front = 0  # the next chunk to yield
        # Each worker holds one chunk running and one queued, no more: a chunk queued to a
        # worker cannot be taken back, and at the end this process would wait for all of them.
        window = 2 * (self.size - 1)

        def feed() -> None:
            nonlocal taken
            while taken < len(chunks) and sum(not f.done() for f in futures.values()) < window:
                futures[taken] = pool.submit(_run_chunk, fn, chunks[taken])
                taken += 1

        try:
            pool = self._start(method)
            feed()  # the first chunks are the workers': the pool is never started for nothing
            while front < len(chunks):
                if front in here:
                    done = here.pop(front)
                elif front in futures and (futures[front].done() or taken == len(chunks)):
                    done = futures.pop(front).result()
                else:
                    # The next results in order are not ready: do the next chunk no one has,
                    # keeping the workers fed between its items.
                    k, taken = taken, taken + 1
                    here[k] = []
                    for item in chunks[k]:
                        here[k].append(fn(item))
                        feed()
                    continue
                yield from done
                # Let the chunk's items go (their results are the caller's now): a caller that
                # drops each item once done with it (pipeline.summarise_all) frees them as the
                # work goes, not at the end of the map.
                chunks[front] = None
                front += 1
                feed()
        except BrokenProcessPool as exc:
            if self._terminated:
                raise  # the process is shutting down: no work is finished here
            # A worker was killed (out of memory, a signal). What it was doing is not lost:
            # the rest is done here, one item at a time, each still isolated by `fn`.
            left = [k for k in range(front, len(chunks)) if k not in here]
            logger.warning(
                "A worker process died (%s); finishing %d items in this process",
                exc,
                sum(len(chunks[k]) for k in left),
            )
            self.close()
            self.size = 1
            for k in range(front, len(chunks)):
                yield from here.pop(k) if k in here else map(fn, chunks[k])

    def _method(self) -> str:
        if self._pool is not None:
            return self._started
        return self.start_method or ("fork" if _fork_is_safe() else "forkserver")

    def _start(self, method: str) -> ProcessPoolExecutor:
        if self._pool is None:
            if method == "fork":
                context = multiprocessing.get_context("fork")
                for module in _PRELOAD:
                    importlib.import_module(module)
            else:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(_PRELOAD)
            queue = context.Queue()
            level = logging.getLogger("digest").getEffectiveLevel()
            pool = ProcessPoolExecutor(
                self.size - 1,  # and this process
                mp_context=context,
                initializer=_init_worker,
                initargs=(queue, level, os.getpid()),
            )
            # Forked workers start on the first submit, and must be forked while this is the
            # only thread: the log relay's thread starts once they are up.
            gc.freeze()  # their collector must not walk (and so copy) this process's objects
            try:
                pool.submit(int).result()
            finally:
                gc.unfreeze()
            self._listener = _LogRelay(queue)
            self._pool = pool
            with _live_lock:
                _live.add(self)
            self._started = method
            logger.debug("Started %d worker processes (%s)", self.size - 1, method)
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
            with _live_lock:
                _live.discard(self)
                if not _live:
                    _stop_forkserver()
        if self._listener is not None:
            self._listener.stop()  # relays what is still queued, then returns
            self._listener = None

    def terminate(self) -> None:
        """Stop the workers now, mid-task: for a process that is about to exit."""
        pool = self._pool
        if pool is None:
            return
        self._terminated = True
        # ProcessPoolExecutor has no public way to kill its workers before Python 3.14.
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        self._pool = None
        with _live_lock:
            _live.discard(self)


def _fork_is_safe() -> bool:
    """Whether a worker may be a plain fork of this process.

    A forked copy keeps every lock as it was at the fork: one held by another thread then stays
    held in the copy for good. So only a process with one thread (`digest run`) forks; with
    `digest serve`'s scheduler threads, or a library caller's, workers come from the forkserver.
    """
    return sys.platform == "linux" and threading.active_count() == 1


def _stop_forkserver() -> None:
    """Stop the forkserver once no pool needs it; the next pool starts a new one.

    It holds the preloaded pipeline, and once its workers are gone every page of it is its
    own: 100 MB kept to the end of a run (and between the runs of `digest serve`) for nothing.
    multiprocessing has no public way to stop it; its own tests use this method.
    """
    from multiprocessing import forkserver

    stop = getattr(forkserver._forkserver, "_stop", None)
    if stop is not None:
        stop()


def terminate_all() -> None:
    """Kill every pool's workers: `digest serve` abandoning a run on shutdown calls this."""
    with _live_lock:
        pools = list(_live)
    for pool in pools:
        pool.terminate()


class _LogRelay:
    """Hands the workers' log records to the logger each was made for, in this process.

    Not logging's QueueListener: its stop() puts a sentinel through the queue, which takes the
    queue's write lock, and a worker killed while writing a record leaves that lock held for
    good, so stop() would wait forever. This process only reads, and stops by a flag, with a
    bounded wait.
    """

    def __init__(self, queue) -> None:
        self.queue = queue
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="worker-logs", daemon=True)
        self.thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        # Bounded: a worker killed in the middle of a record leaves a message that never ends.
        self.thread.join(timeout)

    def _run(self) -> None:
        while not self.stopping.is_set():
            self._relay(timeout=0.2)
        while self._relay(timeout=0):  # what is still queued
            pass

    def _relay(self, *, timeout: float) -> bool:
        try:
            record = self.queue.get(timeout=timeout) if timeout else self.queue.get_nowait()
        except (Empty, EOFError, OSError):
            return False
        target = logging.getLogger(record.name)
        if target.isEnabledFor(record.levelno):
            target.handle(record)
        return True


def _guided_chunks(items: Sequence[T], processes: int) -> list[Sequence[T]]:
    chunks = []
    start = 0
    smallest = max(1, len(items) // (SMALLEST_SHARE * processes))
    while start < len(items):
        size = max(smallest, (len(items) - start) // (CHUNK_SHARE * processes))
        chunks.append(items[start : start + size])
        start += size
    return chunks


def _run_chunk(fn: Callable[[T], R], chunk: Sequence[T]) -> list[R]:
    results = [fn(item) for item in chunk]
    # What the chunk's work freed goes back to the system, so a worker holds what it uses
    # rather than the high-water mark of its longest article.
    release_free_memory()
    return results


def _init_worker(queue, level: int, parent: int) -> None:
    # A forked worker inherits this process's signal handlers (`serve` turns SIGTERM into a
    # graceful stop): a worker must die on SIGTERM and take Ctrl-C as Python does by default,
    # as one from the forkserver does.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    root = logging.getLogger("digest")
    root.handlers[:] = [logging.handlers.QueueHandler(queue)]
    root.setLevel(level)
    root.propagate = False
    threading.Thread(target=_exit_with, args=(parent,), name="parent-watch", daemon=True).start()


def _exit_with(parent: int) -> None:
    """End this worker when the process that started the pool ends, however it ended.

    An idle worker waits on a queue whose write end it holds itself, so it never sees its
    parent go: after a SIGKILL (or `serve` leaving mid-run) it would wait forever, and keep
    the forkserver alive with it. A pidfd becomes readable when its process exits.
    """
    try:
        fd = os.pidfd_open(parent)
    except (AttributeError, OSError):  # not Linux 5.3+: poll instead
        while True:
            time.sleep(1.0)
            if not _alive(parent):
                os._exit(1)
    select.select([fd], [], [])
    os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
