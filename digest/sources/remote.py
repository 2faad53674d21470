"""What we remember about each web URL between runs, in its own table of the state database.

Per (source, url): the ETag / Last-Modified validators for conditional GET, and whether the URL
answered 410 Gone. Keyed by the URL as configured, so editing a source's URL in config.yaml
starts afresh (a deactivated source comes back when its URL changes).

Validators are *staged* while sources are read and saved by `commit()` only once the run has
stored the items they cover. Saving them at fetch time would lose those items if the run then
crashed: the next conditional GET would get a 304 and never see them again.

Every call opens its own short connection: readers run in threads, and a sqlite3 connection
belongs to the thread that made it. `digest status` can read the table as it is.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS web_sources (
    source        TEXT NOT NULL,   -- the source's name in config.yaml
    url           TEXT NOT NULL,   -- the URL as configured (a feed URL or one page URL)
    etag          TEXT,            -- validators of the last response whose items were stored
    last_modified TEXT,
    gone_since    TEXT,            -- ISO 8601 UTC; set when the URL answered 410 Gone
    last_result   TEXT,            -- 'ok', 'not modified', or the last failure's one-line reason
    checked_at    TEXT,            -- ISO 8601 UTC of the last fetch
    PRIMARY KEY (source, url)
);
"""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class RemoteState:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._staged: dict[tuple[str, str], tuple[str | None, str | None]] = {}
        self._lock = threading.Lock()
        self._run(SCHEMA, script=True)

    def _run(self, sql: str, params: tuple = (), *, script: bool = False) -> list[tuple]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=30)) as db, db:
            if script:
                db.executescript(sql)
                return []
            return db.execute(sql, params).fetchall()

    def validators(self, source: str, url: str) -> tuple[str | None, str | None]:
        """(etag, last_modified) to send with the next GET of this URL."""
        rows = self._run(
            "SELECT etag, last_modified FROM web_sources WHERE source = ? AND url = ?",
            (source, url),
        )
        return rows[0] if rows else (None, None)

    def gone_since(self, source: str, url: str) -> str | None:
        rows = self._run(
            "SELECT gone_since FROM web_sources WHERE source = ? AND url = ?", (source, url)
        )
        return rows[0][0] if rows else None

    def record(self, source: str, url: str, result: str, *, gone: bool = False) -> None:
        """Note the outcome of a fetch now (it loses nothing, unlike validators)."""
        self._run(
            "INSERT INTO web_sources (source, url, gone_since, last_result, checked_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (source, url) DO UPDATE SET"
            " gone_since = COALESCE(gone_since, excluded.gone_since),"
            " last_result = excluded.last_result, checked_at = excluded.checked_at",
            (source, url, _now() if gone else None, result, _now()),
        )

    def stage(self, source: str, url: str, etag: str | None, last_modified: str | None) -> None:
        """Keep validators until commit(): see the module docstring for why not now."""
        if etag or last_modified:
            with self._lock:
                self._staged[(source, url)] = (etag, last_modified)

    def commit(self) -> None:
        with self._lock:
            staged, self._staged = self._staged, {}
        for (source, url), (etag, modified) in staged.items():
            self._run(
                "INSERT INTO web_sources (source, url, etag, last_modified) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (source, url) DO UPDATE SET"
                " etag = excluded.etag, last_modified = excluded.last_modified",
                (source, url, etag, modified),
            )
