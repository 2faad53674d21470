"""Digests, the articles they claim, and the signatures of what they carried (for repeats).

Crash safety: a digest is stored *rendered*, with the articles it holds, in one transaction
before any file is written ("pending"); files are then written from the stored copy and the
digest is marked "written". An article counts as seen once a digest holds it, so a crash in
between makes the next run rewrite the pending digest's files, never build a second one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Connection,
    bindparam,
    delete,
    exists,
    func,
    literal_column,
    or_,
    select,
    update,
)

from digest.models import RenderedDigest, Repeat, Sent, Skipped
from digest.store.core import in_chunks
from digest.store.schema import articles, digests, state_info
from digest.store.schema import signatures as signatures_table

if TYPE_CHECKING:
    from digest.store import Store


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


_RECORD = (
    digests.c.id,
    digests.c.name,
    digests.c.created_at,
    digests.c.slot,
    digests.c.status,
    digests.c.articles,
    digests.c.sources,
    digests.c.subject,
    digests.c.html,
    digests.c.text,
    digests.c.json,
)


# Built once: building a statement costs more than running it.
_SEEN = select(articles.c.uid).where(articles.c.uid == bindparam("uid"))
# seen(): one statement per chunk of uids (core.in_chunks), each uid a bound parameter.
_SEEN_ANY = select(articles.c.uid).where(articles.c.uid.in_(bindparam("uids", expanding=True)))


class DigestsMixin:
    def holds_nothing(self) -> bool:
        """No digest, no article, and not started with --new-state: what a deleted or
        truncated file leaves (SQLite takes an empty file for a new database)."""
        started = exists().where(state_info.c.key == "started_new")
        found = select(or_(exists(select(digests.c.id)), exists(select(articles.c.uid)), started))
        return not self._scalar(found)

    def mark_started_new(self, when: datetime) -> None:
        stmt = self._insert(state_info).values(key="started_new", value=when.isoformat())
        with self.transaction() as db:
            db.execute(
                stmt.on_conflict_do_update(index_elements=["key"], set_={"value": when.isoformat()})
            )

    def is_seen(self, uid: str) -> bool:
        """Seen = recorded in a digest (pending ones too: they are finished before new work)."""
        return self._scalar(_SEEN, uid=uid) is not None

    def seen(self, uids: Iterable[str]) -> set[str]:
        """Those of `uids` that are seen (as is_seen), in one query per IN_CHUNK uids: what a
        source reading a batch (a folder, a feed's entries) asks instead of one query per item."""
        found: set[str] = set()
        for chunk in in_chunks(uids):
            found.update(uid for (uid,) in self._rows(_SEEN_ANY, uids=chunk))
        return found

    def skipped_of(self, digest_id: int) -> list[tuple[str, str, str]]:
        """(name, source, reason) of the items a digest left out as bad: not its failed sources
        (see source health) nor its repeats (no problem), for `digest status`."""
        rows = self._rows(
            select(articles.c.name, articles.c.source, articles.c.reason)
            .where(articles.c.digest_id == digest_id, articles.c.status == "skipped")
            .where(articles.c.uid.not_like("source:%"), articles.c.reason.not_like("already in %"))
            .order_by(articles.c.source, articles.c.name)
        )
        return [tuple(r) for r in rows]

    # --- signatures of sent articles, for repeats ---------------------------------------

    def recent_signatures(self, since: datetime) -> list[Sent]:
        """Signatures of the articles digests carried since `since`, newest digest first."""
        rows = self._rows(
            select(
                signatures_table.c.uid,
                signatures_table.c.digest_id,
                digests.c.name,
                func.coalesce(articles.c.title, articles.c.name),
                signatures_table.c.minhash,
            )
            .join(digests, digests.c.id == signatures_table.c.digest_id)
            .join(articles, articles.c.uid == signatures_table.c.uid)
            .where(signatures_table.c.sent_at >= since.timestamp())
            .order_by(
                signatures_table.c.sent_at.desc(),
                signatures_table.c.digest_id.desc(),
                signatures_table.c.uid,
            )
        )
        return [
            Sent(uid, digest_id, name, title, bytes(blob))
            for uid, digest_id, name, title, blob in rows
        ]

    def prune_signatures(self, before: datetime) -> int:
        """Forget signatures older than the repeat window: the table stays about a window long."""
        with self.transaction() as db:
            result = db.execute(
                delete(signatures_table).where(signatures_table.c.sent_at < before.timestamp())
            )
        return result.rowcount

    def add_repeats(self, repeats: Iterable[Repeat]) -> None:
        """Record repeats found by a run that stores no digest, so they are not read again."""
        with self.transaction() as db:
            self._insert_repeats(db, repeats)

    # --- digests ------------------------------------------------------------------------

    def next_name(self, day: str, taken_on_disk: Iterable[str] = ()) -> str:
        """digest-DAY, then digest-DAY-2, -3, ... skipping names used in state or on disk."""
        rows = self._rows(
            select(digests.c.name).where(
                or_(digests.c.name == f"digest-{day}", digests.c.name.like(f"digest-{day}-%"))
            )
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
        on_store: Callable[[Store, int], None] | None = None,
    ) -> DigestRecord:
        """Store a rendered digest and claim its articles, atomically; return its record.

        The included articles' signatures and this run's repeats are stored in the same
        transaction: a crash cannot leave a story remembered as sent by a digest that was never
        stored, nor a repeat claimed while the digest that makes it one is lost.

        on_store(store, digest_id) runs in the same transaction, for what must be stored with
        the digest or not at all (deliver.py: the email copy and one delivery row per
        recipient); what it writes through the store joins this transaction.
        """
        included = list(included)
        sent_at = created_at.timestamp()
        with self.transaction() as db:
            digest_id = db.execute(
                digests.insert().values(
                    name=rendered.name,
                    created_at=created_at.isoformat(),
                    slot=slot,
                    status="pending",
                    subject=rendered.subject,
                    html=rendered.html,
                    text=rendered.text,
                    json=rendered.json,
                    articles=len(included),
                    sources=sources,
                )
            ).inserted_primary_key[0]
            rows = [
                {"uid": uid, "digest_id": digest_id, "source": src, "name": name, "title": title,
                 "status": "included", "reason": None}
                for uid, src, name, title in included
            ]  # fmt: skip
            _many(db, articles.insert(), rows)
            # A skipped item is shown once, in this digest's footer, then not again; a changed
            # file has a new hash, so fixing it makes it new.
            rows = [
                {"uid": s.uid, "digest_id": digest_id, "source": s.source, "name": s.name,
                 "title": None, "status": "skipped", "reason": s.reason}
                for s in skipped
            ]  # fmt: skip
            _many(db, self._insert(articles).on_conflict_do_nothing(), rows)
            rows = [
                {"uid": uid, "digest_id": digest_id, "sent_at": sent_at, "minhash": blob}
                for uid, blob in signatures
            ]
            _many(db, signatures_table.insert(), rows)
            self._insert_repeats(db, repeats)
            if on_store is not None:
                on_store(self, digest_id)
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
            db.execute(update(digests).where(digests.c.id == digest_id).values(status="written"))

    def pending(self) -> list[DigestRecord]:
        return self._digests(
            select(*_RECORD).where(digests.c.status == "pending").order_by(digests.c.id)
        )

    def written(self, *, content: bool = True) -> list[DigestRecord]:
        """Every written digest, newest first. Without `content`, their rendered files are left
        empty: the archive index lists every digest ever written, and loading all of them held
        a few times the largest one in memory."""
        columns = _RECORD if content else (*_RECORD[:8], *[literal_column("''")] * 3)
        return self._digests(
            select(*columns).where(digests.c.status == "written").order_by(digests.c.id.desc())
        )

    def last_digest(self) -> DigestRecord | None:
        found = self._digests(select(*_RECORD).order_by(digests.c.id.desc()).limit(1))
        return found[0] if found else None

    def _digests(self, query) -> list[DigestRecord]:
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
            for r in self._rows(query)
        ]

    def _insert_repeats(self, db: Connection, repeats: Iterable[Repeat]) -> None:
        # Claimed by the digest that carried the story, with the reason: seen from now on, never
        # in a footer, and `... WHERE reason LIKE 'already in %'` lists them.
        rows = [
            {"uid": r.article.uid, "digest_id": r.earlier.digest_id, "source": r.article.source,
             "name": r.article.name, "title": r.article.title, "status": "skipped",
             "reason": r.reason}
            for r in repeats
        ]  # fmt: skip
        _many(db, self._insert(articles).on_conflict_do_nothing(), rows)


def _many(db: Connection, statement, rows: list[dict]) -> None:
    if rows:  # an empty parameter list is one execution with no values, not none
        db.execute(statement, rows)
