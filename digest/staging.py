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
from digest.models import SourceItem
from digest.sources import Collected, collect
from digest.sources.remote import RemoteState
from digest.state import State, exclusive_run

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS staged_items (
    uid           TEXT PRIMARY KEY,
    source        TEXT NOT NULL,
    name          TEXT NOT NULL,
    body          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    url           TEXT,
    title         TEXT,
    published     TEXT,                  -- ISO 8601 with offset, or NULL
    staged_at     TEXT NOT NULL          -- ISO 8601 with offset, configured time zone
);
"""

_COLUMNS = "uid, source, name, body, content_type, url, title, published"


@dataclass(frozen=True)
class StageReport:
    staged: int  # new items added to the table by this run
    waiting: int  # items in the table not yet in a digest, after this run
    failed_sources: tuple[tuple[str, str], ...]


def ensure_schema(state: State) -> None:
    state.db.executescript(SCHEMA)


def stage(config: Config, *, now: datetime) -> StageReport:
    """The `collect` job: fetch every source now and keep what is new for the next digest."""
    from digest.fetch import Fetcher  # httpx: here, not at import, which `digest status` does

    started = time.monotonic()
    with exclusive_run(config.state), State(config.state) as state:
        ensure_schema(state)
        prune(state)
        staged = set(_staged_uids(state))
        remote = RemoteState(config.state)
        with Fetcher(config.fetch) as fetcher:
            collected = collect(
                config.sources,
                is_seen=lambda uid: uid in staged or state.is_seen(uid),
                fetch=fetcher,
                remote=remote,
            )
        with state.transaction() as db:
            # Items only: an unusable item (Skipped) is reported by the digest's own collect.
            db.executemany(
                f"INSERT OR IGNORE INTO staged_items ({_COLUMNS}, staged_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(*_row(item), now.isoformat()) for item in collected.items],
            )
        # Feed validators (ETag/Last-Modified) are kept only once the items they cover are
        # staged: kept earlier, a crash would turn the next fetch into a 304 and lose them.
        remote.commit()
        record_health(state, config.sources, collected, now=now)
        waiting = state.db.execute("SELECT COUNT(*) FROM staged_items").fetchone()[0]
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
    ensure_schema(state)
    prune(state)
    fresh = {item.uid for item in collected.items}
    rows = state.db.execute(f"SELECT {_COLUMNS} FROM staged_items ORDER BY rowid").fetchall()
    extra = tuple(_item(row) for row in rows if row[0] not in fresh)
    if extra:
        logger.debug("Including %d staged %s", len(extra), "item" if len(extra) == 1 else "items")
    return Collected(collected.items + extra, collected.skipped, collected.failed_sources)


def prune(state: State) -> int:
    """Drop staged items a digest already holds (included or skipped): they are done."""
    with state.transaction() as db:
        cur = db.execute("DELETE FROM staged_items WHERE uid IN (SELECT uid FROM articles)")
    return cur.rowcount


def waiting(state: State) -> int:
    ensure_schema(state)
    query = "SELECT COUNT(*) FROM staged_items WHERE uid NOT IN (SELECT uid FROM articles)"
    return state.db.execute(query).fetchone()[0]


def _staged_uids(state: State) -> list[str]:
    return [r[0] for r in state.db.execute("SELECT uid FROM staged_items")]


def _row(item: SourceItem) -> tuple:
    published = item.published.isoformat() if item.published else None
    return (
        item.uid,
        item.source,
        item.name,
        item.body,
        item.content_type,
        item.url,
        item.title,
        published,
    )


def _item(row: tuple) -> SourceItem:
    uid, source, name, body, content_type, url, title, published = row
    return SourceItem(
        source=source,
        uid=uid,
        name=name,
        body=body,
        content_type=content_type,
        url=url,
        title=title,
        published=datetime.fromisoformat(published) if published else None,
    )
