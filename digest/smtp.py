"""One SMTP session: connect (TLS, AUTH), send one message to one recipient, explain failures.

Every failure becomes an SmtpError that says what happened, where, and which config key to
check, and whether trying again later may help (`transient`: connection trouble and 4xx
replies) or not (5xx replies, TLS and login problems). The password is read from the
environment only here and is scrubbed from every message we build.
"""

from __future__ import annotations

import base64
import re
import smtplib
import socket
import ssl
from collections.abc import Callable
from email.utils import parseaddr

from digest.config import Smtp
from digest.errors import DeliveryError

HOST_HINT = "check email.smtp.host/port in config.yaml"
SECURITY_HINT = "check email.smtp.security: ssl for port 465, starttls for 587"


class SmtpError(DeliveryError):
    """A failed SMTP step.

    transient: worth retrying (later in this run, or next run); otherwise permanent.
    session: the whole session failed (connect, TLS, login, sender): no recipient is to blame,
             so nobody is marked failed and the rest wait for the next run.
    reconnect: the connection is unusable; open a new one before trying again.
    """

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        transient: bool,
        session: bool = False,
        reconnect: bool = False,
    ) -> None:
        super().__init__(message, hint=hint)
        self.transient = transient
        self.session = session
        self.reconnect = reconnect


def connect(cfg: Smtp, *, ssl_context: ssl.SSLContext | None = None) -> smtplib.SMTP:
    """Open, secure and log in. Raises SmtpError(session=True)."""
    password = cfg.password()
    if cfg.username and not password:
        env = cfg.password_env
        raise SmtpError(
            f"no SMTP password for {cfg.username}",
            hint=f"set the environment variable {env}" if env else "set email.smtp.password_env",
            transient=False,
            session=True,
        )
    context = ssl_context or ssl.create_default_context()
    conn: smtplib.SMTP | None = None
    try:
        # local_hostname: smtplib's default, socket.getfqdn(), can stall for seconds on DNS.
        helo = socket.gethostname() or "localhost"
        if cfg.security == "ssl":
            conn = smtplib.SMTP_SSL(
                cfg.host, cfg.port, timeout=cfg.timeout, context=context, local_hostname=helo
            )
        else:
            conn = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout, local_hostname=helo)
        conn.ehlo()
        if cfg.security == "starttls":
            conn.starttls(context=context)
            conn.ehlo()
        if cfg.username:
            conn.login(cfg.username, password or "")
        return conn
    except (OSError, smtplib.SMTPException) as exc:
        if conn is not None:
            close(conn)
        raise explain(exc, cfg, session=True) from None


def send_one(
    conn: smtplib.SMTP,
    cfg: Smtp,
    *,
    sender: str,
    recipient: str,
    data: bytes,
    before_data: Callable[[], None],
) -> None:
    """MAIL, RCPT, then `before_data()`, then DATA. Raises SmtpError.

    before_data runs once the server has accepted the recipient, right before the message is
    sent: it is where the caller records 'sending' (see deliver.py for why there).
    """
    envelope_from = parseaddr(sender)[1] or sender
    options: list[str] = []
    if not (envelope_from + recipient).isascii():
        if not conn.has_extn("smtputf8"):
            raise SmtpError(
                f"{cfg.host} cannot take the non-ASCII address {recipient or envelope_from}",
                hint="the server lacks SMTPUTF8; use an ASCII address in config.yaml",
                transient=False,
            )
        options.append("SMTPUTF8")
    try:
        code, reply = conn.mail(envelope_from, options)
        if code != 250:
            _reset(conn)
            raise smtplib.SMTPSenderRefused(code, reply, envelope_from)
        code, reply = conn.rcpt(recipient)
        if code not in (250, 251):
            _reset(conn)
            raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
        before_data()
        try:
            code, reply = conn.data(data)
        except smtplib.SMTPDataError:
            raise
        except smtplib.SMTPResponseException as exc:
            # smtplib could not read the reply at all ("Line too long."): an unknown outcome.
            raise smtplib.SMTPDataError(-1, exc.smtp_error) from None
        if not 200 <= code < 300:
            raise smtplib.SMTPDataError(code, reply)
    except smtplib.SMTPDataError as exc:
        _reset(conn)  # a refused DATA leaves the transaction open; the next MAIL needs it closed
        raise explain(exc, cfg, recipient=recipient) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise explain(exc, cfg, recipient=recipient, sender=envelope_from) from None


def explain(
    exc: BaseException,
    cfg: Smtp,
    *,
    session: bool = False,
    recipient: str | None = None,
    sender: str | None = None,
) -> SmtpError:
    """Turn an smtplib/socket/ssl exception into an SmtpError with a hint."""
    where = f"{cfg.host}:{cfg.port}"
    scrub = _scrubber(cfg)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return SmtpError(
            scrub(f"{where} refused the login as {cfg.username}: {_reply(exc)}"),
            hint=f"check email.smtp.username and the password in ${cfg.password_env}",
            transient=_is_4xx(exc.smtp_code),
            session=True,
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        text = str(exc)
        hint = (
            "many servers offer AUTH only after STARTTLS: set email.smtp.security: starttls"
            if "AUTH" in text
            else SECURITY_HINT
        )
        return SmtpError(scrub(f"{where}: {text}"), hint=hint, transient=False, session=True)
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return SmtpError(
            scrub(f"{where} refused the sender {exc.sender}: {_reply(exc)}"),
            hint="check email.from in config.yaml; many servers accept only the login's address",
            transient=_is_4xx(exc.smtp_code),
            session=True,
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        (rcpt, (code, reply)), *_ = exc.recipients.items()
        return SmtpError(
            scrub(f"{where} refused {rcpt}: {code} {_text(reply)}"),
            hint="check the address in email.recipients",
            # Only a 5xx is a refusal; an unreadable reply (-1) is worth another try.
            transient=not 500 <= code < 600,
            reconnect=code == 421 or code < 0,
        )
    if isinstance(exc, smtplib.SMTPDataError) and recipient and not 400 <= exc.smtp_code < 600:
        # Not a refusal we can read (smtplib gives -1 for "2x0 ..."): the server may have the
        # message, so this is an unknown outcome like a lost connection, and tried again.
        return SmtpError(
            scrub(
                f"{where} gave an unreadable reply to the message to {recipient}:"
                f" {_reply(exc) if exc.smtp_code > 0 else repr(_text(exc.smtp_error))}"
            ),
            hint="it may have arrived; it is sent again with the same Message-ID",
            transient=True,
            reconnect=True,
        )
    if isinstance(exc, smtplib.SMTPDataError | smtplib.SMTPConnectError):
        what = f"rejected the message to {recipient}" if recipient else "refused the connection"
        return SmtpError(
            scrub(f"{where} {what}: {_reply(exc)}"),
            hint="the server's reason is above" if recipient else HOST_HINT,
            transient=_is_4xx(exc.smtp_code),
            session=session or not recipient,
            reconnect=exc.smtp_code == 421,
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return SmtpError(
            scrub(f"{where} answered {_reply(exc)}"),
            hint=HOST_HINT,
            transient=_is_4xx(exc.smtp_code),
            session=session,
            reconnect=True,
        )
    if isinstance(exc, ssl.SSLCertVerificationError):
        return SmtpError(
            f"TLS certificate of {where} is not trusted: {exc.verify_message}",
            hint="check email.smtp.host is the name on the server's certificate",
            transient=False,
            session=True,
        )
    if isinstance(exc, ssl.SSLError):
        return SmtpError(
            f"TLS with {where} failed: {exc.reason or exc}",
            hint=SECURITY_HINT,
            transient=False,
            session=True,
        )
    if isinstance(exc, TimeoutError | socket.timeout):
        return SmtpError(
            f"timed out talking to {where} after {cfg.timeout:g}s",
            hint=f"{HOST_HINT}; raise email.smtp.timeout for a slow server",
            transient=True,
            session=session,
            reconnect=True,
        )
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return SmtpError(
            scrub(f"{where} closed the connection" + (f": {exc}" if str(exc) else "")),
            hint=f"{HOST_HINT} and email.smtp.security",
            transient=True,
            session=session,
            reconnect=True,
        )
    if isinstance(exc, OSError):
        return SmtpError(
            f"could not connect to {where}: {exc.strerror or exc}"
            if session
            else f"connection to {where} failed: {exc.strerror or exc}",
            hint=HOST_HINT,
            transient=True,
            session=session,
            reconnect=True,
        )
    return SmtpError(scrub(f"{where}: {exc}"), hint=HOST_HINT, transient=False, session=session)


def close(conn: smtplib.SMTP) -> None:
    """QUIT politely; a server that already hung up is not an error."""
    try:
        conn.quit()
    except (OSError, smtplib.SMTPException):
        conn.close()


def _reset(conn: smtplib.SMTP) -> None:
    try:
        conn.rset()
    except (OSError, smtplib.SMTPException):
        pass  # the next command will find the connection broken and reconnect


def _is_4xx(code: int) -> bool:
    return 400 <= code < 500


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _reply(exc: smtplib.SMTPResponseException) -> str:
    return f"{exc.smtp_code} {_text(exc.smtp_error)}".strip()


def _scrubber(cfg: Smtp) -> Callable[[str], str]:
    """Server replies are echoed into our messages; make sure none of them carries the password,
    in plain text or in the base64 that AUTH sent it as (a misbehaving server may echo that)."""
    password = cfg.password()
    if not password:
        return lambda text: text
    pieces = _base64_pieces(password.encode("utf-8"), (cfg.username or "").encode("utf-8"))
    sizes = sorted({len(p) for p in pieces})

    def leaks(run: str) -> bool:
        return any(run[i : i + n] in pieces for n in sizes for i in range(len(run) - n + 1))

    def scrub(text: str) -> str:
        text = text.replace(password, "***")
        # A whole base64 run goes if it holds part of the password's encoding: the user name
        # or other bytes sharing it are no loss.
        return _BASE64_RUN.sub(lambda m: "***" if leaks(m[0]) else m[0], text)

    return scrub


# Base64 text as a server would echo it (linear: one greedy class, then at most two "=").
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{4,}={0,2}")
PIECE = 8  # base64 characters (6 bytes of the password) that count as a leak when echoed


def _base64_pieces(password: bytes, username: bytes) -> set[str]:
    """Every PIECE-character stretch of base64 that can only come from the password.

    At offset k (mod 3) in the encoded bytes, the characters for the password's own bytes are
    fixed, except the first group (it mixes in the bytes before it) and the last (the bytes
    after it). Those fixed middles, at k = 0, 1, 2, cover AUTH PLAIN ("\\0user\\0password"),
    AUTH LOGIN (the password alone) and any other framing; any PIECE characters of one is
    enough to match, so a server echoing only part of a token is caught too. For a password
    too short to have a fixed middle, the exact PLAIN and LOGIN tokens stand in.
    """
    pieces = {
        base64.b64encode(b"\0" + username + b"\0" + password).decode(),  # AUTH PLAIN
        base64.b64encode(password).decode(),  # AUTH LOGIN's answer to "Password:"
    }
    for k in range(3):
        encoded = base64.b64encode(b"\0" * k + password).decode()
        start = 4 if k else 0
        end = len(encoded) - (4 if (k + len(password)) % 3 else 0)
        middle = encoded[start:end]
        if len(middle) >= PIECE:
            pieces |= {middle[i : i + PIECE] for i in range(len(middle) - PIECE + 1)}
    return pieces
