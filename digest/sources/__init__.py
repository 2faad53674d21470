"""Sources: where articles come from. Each source type reads its config into SourceItems.

A source reports a bad item as a Skipped (with the reason) and a failure of the whole source
as SourceError; `collect` keeps one failing source from sinking the others.

Sources are read in parallel threads (web sources spend their time waiting on the network);
digest.fetch bounds the requests per host and in all. Results are merged in config order, so
the digest does not depend on which server answered first.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from digest.errors import SourceError
from digest.models import Skipped, SourceItem

logger = logging.getLogger(__name__)

# Sources read at once. Small: the per-host and global limits in digest.fetch do the real
# throttling; this only keeps a long source list from starting hundreds of threads.
MAX_PARALLEL_SOURCES = 8

# What a source yields: items to summarise, and items it already knows are unusable.
Reading = Iterable[SourceItem | Skipped]


@dataclass(frozen=True)
class Collected:
    items: tuple[SourceItem, ...]
    skipped: tuple[Skipped, ...]
    failed_sources: tuple[tuple[str, str], ...]  # (source name, one-line reason)


def _readers() -> dict[str, Callable[..., Reading]]:
    from digest.sources import feed, folder, page

    return {"folder": folder.read, "feed": feed.read, "page": page.read}


def collect(sources: Iterable, *, is_seen: Callable[[str], bool], **context) -> Collected:
    """Read every source; drop items already seen; isolate failures per source.

    Readers get `is_seen` too, so a web source can skip fetching pages it already has.
    """
    readers = _readers()
    sources = list(sources)

    def read_all(source) -> list[SourceItem | Skipped]:
        # A reader is a generator: list() makes it do its work here, in the worker thread.
        return list(readers[source.type](source, is_seen=is_seen, **context))

    items: dict[str, SourceItem] = {}
    skipped: list[Skipped] = []
    failed: list[tuple[str, str]] = []
    with ThreadPoolExecutor(MAX_PARALLEL_SOURCES) as pool, _progress(len(sources)) as bar:
        futures = {}
        for source in sources:
            if source.type in readers:
                futures[source.name] = pool.submit(read_all, source)
                futures[source.name].add_done_callback(lambda _: bar.update())
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
            for entry in entries:
                if is_seen(entry.uid) or entry.uid in items:
                    continue  # a renamed or copied file has the same content hash: not new
                if isinstance(entry, Skipped):
                    logger.warning("Skipped %s (%s): %s", entry.name, entry.source, entry.reason)
                    skipped.append(entry)
                else:
                    items[entry.uid] = entry
    return Collected(tuple(items.values()), tuple(skipped), tuple(failed))


def _progress(total: int):
    """A progress bar on a terminal, for runs long enough to wonder about (over a second);
    nothing at all when stderr is not a TTY, e.g. under a service manager (disable=None)."""
    from tqdm import tqdm

    return tqdm(total=total, desc="Reading sources", unit="source", file=sys.stderr,
                disable=None, delay=1.0, leave=False)  # fmt: skip
