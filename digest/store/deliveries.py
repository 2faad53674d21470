"""Email copies and deliveries: one row per digest and recipient (deliver.py says how they move).

Each change of a delivery is committed on its own, before the SMTP step it precedes: 'sending'
is stored before DATA starts, 'sent' only once the server answered 250.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select, update

from digest.store.schema import deliveries, digests, email_copies, reader_copies


@dataclass(frozen=True)
class Delivery:
    digest_id: int
    digest_name: str
    subject: str
    recipient: str
    name: str | None
    message_id: str
    status: str
    choice: str = ""  # '' the full email copy, else the reader copy's key


# A Delivery's fields, in order, as selected from deliveries joined with digests.
DELIVERY_COLUMNS = (
    deliveries.c.digest_id,
    digests.c.name,
    digests.c.subject,
    deliveries.c.recipient,
    deliveries.c.name,
    deliveries.c.message_id,
    deliveries.c.status,
    deliveries.c.choice,
)


@dataclass(frozen=True)
class NewDelivery:
    recipient: str
    name: str | None
    message_id: str
    choice: str = ""


class DeliveriesMixin:
    def add_email(
        self,
        digest_id: int,
        copy: tuple[str, str, int, int],  # html, text, shown, total
        recipients: Iterable[NewDelivery],
        *,
        when: str,
    ) -> None:
        """Store a digest's email copy and a pending delivery per recipient (inside
        add_pending's transaction, when called from its on_store)."""
        html, text, shown, total = copy
        rows = [
            {"digest_id": digest_id, "recipient": r.recipient, "name": r.name,
             "message_id": r.message_id, "status": "pending", "updated_at": when,
             "choice": r.choice}
            for r in recipients
        ]  # fmt: skip
        with self.transaction() as db:
            db.execute(
                email_copies.insert().values(
                    digest_id=digest_id, html=html, text=text, shown=shown, total=total
                )
            )
            if rows:
                db.execute(self._insert(deliveries).on_conflict_do_nothing(), rows)

    def due_deliveries(self) -> list[Delivery]:
        """Deliveries of written digests not yet sent or failed, oldest digest first."""
        rows = self._rows(
            select(*DELIVERY_COLUMNS)
            .join(digests, digests.c.id == deliveries.c.digest_id)
            .where(digests.c.status == "written")
            .where(deliveries.c.status.in_(("pending", "sending")))
            .order_by(deliveries.c.digest_id, deliveries.c.recipient)
        )
        return [Delivery(*r) for r in rows]

    def add_reader_copies(
        self, digest_id: int, copies: dict[str, tuple[str, str, int, int]]
    ) -> None:
        """One email copy per distinct reader choice (key -> html, text, shown, total)."""
        rows = [
            {"digest_id": digest_id, "choice": key, "html": html, "text": text, "shown": shown,
             "total": total}
            for key, (html, text, shown, total) in copies.items()
        ]  # fmt: skip
        if rows:
            with self.transaction() as db:
                db.execute(reader_copies.insert(), rows)

    def email_copy(self, digest_id: int, choice: str = "") -> tuple[str, str, int, int]:
        """(html, text, shown, total) of the stored email copy (a reader's, for a `choice`);
        a digest from before email existed falls back to its files' HTML and text."""
        if choice:
            r = reader_copies.c
            row = self._rows(
                select(r.html, r.text, r.shown, r.total).where(
                    r.digest_id == digest_id, r.choice == choice
                )
            )
            if row:
                return tuple(row[0])
        c = email_copies.c
        row = self._rows(select(c.html, c.text, c.shown, c.total).where(c.digest_id == digest_id))
        if not row:
            d = digests.c
            row = self._rows(
                select(d.html, d.text, d.articles, d.articles).where(d.id == digest_id)
            )
        return tuple(row[0])

    def delivery_sending(
        self, digest_id: int, recipient: str, *, when: str, tries: int = 0
    ) -> None:
        """'sending', and `tries` more tries (counted with it: one commit per message less)."""
        self._update_delivery(digest_id, recipient, tries, status="sending", updated_at=when)

    def delivery_outcome(
        self, digest_id: int, recipient: str, status: str, error: str | None, *, when: str,
        tries: int = 0,
    ) -> None:  # fmt: skip
        self._update_delivery(
            digest_id, recipient, tries, status=status, last_error=error, updated_at=when
        )

    def _update_delivery(self, digest_id: int, recipient: str, tries: int = 0, **values) -> None:
        if tries:
            values["attempts"] = deliveries.c.attempts + tries
        with self.transaction() as db:
            db.execute(
                update(deliveries)
                .where(deliveries.c.digest_id == digest_id, deliveries.c.recipient == recipient)
                .values(**values)
            )

    def deliveries_of(self, digest_id: int) -> list[tuple[str, str, str, str | None]]:
        """(recipient, status, updated_at, last_error) of one digest's deliveries."""
        c = deliveries.c
        rows = self._rows(
            select(c.recipient, c.status, c.updated_at, c.last_error)
            .where(c.digest_id == digest_id)
            .order_by(c.recipient)
        )
        return [tuple(r) for r in rows]

    def failed_before(self, digest_id: int, *, digests_back: int = 7) -> list[tuple[str, ...]]:
        """(digest name, recipient, updated_at, last_error) of failed deliveries of the
        `digests_back` digests before `digest_id`, newest first."""
        earlier = (
            select(digests.c.id)
            .where(digests.c.id < digest_id)
            .order_by(digests.c.id.desc())
            .limit(digests_back)
        )
        rows = self._rows(
            select(digests.c.name, deliveries.c.recipient, deliveries.c.updated_at,
                   deliveries.c.last_error)
            .join(digests, digests.c.id == deliveries.c.digest_id)
            .where(deliveries.c.status == "failed", deliveries.c.digest_id.in_(earlier))
            .order_by(deliveries.c.digest_id.desc(), deliveries.c.recipient)
        )  # fmt: skip
        return [tuple(r) for r in rows]

    def due_recipients(self) -> list[str]:
        """Recipients of deliveries left pending or sending, for `--dry-run`."""
        c = deliveries.c
        return [
            r[0]
            for r in self._rows(select(c.recipient).where(c.status.in_(("pending", "sending"))))
        ]
