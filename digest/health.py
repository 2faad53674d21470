"""Per-source health, recorded after every collect: last success, failures in a row, last error.

Fed from `Collected.failed_sources` (a source that raised SourceError, or whose type is not
supported) and, for every other configured source, a success. `digest status` shows it, so a
feed that has been failing quietly for a week is visible without reading the logs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from digest.sources import Collected
from digest.state import State
from digest.store import SourceHealth

__all__ = ["SourceHealth", "read_health", "record_health"]


def record_health(state: State, sources: Iterable, collected: Collected, *, now: datetime) -> None:
    """One row per configured source, updated in one transaction."""
    counts: dict[str, int] = {}
    for item in collected.items:
        counts[item.source] = counts.get(item.source, 0) + 1
    names = [source.name for source in sources]
    state.record_health(names, dict(collected.failed_sources), counts, when=now)


def read_health(state: State) -> list[SourceHealth]:
    return state.read_health()
