"""What we remember about each web URL between runs, in its own table of the state database.

Per (source, url): the ETag / Last-Modified validators for conditional GET, and whether the URL
answered 410 Gone. Keyed by the URL as configured, so editing a source's URL in config.yaml
starts afresh (a deactivated source comes back when its URL changes).

Validators are *staged* while sources are read and saved by `commit()` only once the run has
stored the items they cover. Saving them at fetch time would lose those items if the run then
crashed: the next conditional GET would get a 304 and never see them again.

The table and its SQL are in the store (digest/store/sources.py); this is the run's view of it,
shared by the threads that read sources. `digest status` can read the table as it is.
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from digest.store import Store


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class RemoteState:
    def __init__(self, state: Store) -> None:
        self.state = state
        self._staged: dict[tuple[str, str], tuple[str | None, str | None]] = {}
        self._lock = threading.Lock()

    def validators(self, source: str, url: str) -> tuple[str | None, str | None]:
        """(etag, last_modified) to send with the next GET of this URL."""
        return self.state.web_validators(source, url)

    def gone_since(self, source: str, url: str) -> str | None:
        return self.state.web_gone_since(source, url)

    def record(self, source: str, url: str, result: str, *, gone: bool = False) -> None:
        """Note the outcome of a fetch now (it loses nothing, unlike validators)."""
        self.state.record_fetch(source, url, result, at=_now(), gone=gone)

    def stage(self, source: str, url: str, etag: str | None, last_modified: str | None) -> None:
        """Keep validators until commit(): see the module docstring for why not now."""
        if etag or last_modified:
            with self._lock:
                self._staged[(source, url)] = (etag, last_modified)

    def commit(self) -> None:
        with self._lock:
            staged, self._staged = self._staged, {}
        if staged:
            self.state.save_validators(staged)
