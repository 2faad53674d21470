"""Sources: where articles come from. Each source type reads its config into SourceItems.

A source reports a bad item as a Skipped (with the reason) and a failure of the whole source
as SourceError; `collect` keeps one failing source from sinking the others.

Sources are read in parallel threads (web sources spend their time waiting on the network);
digest.fetch bounds the requests per host and in all. Results are merged in config order, so
the digest does not depend on which server answered first.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import import_module

from digest.errors import SourceError
from digest.models import Skipped, SourceItem
from digest.progress import progress

logger = logging.getLogger(__name__)

# Sources read at once. Small: the per-host and global limits in digest.fetch do the real
# throttling; this only keeps a long source list from starting hundreds of threads.
MAX_PARALLEL_SOURCES = 8

# What a source yields: items to summarise, and items it already knows are unusable.
Reading = Iterable[SourceItem | Skipped]
# Which of these uids are seen (recorded in a digest): asked once per batch a source reads,
# since one query per item is seconds per 10,000 items (Store.seen).
Seen = Callable[[Iterable[str]], set[str]]


@dataclass(frozen=True)
class Collected:
    items: tuple[SourceItem, ...]
    skipped: tuple[Skipped, ...]
    failed_sources: tuple[tuple[str, str], ...]  # (source name, one-line reason)


# Source types with a reader: each is the module digest.sources.<type>, with a `read`.
READERS = ("folder", "feed", "page")


def _readers(types: Iterable[str]) -> dict[str, Callable[..., Reading]]:
    # Only the types configured are imported: the web readers bring httpx, which a config of
    # folders never needs.
    wanted = set(types)
    return {t: import_module(f"digest.sources.{t}").read for t in READERS if t in wanted}


def collect(sources: Iterable, *, seen: Seen, **context) -> Collected:
    """Read every source; drop items already seen; isolate failures per source.

    Readers get `seen` too, so a web source can skip fetching pages it already has. Each
    source's items are checked in one call, once it has been read.
    """
    sources = list(sources)
    readers = _readers(source.type for source in sources)
    lock = threading.Lock()
    finished = 0

    def read_all(source) -> list[SourceItem | Skipped]:
        # A reader is a generator: consuming it here does its work in the worker thread.
        started = time.monotonic()
        entries = []
        for entry in readers[source.type](source, seen=seen, **context):
            entries.append(entry)
            with lock:
                bar.update()
        logger.debug(
            "Read source %r (%s): %d items in %.1fs",
            source.name,
            source.type,
            len(entries),
            time.monotonic() - started,
        )
        return entries

    def source_done(_future) -> None:
        nonlocal finished
        with lock:
            finished += 1
            bar.set_postfix_str(f"{finished}/{len(futures)} sources", refresh=False)

    items: dict[str, SourceItem] = {}
    skipped: list[Skipped] = []
    failed: list[tuple[str, str]] = []
    # Counted by item, not by source: one slow feed of fifty items is most of a run's wait.
    with ThreadPoolExecutor(MAX_PARALLEL_SOURCES) as pool, progress("Collecting") as bar:
        futures = {}
        for source in sources:
            if source.type in readers:
                futures[source.name] = pool.submit(read_all, source)
        for future in futures.values():
            future.add_done_callback(source_done)
        for source in sources:
            if source.name not in futures:
                failed.append((source.name, f"source type {source.type!r} is not supported yet"))
                logger.warning(
                    "Skipping source %r: type %r not supported", source.name, source.type
                )
                continue
            try:
                entries = futures[source.name].result()
            except SourceError as exc:
                logger.warning("Source %r failed: %s", source.name, exc)
                failed.append((source.name, str(exc)))
                continue
            known = seen(entry.uid for entry in entries)
            for entry in entries:
                if entry.uid in known or entry.uid in items:
                    continue  # a renamed or copied file has the same content hash: not new
                if isinstance(entry, Skipped):
                    logger.warning("Skipped %s (%s): %s", entry.name, entry.source, entry.reason)
                    skipped.append(entry)
                else:
                    items[entry.uid] = entry
    return Collected(tuple(items.values()), tuple(skipped), tuple(failed))
