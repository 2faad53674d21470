"""A real SMTP server on loopback (aiosmtpd) whose mailboxes tests can read, per recipient.

Scripted replies make it misbehave on purpose: a reply queued for a recipient is given (once)
instead of accepting it; "drop" closes the connection instead of answering.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Mailboxes:
    """aiosmtpd handler: one list of received messages per recipient."""

    def __init__(self) -> None:
        self.boxes: dict[str, list[EmailMessage]] = defaultdict(list)
        self.rcpt_replies: dict[str, list[str]] = defaultdict(list)
        self.data_replies: list[str] = []
        self.on_rcpt: Callable[[str], Awaitable[None]] | None = None
        self.on_data: Callable[[list[str]], Awaitable[None]] | None = None
        self.connections = 0
        self.lock = threading.Lock()

    def __getitem__(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return list(self.boxes.get(address, []))

    def message_ids(self, address: str) -> list[str]:
        return [m["Message-ID"] for m in self[address]]

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        session.host_name = hostname
        with self.lock:
            self.connections += 1
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        queued = self.rcpt_replies.get(address)
        if queued:
            reply = queued.pop(0)
            if reply == "drop":
                server.transport.close()
                return "421 closing"
            return reply
        if self.on_rcpt is not None:
            await self.on_rcpt(address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.data_replies:
            reply = self.data_replies.pop(0)
            if reply == "drop":
                server.transport.close()
                return "421 closing"
            return reply
        msg = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.boxes[rcpt].append(msg)
        if self.on_data is not None:
            await self.on_data(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


class _Controller(Controller):
    """aiosmtpd's Controller on port 0: the OS picks a free port, and `port` is read back.

    (A port picked beforehand, bound, closed and handed over, can be taken in between.)
    """

    def _trigger_server(self) -> None:
        # Runs after the server is bound and before start() returns: the first moment the
        # real port is known, and before aiosmtpd connects to it to check it is up.
        if self.port == 0:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@contextmanager
def closed_port() -> Iterator[int]:
    """A port that refuses connections and that nobody else can take while the block runs.

    The socket is bound but never listens, so connecting gets "Connection refused"; the
    kernel hands its port to no one else, and smtp_server(port=...) may still bind it
    (both sockets set SO_REUSEADDR, and only the server listens).
    """
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def password_auth(username: str, password: str) -> Callable[..., AuthResult]:
    def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode() == username and auth_data.password.decode() == password
        )
        return AuthResult(success=ok, handled=False)

    return authenticator


@contextmanager
def smtp_server(handler: Mailboxes | None = None, port: int = 0, **kwargs) -> Iterator[Controller]:
    """Start a server on 127.0.0.1 (kwargs go to aiosmtpd's SMTP) and stop it afterwards."""
    # ready_timeout: aiosmtpd waits 1 s by default for its thread to answer, which a loaded
    # machine can miss; this only bounds a hang.
    kwargs.setdefault("ready_timeout", 60)
    controller = _Controller(handler or Mailboxes(), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


async def wait_for(event: threading.Event) -> None:
    """Block one SMTP command (not the test thread) until the test sets `event`."""
    while not event.is_set():
        await asyncio.sleep(0.01)
