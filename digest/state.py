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

Damage. The state is checked (`PRAGMA quick_check`) at every open, before anything is written;
a state holding nothing beside digests already written is refused (refuse_lost_state) rather
than taken for a new install, which would digest and send everything again; a full disk or an
I/O error is a StateError naming the file. Each is one line and stops the run.
"""

from __future__ import annotations

import errno
import logging
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from digest.errors import DigestError, StateError
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
-- Facts about the state itself: 'started_new' = when `--new-state` accepted it as a new start.
CREATE TABLE IF NOT EXISTS state_info (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
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

logger = logging.getLogger(__name__)

# What write.py names digest files: digest-2026-11-24.html, digest-2026-11-24-2.json, ...
DIGEST_FILE = re.compile(r"(digest-\d{4}-\d{2}-\d{2}(?:-\d+)?)\.(?:html|txt|json)")


def digests_on_disk(out_dir: Path) -> list[str]:
    """Names of the digests whose files are in `out_dir`, oldest first."""
    if not out_dir.is_dir():
        return []
    names = {m[1] for p in out_dir.iterdir() if (m := DIGEST_FILE.fullmatch(p.name))}
    return sorted(names, key=digest_order)


def digest_order(name: str) -> tuple[str, int]:
    """digest-DAY before digest-DAY-2 before digest-DAY-10."""
    rest = name.removeprefix("digest-")
    n = rest[11:]
    return rest[:10], int(n) if n.isdigit() else 1


def refuse_lost_state(state: State, out_dir: Path) -> None:
    """A state holding nothing beside written digests was lost (deleted, truncated, a wrong
    `state:` path), not newly installed: going on would digest and email every article again,
    so stop and say what to do. `--new-state` (start_new_state) says it is meant."""
    if not state.holds_nothing():
        return
    found = digests_on_disk(out_dir)
    if found:
        what = "did not exist" if state.was_missing else "holds nothing"
        raise StateError(
            f"state database {state.path} {what}, but {out_dir} holds {len(found)}"
            f" digest{'s' if len(found) > 1 else ''} (newest {found[-1]}): with a new state,"
            " every article would be digested and emailed again",
            hint="restore the state file from a backup, or check `state:` in config.yaml;"
            " to start over anyway, run once with --new-state",
        )


def start_new_state(path: Path) -> bool:
    """--new-state: accept a state that holds nothing (missing, emptied) as a new start, so
    refuse_lost_state lets runs go on. A state holding digests is kept as it is."""
    with State(path) as state:
        if not state.holds_nothing():
            logger.info("--new-state: %s already holds digests; it is kept as it is", path)
            return False
        with state.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO state_info (key, value) VALUES ('started_new', ?)",
                (datetime.now().astimezone().isoformat(timespec="seconds"),),
            )
    logger.warning(
        "Starting a new state at %s: articles already in earlier digests count as new", path
    )
    return True


def prepare_state(path: Path, out_dir: Path, *, new_state: bool = False) -> None:
    """Before `run` or `serve` starts: damage, or a lost state, stops it here with one line."""
    if new_state:
        start_new_state(path)
    with State(path) as state:
        refuse_lost_state(state, out_dir)


def state_error(path: Path, exc: sqlite3.Error | OSError) -> StateError | None:
    """The StateError for a failure of the state file itself, or None for anything else (a
    bug in our SQL, say, which should keep its traceback)."""
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return _disk_full(path, exc.strerror or str(exc))
        return StateError(
            f"cannot use the state database {path}: {exc.strerror or exc}",
            hint="check the `state:` path in config.yaml and that it is writable",
        )
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return damaged(path, str(exc))
    if code == sqlite3.SQLITE_FULL:
        return _disk_full(path, str(exc))
    if code == sqlite3.SQLITE_IOERR:
        return StateError(
            f"I/O error on the state database {path}: {exc}",
            hint="check the disk it is on (dmesg), then run again",
        )
    if code in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM):
        return StateError(
            f"cannot open state database {path}: {exc}",
            hint="check the `state:` path in config.yaml and that it is writable",
        )
    return None


def damaged(path: Path, detail: str) -> StateError:
    return StateError(
        f"state database {path} is damaged: {detail}",
        hint=f"move it aside (mv {path} {path}.damaged), then restore a backup or recover it"
        ' (README: "A damaged state"); without one, `digest run --new-state` starts over',
    )


def _disk_full(path: Path, detail: str) -> StateError:
    return StateError(
        f"cannot write the state database {path}: {detail}",
        hint="the disk is full: free space on it and run again; nothing was sent or marked"
        " done that the state does not record",
    )


@contextmanager
def storage_errors(path: Path) -> Iterator[None]:
    """Turn a failure of the state file (damage, full disk, I/O) into one StateError line."""
    try:
        yield
    except sqlite3.Error as exc:
        error = state_error(path, exc)
        if error is None:
            raise
        raise error from None


@contextmanager
def exclusive_run(state_path: Path, *, wait: float = RUN_LOCK_WAIT) -> Iterator[None]:
    """One run at a time per state file: a manual `digest run` while `digest serve` is building
    a digest waits for it instead of racing it for the same articles and digest name."""
    from filelock import FileLock, Timeout

    lock = FileLock(f"{state_path}.run.lock", timeout=wait)
    try:
        Path(state_path).parent.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except Timeout:
        raise DigestError(
            f"another digest run on {state_path} has not finished after {wait:.0f}s",
            hint="wait for it, or check for a stuck `digest run` process",
        ) from None
    except OSError as exc:  # the lock file beside the state cannot be made: full disk, say
        raise state_error(Path(state_path), exc) from None
    try:
        yield
    finally:
        lock.release()


class State:
    """One SQLite file. Use as a context manager, or call close()."""

    # A test hook standing in for a full disk: the file may not grow past this many pages
    # (SQLite's max_page_count; it never shrinks a file, so 1 means "no growth").
    max_page_count: int | None = None

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.was_missing = not self.path.exists()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: we open transactions ourselves, so each step is explicit.
            # check_same_thread=False: sources run in worker threads and ask is_seen() (see
            # digest.sources.collect); SQLite is built serialized, so shared reads are safe.
            self.db = sqlite3.connect(
                self.path, isolation_level=None, timeout=30, check_same_thread=False
            )
            # Before anything is written (even the journal mode): a damaged file is reported,
            # not written to, and no digest file is written from what it says.
            self._check()
            if self.max_page_count is not None:
                self.db.execute(f"PRAGMA max_page_count = {int(self.max_page_count)}")
            self.db.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL skips the fsync per commit yet a commit still survives the
            # process being killed (only a power cut can undo the last few). It shrinks the
            # window between an SMTP server accepting a message and us recording it as sent.
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.executescript(SCHEMA)
        except StateError:
            self.db.close()
            raise
        except (sqlite3.Error, OSError) as exc:
            if getattr(self, "db", None) is not None:
                self.db.close()
            raise state_error(self.path, exc) or DigestError(
                f"cannot open state database {self.path}: {exc}",
                hint="check the `state:` path in config.yaml and that it is writable",
            ) from None

    def holds_nothing(self) -> bool:
        """No digest, no article, and not started with --new-state: what a deleted or
        truncated file leaves (SQLite takes an empty file for a new database)."""
        row = self.db.execute(
            "SELECT EXISTS (SELECT 1 FROM digests) OR EXISTS (SELECT 1 FROM articles)"
            " OR EXISTS (SELECT 1 FROM state_info WHERE key = 'started_new')"
        ).fetchone()
        return not row[0]

    def _check(self) -> None:
        # quick_check: the structure of every page, in time linear in the file (no index
        # cross-check, which integrity_check adds at a much higher cost).
        problems = [row[0] for row in self.db.execute("PRAGMA quick_check(3)")]
        if problems != ["ok"]:
            lines = [ln for p in problems for ln in p.splitlines() if not ln.startswith("***")]
            raise damaged(self.path, "; ".join(lines)[:300])

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
        with storage_errors(self.path):
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                if self.db.in_transaction:  # SQLite may already have rolled back (disk full)
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

    def written(self, *, content: bool = True) -> list[DigestRecord]:
        """Every written digest, newest first. Without `content`, their rendered files are left
        empty: the archive index lists every digest ever written, and loading all of them held
        a few times the largest one in memory."""
        return self._digests("WHERE status = 'written' ORDER BY id DESC", content=content)

    def last_digest(self) -> DigestRecord | None:
        found = self._digests("ORDER BY id DESC LIMIT 1")
        return found[0] if found else None

    def _digests(self, where: str, *, content: bool = True) -> list[DigestRecord]:
        files = "html, text, json" if content else "'', '', ''"
        rows = self.db.execute(
            "SELECT id, name, created_at, slot, status, articles, sources, subject,"
            f" {files} FROM digests {where}"
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
