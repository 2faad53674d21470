"""The web front on uvicorn: in a thread beside `digest serve`'s scheduler, or alone (`digest web`).

The listening socket is bound here, before uvicorn starts, so a port in use is one line naming
web.listen (uvicorn would log it and exit its thread). uvicorn's access log is off: paths carry
signed tokens, and each page logs what it did (an address subscribed, left) without them.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from typing import Any

from digest.config import Config
from digest.errors import DigestError
from digest.web.tokens import secret

logger = logging.getLogger(__name__)

START_WAIT = 60.0  # seconds for uvicorn to start serving; only bounds a hang
STOP_WAIT = 10.0  # seconds open requests get to finish when serve stops


def bind(config: Config) -> socket.socket:
    assert config.web is not None
    host, port = config.web.host, config.web.port
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        raise DigestError(
            f"web.listen {config.web.listen}: cannot listen there ({exc.strerror or exc})",
            hint="another program may hold the port; choose another in config.yaml",
        ) from None
    sock.set_inheritable(True)
    return sock


def _uvicorn(config: Config, app: Any) -> Any:
    import uvicorn

    assert config.web is not None
    # Our log format and handlers: uvicorn's own startup chatter is debug; its errors show.
    ours = logging.getLogger("digest").handlers
    for name in ("uvicorn", "uvicorn.error"):
        log = logging.getLogger(name)
        log.handlers[:] = ours
        log.setLevel(logging.WARNING)
        log.propagate = False
    return uvicorn.Server(
        uvicorn.Config(
            app,
            log_config=None,
            access_log=False,
            server_header=False,
            proxy_headers=True,
            forwarded_allow_ips=config.web.trusted_proxies,
            lifespan="off",
            timeout_graceful_shutdown=int(STOP_WAIT),
            # A client that holds a connection without sending is dropped, like any keep-alive.
            timeout_keep_alive=5,
            h11_max_incomplete_event_size=16 * 1024,
        )
    )


class WebFront:
    """uvicorn serving the app on a bound socket. start()/stop() for `serve`; run() alone."""

    def __init__(self, config: Config, store: Any) -> None:
        from digest.web.app import build_app

        self.config = config
        self.app = build_app(config, store, secret=secret(config))
        self.sock = bind(config)
        self.server = _uvicorn(config, self.app)
        self.thread: threading.Thread | None = None
        self.owned: Any = None  # a state connection to close when it stops

    @property
    def address(self) -> str:
        host, port = self.sock.getsockname()[:2]
        return f"http://{host}:{port}" if ":" not in host else f"http://[{host}]:{port}"

    def _announce(self) -> None:
        assert self.config.web is not None
        logger.info("Web front on %s, public at %s", self.address, self.config.web.base_url)

    def start(self) -> None:
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, name="web", daemon=True
        )
        self.thread.start()
        started = threading.Event()

        def ready() -> bool:
            return self.server.started or not self.thread.is_alive()

        # uvicorn has no start callback: poll its flag, bounded.
        for _ in range(int(START_WAIT / 0.02)):
            if ready():
                break
            started.wait(0.02)
        if not self.server.started:
            raise DigestError(f"the web front did not start on {self.config.web.listen}")
        self._announce()

    def stop(self) -> None:
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(STOP_WAIT + 5)
        self.sock.close()
        if self.owned is not None:
            self.owned.close()

    def run(self) -> int:
        """In the foreground until SIGTERM or SIGINT, then exit code 0 (as `serve` does).

        uvicorn runs in a thread here too: in the main thread it re-raises the signal it
        caught once it has stopped, and the process would die of it (exit -15)."""
        stop = threading.Event()
        previous = {
            sig: signal.signal(sig, lambda *_: stop.set())
            for sig in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            self.start()
            while not stop.wait(1.0):
                if self.thread is not None and not self.thread.is_alive():
                    raise DigestError("the web front stopped on its own; see the log above")
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.stop()
        logger.info("Web front stopped")
        return 0


def open_web(config: Config) -> WebFront:
    """The web front on its own connection to the state (closed when it stops)."""
    from digest.store import Store

    store = Store(config.state)
    try:
        front = WebFront(config, store)
    except BaseException:
        store.close()
        raise
    front.owned = store
    return front
