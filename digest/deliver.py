"""Email delivery, exactly once per recipient: delivery records in the state, one SMTP session.

Records. When a digest is built, its email copy and one 'pending' delivery row per recipient
are stored in the same transaction as the digest itself (State.add_pending(on_store=...)), so
no crash can lose them. Only digests marked 'written' are sent. Each run first retries what is
left over, then sends the new digest, over one connection opened when first needed.

A delivery goes pending -> sending -> sent | failed (5xx for that recipient), or back to
pending (4xx, connection trouble: next run tries again). A delivery whose stored message cannot
be built or sent for a reason of ours, not the server's (a line break in a subject or name that
an older version let into the state), is failed with that reason: it never blocks the others,
nor the next digest.

The one window no SMTP client can close: the server accepted the message (we sent the final
"." of DATA) but we died before recording 'sent'. We record 'sending' only once the server has
accepted the recipient, right before DATA, so that window is as short as it can be: the
server's reply to DATA plus one commit. A row found in 'sending' at start-up is SENT
AGAIN, and so is a message whose DATA reply could not be read (smtp.py): both are unknown
outcomes. We chose at-least-once: a loss is silent and the reader never learns of it, a duplicate
is visible and harmless, and the copy carries the same Message-ID, which many mailboxes
(Gmail) use to show it once. The alternative (mark it 'unknown' and never retry) would turn
every crash during DATA, including the common case where the server never got the final ".",
into a lost digest.
"""

from __future__ import annotations

import html
import logging
import re
import smtplib
import ssl
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from email import errors as email_errors
from email import policy
from typing import Any

from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from digest import subscribers as subs
from digest.config import Config
from digest.mail import (
    EmailCopy,
    Prebuilt,
    build_message,
    build_report,
    make_list_id,
    make_message_id,
    prebuild,
    reader_headers,
    render_email,
)
from digest.models import Digest, Skipped
from digest.shutdown import critical
from digest.smtp import SmtpError, close, connect, send_one
from digest.state import State
from digest.store import Delivery, NewDelivery

logger = logging.getLogger(__name__)

# What the mail library (and smtplib, for a CR/LF in a command) raise on data it refuses to
# put on the wire. Retrying cannot help, since the data is stored; the server never saw it.
UNSENDABLE = (ValueError, TypeError, email_errors.MessageError)


def recorder(
    copy: EmailCopy,
    config: Config,
    *,
    name: str,
    created_at: datetime,
    digest: Digest | None = None,
    env: Any = None,
) -> Callable[[State, int], None]:
    """What State.add_pending runs inside its transaction: store the copy, one copy per distinct
    reader choice (sections, sentences; subscribers.py), and one delivery per active reader."""
    sender = config.email.from_ or ""
    when = created_at.isoformat()

    def store(state: State, digest_id: int) -> None:
        readers = []
        if config.email.enabled:
            # email.recipients are readers too: new ones join, those taken off it leave.
            state.sync_recipients(config.email.recipients, created_at)
            readers = state.subscribers(status=[subs.ACTIVE])
        copies: dict[str, EmailCopy | None] = {"": copy}
        new = []
        for reader in readers:
            choice = subs.choice_for(config, reader)
            if choice.key not in copies:
                copies[choice.key] = _reader_copy(digest, choice, config, env, name=name)
            if copies[choice.key] is None:
                logger.info("%s: nothing in it for %s (%s)", name, reader.email, choice.key)
                continue
            message_id = make_message_id(name, when, reader.email, sender)
            new.append(NewDelivery(reader.email, reader.name, message_id, choice.key))
        state.add_email(digest_id, (copy.html, copy.text, copy.shown, copy.total), new, when=when)
        state.add_reader_copies(
            digest_id,
            {k: (c.html, c.text, c.shown, c.total) for k, c in copies.items() if k and c},
        )

    return store


def _reader_copy(
    digest: Digest | None, choice: subs.Choice, config: Config, env: Any, *, name: str
) -> EmailCopy | None:
    """The email copy for one choice: the stories of the chosen topics, each brief cut to the
    chosen number of sentences (its first ones, in the article's order). None: no story left."""
    if digest is None or env is None:  # a caller without readers' choices: the full copy
        return None
    topic = subs.topic_of(config)
    briefs = tuple(
        replace(b, sentences=b.sentences[: choice.sentences or None])
        for b in digest.briefs
        if not choice.topics or topic.get(b.article.source) in choice.topics
    )
    if not briefs:
        return None
    return render_email(replace(digest, briefs=briefs), name=name, env=env, config=config)


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    pending: int = 0


class Outbox:
    """Sends due deliveries over one SMTP connection, opened on first use, closed on exit."""

    def __init__(
        self,
        config: Config,
        state: State,
        *,
        wait: Any = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.config = config
        self.state = state
        smtp = config.email.smtp
        # Between tries of one message: retry_wait, then double it (2 s, 4 s by default);
        # after `attempts` tries the delivery waits for the next run.
        self.wait = wait or wait_exponential(multiplier=smtp.retry_wait, max=60)
        self.attempts = smtp.attempts
        self.ssl_context = ssl_context
        self._conn: smtplib.SMTP | None = None
        self._down: SmtpError | None = None  # set when the session failed: skip further passes
        self._copies: dict[tuple[int, str], EmailCopy] = {}
        # By (digest, choice, subject): the MIME body every reader of that copy gets.
        self._prebuilt: dict[tuple[int, str, str], Prebuilt | None] = {}
        # With the web front, each message carries the reader's own signed links (the secret
        # is read now: a missing one stops the run before anything is sent).
        self.tokens = None
        if config.web is not None and config.email.enabled:
            from digest.web.tokens import Tokens, secret

            self.tokens = Tokens(secret(config))
        self.failures: list[str] = []  # this run's failed deliveries, for the admin report

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            close(self._conn)
            self._conn = None

    def send_pending(self) -> DeliveryReport:
        """Send every due delivery of every written digest, oldest digest first."""
        report = DeliveryReport()
        if not self.config.email.enabled:
            return report
        due = self._due()
        was_down = self._down is not None
        for i, delivery in enumerate(due):
            if self._down is not None:
                report.pending += len(due) - i
                break
            outcome = self._deliver(delivery)
            setattr(report, outcome, getattr(report, outcome) + 1)
        if self._down is not None and due:
            # One line for the whole session, not one per recipient: nobody's address is at fault.
            log = logger.debug if was_down else logger.error
            log("Email not sent: %s; %d left pending for the next run", self._down, report.pending)
        elif due:
            # Debug only: the run's one summary line carries these counts (RunReport.details).
            logger.debug(
                "Email: %d sent, %d failed, %d left pending", report.sent, report.failed,
                report.pending,
            )  # fmt: skip
        return report

    def send(
        self,
        message: bytes,
        *,
        recipient: str,
        before_data: Callable[[], None],
        on_try: Callable[[], None] = lambda: None,
    ) -> None:
        """One message, retried on transient failures. Raises SmtpError."""
        retrying = Retrying(
            stop=stop_after_attempt(self.attempts),
            wait=self.wait,
            retry=retry_if_exception(lambda e: isinstance(e, SmtpError) and e.transient),
            reraise=True,
            before_sleep=lambda rs: logger.info(
                "Retrying %s (try %d failed: %s)",
                recipient,
                rs.attempt_number,
                rs.outcome.exception() if rs.outcome else "?",
            ),
        )
        for attempt in retrying:
            with attempt:
                on_try()
                conn = self._connection()
                try:
                    send_one(
                        conn,
                        self.config.email.smtp,
                        sender=self.config.email.from_ or "",
                        recipient=recipient,
                        data=message,
                        before_data=before_data,
                    )
                except SmtpError as exc:
                    if exc.reconnect:
                        self._drop()
                    raise

    def reader_message(self, d: Delivery) -> bytes:
        """d's message: the copy's body, encoded once per copy (mail.Prebuilt), with the
        reader's own headers and links. The same bytes as `message` would build, but for the
        Date; built whole when the body cannot be shared (mail.prebuild says when)."""
        email = self.config.email
        copy = self.copy(d.digest_id, d.choice)
        key = (d.digest_id, d.choice, d.subject)
        if key not in self._prebuilt:
            fields: tuple[str, ...] = ()
            if self.tokens is not None:
                from digest.web.tokens import PLACEHOLDERS

                fields = PLACEHOLDERS
            self._prebuilt[key] = prebuild(
                copy, subject=d.subject, sender=email.from_ or "",
                list_id=make_list_id(self.config.title, email.from_ or ""), fields=fields,
            )  # fmt: skip
        prebuilt = self._prebuilt[key]
        if prebuilt is None:
            return self.message(d, copy, message_id=d.message_id)
        fills, one_click = {}, None
        if self.tokens is not None:
            from digest.web.tokens import reader_links

            links = reader_links(self.config, self.tokens, d.recipient)
            fills, one_click = links.fills, links.unsubscribe
        headers = reader_headers(
            to=d.recipient, to_name=d.name, message_id=d.message_id,
            date=datetime.now(self.config.tz), unsubscribe_url=email.unsubscribe_url,
            one_click=one_click,
        )  # fmt: skip
        return prebuilt.message(headers, fills)

    def message(self, delivery: Delivery, copy: EmailCopy, *, message_id: str) -> bytes:
        email = self.config.email
        links = None
        if self.tokens is not None:
            from digest.web.tokens import reader_links

            links = reader_links(self.config, self.tokens, delivery.recipient)
            copy = replace(copy, html=links.fill(copy.html), text=links.fill(copy.text))
        msg = build_message(
            copy,
            subject=delivery.subject,
            sender=email.from_ or "",
            to=delivery.recipient,
            to_name=delivery.name,
            message_id=message_id,
            list_id=make_list_id(self.config.title, email.from_ or ""),
            date=datetime.now(self.config.tz),
            unsubscribe_url=email.unsubscribe_url,
            one_click=links.unsubscribe if links else None,  # the reader's own signed URL
        )
        return msg.as_bytes(policy=policy.SMTP)

    def report_problems(
        self, skipped: Sequence[Skipped], *, digest_name: str | None, when: datetime
    ) -> bool:
        """Mail email.admin one report of this run's problems, if it had any; True if sent.

        Called after the readers' mail, so it never delays it; not a delivery (no row, no
        retry next run). If it cannot be sent, that is logged and the run goes on.
        """
        admin = self.config.email.admin
        if not admin or not (skipped or self.failures):
            return False
        if self._down is not None:
            logger.error("Admin report to %s not sent: %s", admin, self._down)
            return False
        msg = build_report(
            title=self.config.title,
            sender=self.config.email.from_ or "",
            to=admin,
            when=when,
            digest_name=digest_name,
            skipped=skipped,
            email_failures=self.failures,
        )
        try:
            self.send(msg.as_bytes(policy=policy.SMTP), recipient=admin, before_data=lambda: None)
        except SmtpError as exc:
            logger.error("Admin report to %s not sent: %s", admin, exc)
            return False
        count = len(skipped) + len(self.failures)
        logger.info("Reported %d %s to %s", count, "problem" if count == 1 else "problems", admin)
        return True

    def deliver(self, delivery: Delivery) -> str:
        """One due delivery (a queue worker's send_mail job): 'sent', 'failed' or 'pending'.
        Once the server is down in this session, the rest wait for the next try."""
        if self._down is not None:
            return "pending"
        return self._deliver(delivery)

    # --- internals ----------------------------------------------------------------------

    def _deliver(self, d: Delivery) -> str:
        """Returns 'sent', 'failed' or 'pending'; never raises for an SMTP problem."""
        if d.status == "sending":
            logger.warning(
                "Re-sending %s to %s: a run stopped while sending it, so they may get it twice"
                " (same Message-ID)",
                d.digest_name,
                d.recipient,
            )
        try:
            data = self.reader_message(d)
        except UNSENDABLE as exc:
            return self._unsendable(d, f"cannot build the message: {exc}")
        # Sending and recording one message is a step `digest serve` lets finish on SIGTERM.
        with critical():
            return self._send_and_record(d, data)

    def _unsendable(self, d: Delivery, reason: str, *, tries: int = 0) -> str:
        self._record(d, "failed", reason, tries=tries)
        logger.error("Email %s to %s failed: %s", d.digest_name, d.recipient, reason)
        return "failed"

    def _send_and_record(self, d: Delivery, data: bytes) -> str:
        # Tries are counted here and stored with the next change of the row ('sending', or
        # the outcome), not in a commit of their own: a try that dies before DATA goes uncounted.
        tries = 0

        def on_try() -> None:
            nonlocal tries
            tries += 1

        def before_data() -> None:
            nonlocal tries
            self.state.delivery_sending(d.digest_id, d.recipient, when=self._now(), tries=tries)
            tries = 0

        try:
            self.send(data, recipient=d.recipient, before_data=before_data, on_try=on_try)
        except UNSENDABLE as exc:
            # smtplib refused a command before sending it (e.g. a CR/LF in a stored address).
            # The connection may be mid-transaction: start the next message on a fresh one.
            self._drop()
            return self._unsendable(d, f"cannot send the message: {exc}", tries=tries)
        except SmtpError as exc:
            if exc.session:
                # Nobody's fault but the server's or the config's: everyone waits, no one fails.
                self._down = exc
                self._record(d, "pending", str(exc), tries=tries)
                return "pending"
            status = "pending" if exc.transient else "failed"
            self._record(d, status, str(exc), tries=tries)
            self.failures.append(f"{d.digest_name} to {d.recipient} {status}: {exc}")
            logger.error(
                "Email to %s %s: %s",
                d.recipient,
                "left pending for the next run" if exc.transient else "failed",
                exc,
            )
            return status
        self._record(d, "sent", None, tries=tries)
        logger.debug("Sent %s to %s", d.digest_name, d.recipient)
        return "sent"

    def _connection(self) -> smtplib.SMTP:
        if self._conn is None:
            self._conn = connect(self.config.email.smtp, ssl_context=self.ssl_context)
        return self._conn

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _due(self) -> list[Delivery]:
        """Due deliveries to active readers (to_active).

        Each change of a delivery is committed before the SMTP step it precedes: 'sending' is
        stored before DATA starts, so a crash from then on is seen at the next start (module doc).
        """
        # email.recipients as edited since the digest was built: one taken off the list leaves.
        self.state.sync_recipients(self.config.email.recipients, datetime.now(self.config.tz))
        return self.to_active(self.state.due_deliveries())

    def to_active(self, deliveries: Iterable[Delivery]) -> list[Delivery]:
        """Those of `deliveries` to active readers: by digest, then in email.recipients order,
        then by address. Nobody is mailed after leaving: a delivery still due for a reader who
        left or paused (or was taken off email.recipients) since it was made is cancelled, and
        recorded so. A queue worker's send_mail job applies the same rule to its batch, so only
        its batch's readers are looked up, not every subscriber."""
        deliveries = list(deliveries)
        status = self.state.statuses(d.recipient for d in deliveries)
        order = {r.email: i for i, r in enumerate(self.config.email.recipients)}
        due = []
        for d in deliveries:
            if status.get(d.recipient) == subs.ACTIVE:
                due.append(d)
                continue
            reason = {subs.PAUSED: "paused"}.get(status.get(d.recipient, ""), "unsubscribed")
            self.state.delivery_outcome(
                d.digest_id, d.recipient, "cancelled", reason, when=self._now()
            )
            logger.info("Cancelled %s to %s: %s", d.digest_name, d.recipient, reason)
        return sorted(due, key=lambda d: (d.digest_id, order.get(d.recipient, len(order)),
                                          d.recipient))  # fmt: skip

    def copy(self, digest_id: int, choice: str = "") -> EmailCopy:
        """The stored email copy (a reader copy, for a `choice`); a digest from before email
        existed falls back to its files."""
        if (digest_id, choice) not in self._copies:
            stored = self.state.email_copy(digest_id, choice)
            self._copies[digest_id, choice] = EmailCopy(*stored)
        return self._copies[digest_id, choice]

    def _record(self, d: Delivery, status: str, error: str | None, *, tries: int = 0) -> None:
        self.state.delivery_outcome(
            d.digest_id, d.recipient, status, error, when=self._now(), tries=tries
        )

    def _now(self) -> str:
        return datetime.now(self.config.tz).isoformat(timespec="seconds")


def deliveries_of(
    state: State, digest_id: int, recipients: Sequence[str] = ()
) -> list[tuple[str, str, str, str | None]]:
    """(recipient, status, updated_at, last_error) of one digest's deliveries, for `status`:
    in email.recipients order, then anyone taken off it since."""
    order = {address: i for i, address in enumerate(recipients)}
    rows = state.deliveries_of(digest_id)
    return sorted(rows, key=lambda row: (order.get(row[0], len(order)), row[0]))


def failed_before(state: State, digest_id: int, *, digests: int = 7) -> list[tuple[str, ...]]:
    """(digest name, recipient, updated_at, last_error) of failed deliveries of the `digests`
    digests before `digest_id`, newest first: `status` shows them, as they are not retried."""
    return state.failed_before(digest_id, digests_back=digests)


def send_test(
    config: Config, state: State, address: str, *, ssl_context: ssl.SSLContext | None = None
) -> str:
    """Send the latest written digest to `address` as readers get it; not recorded anywhere.

    Marked as a test, so it is never mistaken for (or filtered like) the real one: "[TEST] " before
    the subject and a first line in both parts saying what it is.
    """
    from email.utils import make_msgid

    from digest.config import _check_address
    from digest.errors import DeliveryError
    from digest.mail import sender_domain

    try:
        address = _check_address(address)
    except ValueError as exc:
        raise DeliveryError(str(exc), hint="pass --to you@example.org") from None
    if not config.email.from_:
        raise DeliveryError("no sender address", hint="set email.from in config.yaml")
    written = state.written()
    if not written:
        raise DeliveryError("no digest to send yet", hint="run `digest run` first")
    record = written[0]
    with Outbox(config, state, ssl_context=ssl_context) as outbox:
        subject = f"[TEST] {record.rendered.subject}"
        test = Delivery(record.id, record.name, subject, address, None, "", "")
        message_id = make_msgid("test", domain=sender_domain(config.email.from_))
        try:
            data = outbox.message(
                test, mark_test(outbox.copy(record.id), record.name), message_id=message_id
            )
        except UNSENDABLE as exc:
            raise DeliveryError(
                f"cannot build {record.name} as an email: {exc}",
                hint="a later digest, built with the corrected config, will go",
            ) from None
        outbox.send(data, recipient=address, before_data=lambda: None)
    return record.name


_BODY_TAG = re.compile(r"<body\b[^>]*>", re.IGNORECASE)


def mark_test(copy: EmailCopy, name: str) -> EmailCopy:
    """The stored copy with a first line saying it is a test send (readers' copies are not)."""
    note = f"Test send of {name}: readers got this digest without this line."
    banner = (
        '<div style="padding: 8px 16px; background-color: #fff4c2; color: #1f2328;'
        ' font-family: Helvetica, Arial, sans-serif; font-size: 14px; line-height: 20px;">'
        f"{html.escape(note)}</div>"
    )
    # Our own template's <body> tag: the banner goes first, before the preheader, so the inbox
    # preview shows it too. A custom template without one gets the subject mark only.
    marked = _BODY_TAG.sub(lambda m: m.group(0) + banner, copy.html, count=1)
    return replace(copy, html=marked, text=f"[{note}]\n\n{copy.text}")
