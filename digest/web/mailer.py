"""The web front's own mails: the confirmation link (double opt-in), and "already subscribed".

Plain text, one link each, sent over email.smtp like the digest (digest/smtp.py). A failure is
the operator's to see (logged by the caller); the reader saw the same page either way.
"""

from __future__ import annotations

from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from digest.config import Config
from digest.mail import sender_domain
from digest.smtp import close, connect, send_one
from digest.web.tokens import Tokens


class Mailer:
    def __init__(self, config: Config, tokens: Tokens) -> None:
        assert config.web is not None
        self.config = config
        self.tokens = tokens
        self.base = config.web.base_url

    def confirm(self, email: str, topics: tuple[str, ...]) -> None:
        link = f"{self.base}/confirm/{self.tokens.confirm(email, topics)}"
        days = self.config.web.confirm_days if self.config.web else 3
        self._send(
            email,
            f"Confirm your subscription to {self.config.title}",
            f"Someone, probably you, asked for {self.config.title} to be sent to {email}.\n\n"
            f"To confirm, open this link (it works for {days} days):\n\n{link}\n\n"
            "If it was not you, ignore this mail: nothing will be sent unless the link is"
            " followed.\n",
        )

    def already_subscribed(self, email: str) -> None:
        link = f"{self.base}/preferences/{self.tokens.preferences(email)}"
        self._send(
            email,
            f"You already get {self.config.title}",
            f"Someone, probably you, asked for {self.config.title} to be sent to {email}."
            " It already is.\n\n"
            f"To choose what you get, pause it or leave, open:\n\n{link}\n",
        )

    def _send(self, to: str, subject: str, body: str) -> None:
        email = self.config.email
        sender = email.from_ or ""
        msg = EmailMessage()
        msg["Subject"] = subject
        msg["From"] = sender
        msg["To"] = to
        msg["Date"] = format_datetime(datetime.now(self.config.tz))
        msg["Message-ID"] = make_msgid(domain=sender_domain(sender))
        msg["Auto-Submitted"] = "auto-generated"
        msg.set_content(body, charset="utf-8")
        conn = connect(email.smtp)
        try:
            send_one(
                conn,
                email.smtp,
                sender=sender,
                recipient=to,
                data=msg.as_bytes(policy=policy.SMTP),
                before_data=lambda: None,
            )
        finally:
            close(conn)
