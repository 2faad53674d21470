"""Subscribers: one row per address that confirmed, or that the operator added.

Leaving is a status, not a deletion: `left` keeps the address from being mailed again by an
import of email.recipients, and records when. Leaving cancels, in the same transaction, every
delivery still pending (or interrupted mid-send) for that address: they are marked 'cancelled',
never sent, so nobody is mailed after leaving, even by a digest built before they left.
`forget_subscriber` deletes the row and its deliveries (the operator's erasure).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from digest.store.core import in_chunks
from digest.store.schema import deliveries, subscribers
from digest.subscribers import ACTIVE, LEFT, PAUSED, Subscriber

# Deliveries not yet done: what leaving cancels ('sending' is a send a crash interrupted, which
# the next run would otherwise send again).
UNSENT = ("pending", "sending")


def _row(row: Any) -> Subscriber:
    return Subscriber(
        email=row.email,
        status=row.status,
        topics=tuple(json.loads(row.topics or "[]")),
        sentences=row.sentences,
        name=row.name,
        origin=row.origin,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SubscribersMixin:
    def subscriber(self, email: str) -> Subscriber | None:
        rows = self._rows(select(subscribers).where(subscribers.c.email == email))
        return _row(rows[0]) if rows else None

    def statuses(self, emails: Iterable[str]) -> dict[str, str]:
        """The status of each of `emails` that is a subscriber, by address: what sending a
        batch needs, without reading every subscriber."""
        found: dict[str, str] = {}
        for chunk in in_chunks(emails):
            query = select(subscribers.c.email, subscribers.c.status)
            found.update(tuple(r) for r in self._rows(query.where(subscribers.c.email.in_(chunk))))
        return found

    def subscribers(self, *, status: Sequence[str] | None = None) -> list[Subscriber]:
        query = select(subscribers).order_by(subscribers.c.email)
        if status is not None:
            query = query.where(subscribers.c.status.in_(tuple(status)))
        return [_row(r) for r in self._rows(query)]

    def add_subscriber(
        self,
        email: str,
        *,
        name: str | None = None,
        topics: tuple[str, ...] = (),
        origin: str,
        now: datetime,
    ) -> Subscriber:
        """A new subscriber, or a known one active again with these topics."""
        when = now.isoformat()
        values = {"status": ACTIVE, "topics": json.dumps(list(topics)), "updated_at": when}
        with self.transaction() as db:
            found = db.execute(
                select(subscribers.c.email).where(subscribers.c.email == email)
            ).first()
            if found:
                if name is not None:
                    values["name"] = name
                db.execute(update(subscribers).where(subscribers.c.email == email).values(values))
            else:
                db.execute(
                    subscribers.insert().values(
                        email=email, name=name, origin=origin, created_at=when, **values
                    )
                )
        return self.subscriber(email)  # type: ignore[return-value]

    def confirm_subscriber(self, email: str, topics: tuple[str, ...], now: datetime) -> Subscriber:
        """Double opt-in done: the address followed its confirmation link."""
        return self.add_subscriber(email, topics=topics, origin="web", now=now)

    def update_subscriber(
        self,
        email: str,
        *,
        topics: tuple[str, ...],
        sentences: int | None,
        paused: bool,
        now: datetime,
    ) -> Subscriber | None:
        """A reader's preferences; None (and nothing changed) if they are not subscribed."""
        with self.transaction() as db:
            changed = db.execute(
                update(subscribers)
                .where(subscribers.c.email == email, subscribers.c.status != LEFT)
                .values(
                    topics=json.dumps(list(topics)),
                    sentences=sentences,
                    status=PAUSED if paused else ACTIVE,
                    updated_at=now.isoformat(),
                )
            ).rowcount
        return self.subscriber(email) if changed else None

    def unsubscribe(self, email: str, now: datetime) -> int | None:
        """Leave: status 'left', and every unsent delivery for the address cancelled, in one
        transaction. Returns how many were cancelled, or None for an unknown address."""
        when = now.isoformat()
        with self.transaction() as db:
            found = db.execute(
                select(subscribers.c.status).where(subscribers.c.email == email)
            ).first()
            if found is None:
                return None
            if found.status != LEFT:
                db.execute(
                    update(subscribers)
                    .where(subscribers.c.email == email)
                    .values(status=LEFT, updated_at=when)
                )
            return self._cancel_unsent(db, email, when)

    def forget_subscriber(self, email: str) -> bool:
        """Delete the address and its deliveries: nothing of it is left in the state."""
        with self.transaction() as db:
            gone = db.execute(delete(subscribers).where(subscribers.c.email == email)).rowcount
            db.execute(delete(deliveries).where(deliveries.c.recipient == email))
        return bool(gone)

    def sync_recipients(self, recipients: Iterable[Any], now: datetime) -> None:
        """email.recipients of config.yaml as subscribers (origin 'config'): a new one is added
        as active; one taken off the list leaves (as taking it off always meant). A recipient
        who left on the web stays left: the YAML does not subscribe them again."""
        listed = {r.email: r for r in recipients}
        when = now.isoformat()
        with self.transaction() as db:
            known = {
                row.email: row
                for row in db.execute(
                    select(subscribers.c.email, subscribers.c.status, subscribers.c.origin)
                )
            }
            new = [
                {"email": e, "name": r.name, "status": ACTIVE, "topics": "[]", "origin": "config",
                 "created_at": when, "updated_at": when}
                for e, r in listed.items() if e not in known
            ]  # fmt: skip
            if new:
                db.execute(subscribers.insert(), new)
            for email, row in known.items():
                if row.origin == "config" and row.status != LEFT and email not in listed:
                    db.execute(
                        update(subscribers)
                        .where(subscribers.c.email == email)
                        .values(status=LEFT, updated_at=when)
                    )
                    self._cancel_unsent(db, email, when)

    def _cancel_unsent(self, db: Any, email: str, when: str) -> int:
        return db.execute(
            update(deliveries)
            .where(deliveries.c.recipient == email, deliveries.c.status.in_(UNSENT))
            .values(status="cancelled", last_error="unsubscribed", updated_at=when)
        ).rowcount
