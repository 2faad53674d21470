"""Items fetched between digests, kept in the state until a digest includes them.

`schedule.collect` runs `stage()`: it reads every source and keeps each new raw item (body and
all) in a `staged_items` table. The digest run then takes the staged items along with a fresh
collect (`merge()`), so a slow or flaky feed that answered at 06:30 still makes the 07:00 digest
even if it times out at 07:00, and an item a feed has rotated out by then is not lost.

An item leaves the table once its uid is recorded in a digest (`prune()`); until then it is
kept, whatever happens to the source. The staged copy is used only when the fresh collect did
not return the item: what the source says now wins over what it said earlier.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime

from digest.config import Config
from digest.health import record_health
from digest.sources import Collected, collect
from digest.sources.remote import RemoteState
from digest.state import State, exclusive_run

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StageReport:
    staged: int  # new items added to the table by this run
    waiting: int  # items in the table not yet in a digest, after this run
    failed_sources: tuple[tuple[str, str], ...]


def stage(config: Config, *, now: datetime) -> StageReport:
    """The `collect` job: fetch every source now and keep what is new for the next digest."""
    from digest.fetch import Fetcher  # httpx: here, not at import, which `digest status` does

    started = time.monotonic()
    with exclusive_run(config.state), State(config.state) as state:
        prune(state)
        staged = state.staged_uids()
        remote = RemoteState(state)

        def seen(uids) -> set[str]:  # staged already counts as seen here: not staged twice
            uids = set(uids)
            return (uids & staged) | state.seen(uids - staged)

        with Fetcher(config.fetch) as fetcher:
            collected = collect(
                config.sources,
                seen=seen,
                fetch=fetcher,
                remote=remote,
            )
        # Items only: an unusable item (Skipped) is reported by the digest's own collect.
        state.stage_items(collected.items, when=now)
        # Feed validators (ETag/Last-Modified) are kept only once the items they cover are
        # staged: kept earlier, a crash would turn the next fetch into a 304 and lose them.
        remote.commit()
        record_health(state, config.sources, collected, now=now)
        waiting = state.staged_count()
    report = StageReport(len(collected.items), waiting, collected.failed_sources)
    logger.info(
        "Collected: %d new %s staged, %d waiting for the next digest%s in %.1fs",
        report.staged,
        "item" if report.staged == 1 else "items",
        report.waiting,
        f", {len(report.failed_sources)} failed sources" if report.failed_sources else "",
        time.monotonic() - started,
    )
    return report


def merge(state: State, collected: Collected) -> Collected:
    """The fresh collect plus staged items it did not return (and no digest holds yet).

    Order: the fresh items in source order, then staged-only items in the order they were
    staged. Called by the pipeline right after its own collect.
    """
    prune(state)
    fresh = {item.uid for item in collected.items}
    extra = tuple(item for item in state.staged() if item.uid not in fresh)
    if extra:
        logger.debug("Including %d staged %s", len(extra), "item" if len(extra) == 1 else "items")
    return Collected(collected.items + extra, collected.skipped, collected.failed_sources)


def prune(state: State) -> int:
    """Drop staged items a digest already holds (included or skipped): they are done."""
    return state.prune_staged()


def waiting(state: State) -> int:
    return state.staged_count(waiting=True)
