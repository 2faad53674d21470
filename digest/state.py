"""SQLite state: which articles were seen, and which digests were built and written.

Crash safety: a digest is stored *rendered*, together with the articles it holds, in one
transaction before any file is written ("pending"). Files are then written from the stored copy
and the digest is marked "written". An article counts as seen only once its digest is written.
If the process dies in between, the next run rewrites the pending digest's files from the stored
copy instead of building a new one: no digest is written twice and no article is dropped.

The signature of each article a digest carries (dedupe.py) is stored in the same transaction, so
a later copy of the story can be left out as a repeat, and only of a digest that was stored.

Schema changes are additive (`CREATE TABLE IF NOT EXISTS` at every open): a state file made by
an older version gains the new tables the first time this version opens it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from digest.errors import DigestError
from digest.models import RenderedDigest, Repeat, Sent, Skipped

SCHEMA = """
CREATE TABLE IF NOT EXISTS digests (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,   -- digest-2026-11-24, digest-2026-11-24-2, ...
    created_at  TEXT NOT NULL,          -- ISO 8601 with offset, configured time zone
    slot        TEXT,                   -- the scheduled time this digest was built for, if any
    status      TEXT NOT NULL CHECK (status IN ('pending', 'written')),
    subject     TEXT NOT NULL,
    html        TEXT NOT NULL,
    text        TEXT NOT NULL,
    json        TEXT NOT NULL,
    articles    INTEGER NOT NULL,
    sources     INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS articles (
    uid        TEXT PRIMARY KEY,
    digest_id  INTEGER NOT NULL REFERENCES digests(id),
    source     TEXT NOT NULL,
    name       TEXT NOT NULL,
    title      TEXT,
    status     TEXT NOT NULL CHECK (status IN ('included', 'skipped')),
    reason     TEXT
);
-- Added after the first release: older state files gain it on open, empty. Only articles of
-- recent digests are here (see prune_signatures); a repeat is an 'articles' row with status
-- 'skipped', the reason, and the digest_id of the digest that carried the story.
CREATE TABLE IF NOT EXISTS signatures (
    uid        TEXT PRIMARY KEY REFERENCES articles(uid),
    digest_id  INTEGER NOT NULL REFERENCES digests(id),
    sent_at    REAL NOT NULL,          -- the digest's created_at in Unix seconds: one time line,
                                       -- whatever UTC offset the ISO text in digests carries
    minhash    BLOB NOT NULL           -- dedupe.to_bytes(): datasketch's LeanMinHash layout
);
CREATE INDEX IF NOT EXISTS signatures_by_time ON signatures (sent_at);
"""


@dataclass(frozen=True)
class DigestRecord:
    id: int
    name: str
    created_at: datetime
    slot: str | None
    status: str
    articles: int
    sources: int
    rendered: RenderedDigest


RUN_LOCK_WAIT = 300  # seconds a run waits for another run on the same state to finish


@contextmanager
def exclusive_run(state_path: Path, *, wait: float = RUN_LOCK_WAIT) -> Iterator[None]:
    """One run at a time per state file: a manual `digest run` while `digest serve` is building
    a digest waits for it instead of racing it for the same articles and digest name."""
    from filelock import FileLock, Timeout

    lock = FileLock(f"{state_path}.run.lock", timeout=wait)
    try:
        Path(state_path).parent.mkdir(parents=True, exist_ok=True)
        with lock:
            yield
    except Timeout:
        raise DigestError(
            f"another digest run on {state_path} has not finished after {wait:.0f}s",
            hint="wait for it, or check for a stuck `digest run` process",
        ) from None


class State:
    """One SQLite file. Use as a context manager, or call close()."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: we open transactions ourselves, so each step is explicit.
            # check_same_thread=False: sources run in worker threads and ask is_seen() (see
            # digest.sources.collect); SQLite is built serialized, so shared reads are safe.
            self.db = sqlite3.connect(
                self.path, isolation_level=None, timeout=30, check_same_thread=False
            )
            self.db.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL skips the fsync per commit yet a commit still survives the
            # process being killed (only a power cut can undo the last few). It shrinks the
            # window between an SMTP server accepting a message and us recording it as sent.
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise DigestError(
                f"cannot open state database {self.path}: {exc}",
                hint="check the `state:` path in config.yaml and that it is writable",
            ) from None

    def __enter__(self) -> State:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        # BEGIN IMMEDIATE takes the write lock up front, so two runs cannot both pick the
        # same digest name or both claim the same articles.
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # --- articles -----------------------------------------------------------------------

    def is_seen(self, uid: str) -> bool:
        """Seen = recorded in a digest (pending ones too: they are finished before new work)."""
        row = self.db.execute("SELECT 1 FROM articles WHERE uid = ?", (uid,)).fetchone()
        return row is not None

    # --- signatures of sent articles, for repeats ---------------------------------------

    def recent_signatures(self, since: datetime) -> list[Sent]:
        """Signatures of the articles digests carried since `since`, newest digest first."""
        rows = self.db.execute(
            "SELECT s.uid, s.digest_id, d.name, coalesce(a.title, a.name), s.minhash"
            " FROM signatures s JOIN digests d ON d.id = s.digest_id"
            " JOIN articles a ON a.uid = s.uid"
            " WHERE s.sent_at >= ? ORDER BY s.sent_at DESC, s.digest_id DESC, s.rowid",
            (since.timestamp(),),
        )
        return [Sent(*row) for row in rows]

    def prune_signatures(self, before: datetime) -> int:
        """Forget signatures older than the repeat window: the table stays about a window long."""
        with self.transaction() as db:
            cur = db.execute("DELETE FROM signatures WHERE sent_at < ?", (before.timestamp(),))
        return cur.rowcount

    def add_repeats(self, repeats: Iterable[Repeat]) -> None:
        """Record repeats found by a run that stores no digest, so they are not read again."""
        with self.transaction() as db:
            _insert_repeats(db, repeats)

    # --- digests ------------------------------------------------------------------------

    def next_name(self, day: str, taken_on_disk: Iterable[str] = ()) -> str:
        """digest-DAY, then digest-DAY-2, -3, ... skipping names used in state or on disk."""
        rows = self.db.execute(
            "SELECT name FROM digests WHERE name = ? OR name LIKE ?",
            (f"digest-{day}", f"digest-{day}-%"),
        )
        used = {r[0] for r in rows} | set(taken_on_disk)
        name, n = f"digest-{day}", 1
        while name in used:
            n += 1
            name = f"digest-{day}-{n}"
        return name

    def add_pending(
        self,
        rendered: RenderedDigest,
        *,
        created_at: datetime,
        included: Iterable[tuple[str, str, str, str]],  # (uid, source, name, title)
        skipped: Iterable[Skipped],
        sources: int,
        slot: str | None = None,
        signatures: Iterable[tuple[str, bytes]] = (),  # (uid, dedupe.to_bytes(...)) of included
        repeats: Iterable[Repeat] = (),
        on_store: Callable[[sqlite3.Connection, int], None] | None = None,
    ) -> DigestRecord:
        """Store a rendered digest and claim its articles, atomically; return its record.

        The included articles' signatures and this run's repeats are stored in the same
        transaction: a crash cannot leave a story remembered as sent by a digest that was never
        stored, nor a repeat claimed while the digest that makes it one is lost.

        on_store(db, digest_id) runs in the same transaction, for what must be stored with the
        digest or not at all (deliver.py: the email copy and one delivery row per recipient).
        """
        included = list(included)
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO digests (name, created_at, slot, status, subject, html, text, json,"
                " articles, sources) VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?)",
                (
                    rendered.name,
                    created_at.isoformat(),
                    slot,
                    rendered.subject,
                    rendered.html,
                    rendered.text,
                    rendered.json,
                    len(included),
                    sources,
                ),
            )
            digest_id = cur.lastrowid
            db.executemany(
                "INSERT INTO articles (uid, digest_id, source, name, title, status)"
                " VALUES (?, ?, ?, ?, ?, 'included')",
                [(uid, digest_id, src, name, title) for uid, src, name, title in included],
            )
            # A skipped item is shown once, in this digest's footer, then not again; a changed
            # file has a new hash, so fixing it makes it new.
            db.executemany(
                "INSERT OR IGNORE INTO articles (uid, digest_id, source, name, status, reason)"
                " VALUES (?, ?, ?, ?, 'skipped', ?)",
                [(s.uid, digest_id, s.source, s.name, s.reason) for s in skipped],
            )
            db.executemany(
                "INSERT INTO signatures (uid, digest_id, sent_at, minhash) VALUES (?, ?, ?, ?)",
                [(uid, digest_id, created_at.timestamp(), blob) for uid, blob in signatures],
            )
            _insert_repeats(db, repeats)
            if on_store is not None:
                on_store(db, digest_id)
        return DigestRecord(
            id=digest_id,
            name=rendered.name,
            created_at=created_at,
            slot=slot,
            status="pending",
            articles=len(included),
            sources=sources,
            rendered=rendered,
        )

    def mark_written(self, digest_id: int) -> None:
        with self.transaction() as db:
            db.execute("UPDATE digests SET status = 'written' WHERE id = ?", (digest_id,))

    def pending(self) -> list[DigestRecord]:
        return self._digests("WHERE status = 'pending' ORDER BY id")

    def written(self) -> list[DigestRecord]:
        """Every written digest, newest first."""
        return self._digests("WHERE status = 'written' ORDER BY id DESC")

    def last_digest(self) -> DigestRecord | None:
        found = self._digests("ORDER BY id DESC LIMIT 1")
        return found[0] if found else None

    def _digests(self, where: str) -> list[DigestRecord]:
        rows = self.db.execute(
            "SELECT id, name, created_at, slot, status, articles, sources, subject, html, text,"
            f" json FROM digests {where}"
        ).fetchall()
        return [
            DigestRecord(
                id=r[0],
                name=r[1],
                created_at=datetime.fromisoformat(r[2]),
                slot=r[3],
                status=r[4],
                articles=r[5],
                sources=r[6],
                rendered=RenderedDigest(name=r[1], subject=r[7], html=r[8], text=r[9], json=r[10]),
            )
            for r in rows
        ]


def _insert_repeats(db: sqlite3.Connection, repeats: Iterable[Repeat]) -> None:
    # Claimed by the digest that carried the story, with the reason: seen from now on, never
    # in a footer, and `SELECT ... WHERE reason LIKE 'already in %'` lists them.
    db.executemany(
        "INSERT OR IGNORE INTO articles (uid, digest_id, source, name, title, status, reason)"
        " VALUES (?, ?, ?, ?, ?, 'skipped', ?)",
        [
            (
                r.article.uid,
                r.earlier.digest_id,
                r.article.source,
                r.article.name,
                r.article.title,
                r.reason,
            )
            for r in repeats
        ],
    )
