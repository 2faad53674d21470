"""Per-source health, recorded after every collect: last success, failures in a row, last error.

Fed from `Collected.failed_sources` (a source that raised SourceError, or whose type is not
supported) and, for every other configured source, a success. `digest status` shows it, so a
feed that has been failing quietly for a week is visible without reading the logs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from digest.sources import Collected
from digest.state import State

SCHEMA = """
CREATE TABLE IF NOT EXISTS source_health (
    source                TEXT PRIMARY KEY,   -- the source's name in config.yaml
    last_run              TEXT NOT NULL,      -- ISO 8601 with offset
    last_success          TEXT,
    last_failure          TEXT,
    consecutive_failures  INTEGER NOT NULL DEFAULT 0,
    last_error            TEXT,               -- kept after a recovery: what went wrong last time
    last_items            INTEGER NOT NULL DEFAULT 0   -- new items the last successful read gave
);
"""


@dataclass(frozen=True)
class SourceHealth:
    source: str
    last_run: datetime
    last_success: datetime | None
    last_failure: datetime | None
    consecutive_failures: int
    last_error: str | None
    last_items: int

    @property
    def ok(self) -> bool:
        return self.consecutive_failures == 0


def record_health(state: State, sources: Iterable, collected: Collected, *, now: datetime) -> None:
    """One row per configured source, updated in one transaction."""
    state.db.executescript(SCHEMA)
    failed = dict(collected.failed_sources)
    counts: dict[str, int] = {}
    for item in collected.items:
        counts[item.source] = counts.get(item.source, 0) + 1
    when = now.isoformat()
    with state.transaction() as db:
        for source in sources:
            if source.name in failed:
                db.execute(
                    "INSERT INTO source_health (source, last_run, last_failure,"
                    " consecutive_failures, last_error) VALUES (?, ?, ?, 1, ?)"
                    " ON CONFLICT(source) DO UPDATE SET last_run = excluded.last_run,"
                    " last_failure = excluded.last_failure, last_error = excluded.last_error,"
                    " consecutive_failures = consecutive_failures + 1",
                    (source.name, when, when, failed[source.name]),
                )
            else:
                db.execute(
                    "INSERT INTO source_health (source, last_run, last_success, last_items)"
                    " VALUES (?, ?, ?, ?)"
                    " ON CONFLICT(source) DO UPDATE SET last_run = excluded.last_run,"
                    " last_success = excluded.last_success, last_items = excluded.last_items,"
                    " consecutive_failures = 0",
                    (source.name, when, when, counts.get(source.name, 0)),
                )


def read_health(state: State) -> list[SourceHealth]:
    state.db.executescript(SCHEMA)
    rows = state.db.execute(
        "SELECT source, last_run, last_success, last_failure, consecutive_failures, last_error,"
        " last_items FROM source_health ORDER BY source"
    ).fetchall()
    return [
        SourceHealth(
            source=r[0],
            last_run=datetime.fromisoformat(r[1]),
            last_success=_when(r[2]),
            last_failure=_when(r[3]),
            consecutive_failures=r[4],
            last_error=r[5],
            last_items=r[6],
        )
        for r in rows
    ]


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
