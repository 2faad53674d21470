"""What queue mode (digest/queue/) keeps in the state: prepared articles, parked jobs, and the
single rows a worker's job reads (one staged item, one delivery)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from digest.models import SourceItem
from digest.store.core import in_chunks
from digest.store.deliveries import DELIVERY_COLUMNS, Delivery
from digest.store.schema import deliveries, digests, parked_jobs, prepared, staged_items

_QUEUE_SCHEMA_LOCK = 0x6469_6702  # beside migrations._MIGRATION_LOCK


@dataclass(frozen=True)
class ParkedJob:
    job_id: int
    task: str
    args: str
    attempts: int
    reason: str
    parked_at: str


class QueueMixin:
    def prepared(self, keys: Iterable[str]) -> dict[str, bytes]:
        """The stored results among `keys` (asked in chunks: a digest can hold thousands)."""
        keys = list(keys)
        found: dict[str, bytes] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            rows = self._rows(
                select(prepared.c.key, prepared.c.result).where(prepared.c.key.in_(chunk))
            )
            found.update({k: bytes(v) for k, v in rows})
        return found

    def add_prepared(self, results: Mapping[str, bytes], *, when: str) -> None:
        rows = [{"key": k, "result": v, "made_at": when} for k, v in results.items()]
        with self.transaction() as db:
            if rows:
                db.execute(self._insert(prepared).on_conflict_do_nothing(), rows)

    def staged_item(self, uid: str) -> SourceItem | None:
        return next((i for i in self.staged_items_of([uid])), None)

    def staged_items_of(self, uids: Iterable[str]) -> list[SourceItem]:
        from digest.store.sources import _ITEM

        items: list[SourceItem] = []
        for chunk in in_chunks(uids):
            rows = self._rows(select(*_ITEM).where(staged_items.c.uid.in_(chunk)))
            items.extend(_item(row) for row in rows)
        return items

    def due_among(self, digest_id: int, recipients: Iterable[str]) -> dict[str, Delivery]:
        """Those of `recipients` whose delivery of a written digest is still to be sent
        (pending or sending), by recipient."""
        rows = self._rows(
            select(*DELIVERY_COLUMNS)
            .join(digests, digests.c.id == deliveries.c.digest_id)
            .where(digests.c.status == "written")
            .where(deliveries.c.digest_id == digest_id)
            .where(deliveries.c.recipient.in_(list(recipients)))
            .where(deliveries.c.status.in_(("pending", "sending")))
        )
        return {row[3]: Delivery(*row) for row in rows}

    def ensure_queue_schema(self, schema_sql: str) -> bool:
        """Run procrastinate's schema script unless its tables exist; True if it ran."""
        from sqlalchemy import text

        with self.transaction() as db:
            db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _QUEUE_SCHEMA_LOCK})
            if db.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar():
                return False
            # Straight to psycopg, without parameters: the script holds literal `%` signs.
            db.connection.driver_connection.execute(schema_sql)
        return True

    def park_job(
        self, job_id: int, task: str, args: str, *, attempts: int, reason: str, when: str
    ) -> None:
        row = {"job_id": job_id, "task": task, "args": args, "attempts": attempts,
               "reason": reason[:1000], "parked_at": when}  # fmt: skip
        with self.transaction() as db:
            db.execute(self._insert(parked_jobs).on_conflict_do_nothing(), [row])

    def parked_jobs(self, *, limit: int = 20) -> list[ParkedJob]:
        c = parked_jobs.c
        rows = self._rows(
            select(c.job_id, c.task, c.args, c.attempts, c.reason, c.parked_at)
            .order_by(c.parked_at.desc(), c.job_id.desc())
            .limit(limit)
        )
        return [ParkedJob(*r) for r in rows]


def _item(row) -> SourceItem:
    uid, source, name, body, content_type, url, title, published = row
    return SourceItem(
        source=source, uid=uid, name=name, body=body, content_type=content_type, url=url,
        title=title, published=datetime.fromisoformat(published) if published else None,
    )  # fmt: skip
