"""Fetching is bounded in time and goes only where it was judged to go (issue 11).

Real sockets on loopback: a server that trickles its headers, one that accepts and never
answers, and two HTTP servers at two loopback addresses for DNS rebinding. The only stand-ins
are the DNS answers (no resolver runs here) and, for the rebinding test, which loopback
address counts as "public".
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from helpers import remote_state
from webdata import rss

from digest import fetch as fetch_module
from digest.config import FeedSource, Fetch
from digest.fetch import Fetcher, FetchError
from digest.sources import feed


@contextmanager
def raw_server(handle):
    """A TCP server on 127.0.0.1 that runs handle(conn, stop) per connection in a thread."""
    stop = threading.Event()
    accepted: list[socket.socket] = []
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            accepted.append(conn)
            threading.Thread(target=handle, args=(conn, stop), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], accepted
    finally:
        stop.set()
        thread.join()
        listener.close()
        for conn in accepted:
            conn.close()


def trickle_headers(conn: socket.socket, stop: threading.Event) -> None:
    """The status line, then a header one byte every 0.1 s: each read is quick, the whole never
    ends (up to 30 s here, when the server gives up and closes)."""
    try:
        conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        deadline = time.monotonic() + 30
        while not stop.is_set() and time.monotonic() < deadline:
            conn.sendall(b"a")
            stop.wait(0.1)
    except OSError:
        pass  # the client hung up, as it should
    conn.close()


def never_answer(conn: socket.socket, stop: threading.Event) -> None:
    stop.wait()


def test_trickled_headers_hit_the_request_deadline() -> None:
    # Issue 11: headers at a byte a second held a run with timeout 5 for 96 s, because the
    # deadline started only once the headers were in.
    with raw_server(trickle_headers) as (port, _), Fetcher(Fetch(timeout=1)) as fetcher:
        url = f"http://127.0.0.1:{port}/feed"
        started = time.monotonic()
        with pytest.raises(FetchError, match=rf"timed out after 1s: {url}"):
            fetcher.get(url)
        assert time.monotonic() - started < 10  # 1 s is the deadline; the rest is slack


def test_a_run_budget_stops_teaser_fetches_and_keeps_the_feed_text(
    httpserver, tmp_path, caplog
) -> None:
    # Issue 11: 20 teaser links to a host that never answers cost 20 x timeout. With a budget,
    # fetching stops when it is spent and every teaser keeps the feed's own text. The budget
    # leaves the feed itself seconds to arrive, even on a loaded machine.
    with raw_server(never_answer) as (port, accepted):
        teasers = [
            {
                "title": f"Story {n}",
                "link": f"http://localhost:{port}/story-{n}",
                "html": f"<p>Teaser number {n} about the harbour. Read more</p>",
            }
            for n in range(40)
        ]
        httpserver.expect_request("/rss").respond_with_data(
            rss(teasers), content_type="application/rss+xml"
        )
        source = FeedSource(type="feed", name="Slow", url=httpserver.url_for("/rss"), max_items=40)
        config = Fetch(timeout=1, run_budget=5, per_host_concurrency=2)
        with caplog.at_level(logging.DEBUG), Fetcher(config) as fetcher:
            with remote_state(tmp_path / "s.db") as remote:
                items = list(feed.read(source, fetch=fetcher, remote=remote))
        connections = len(accepted)

    assert len(items) == 40
    assert all("Teaser number" in item.body for item in items)
    budget_lines = [r for r in caplog.records if "fetch.run_budget" in r.getMessage()]
    assert len([r for r in budget_lines if r.levelno >= logging.WARNING]) == 1
    # Two at a time for at most 5 s, each held 1 s: at most 10 connections (12 with rounding),
    # not 40. A slower machine only makes fewer.
    assert connections <= 12


class _Named(BaseHTTPRequestHandler):
    def do_GET(self):
        body = self.server.name.encode()
        self.server.hits += 1
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _server_pair() -> tuple[ThreadingHTTPServer, ThreadingHTTPServer]:
    """A "public" server on 127.0.0.2 and an "internal" one on 127.0.0.1, on the same port."""
    for _ in range(20):
        public = ThreadingHTTPServer(("127.0.0.2", 0), _Named)
        try:
            internal = ThreadingHTTPServer(("127.0.0.1", public.server_address[1]), _Named)
        except OSError:
            public.server_close()
            continue
        for server, name in ((public, "public"), (internal, "internal")):
            server.name, server.hits = name, 0
            threading.Thread(target=server.serve_forever, daemon=True).start()
        return public, internal
    pytest.skip("no port free on both 127.0.0.1 and 127.0.0.2")


def test_the_connection_goes_to_the_address_that_was_checked(monkeypatch) -> None:
    # DNS rebinding: the name answers a public address when checked and a private one when
    # connected to. We must connect to the address we checked, so one answer is all we use.
    public, internal = _server_pair()
    port = public.server_address[1]
    real_getaddrinfo, real_kind = socket.getaddrinfo, fetch_module.address_kind
    answers = iter(["127.0.0.2"])

    def rebinding_dns(host, *args, **kwargs):
        if host != "rebind.example":
            return real_getaddrinfo(host, *args, **kwargs)
        address = next(answers, "127.0.0.1")  # first answer "public", then internal
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_dns)
    # 127.0.0.2 plays the public address; every other address is judged as usual.
    monkeypatch.setattr(
        fetch_module,
        "address_kind",
        lambda address: None if str(address) == "127.0.0.2" else real_kind(address),
    )
    try:
        with Fetcher(Fetch(timeout=5)) as fetcher:
            response = fetcher.get(
                f"http://rebind.example:{port}/page", linked_from="https://feeds.example.org/rss"
            )
        assert response.body == b"public"
        assert (public.hits, internal.hits) == (1, 0)
    finally:
        for server in (public, internal):
            server.shutdown()
            server.server_close()


def test_a_page_the_budget_left_no_time_for_is_kept_for_the_next_run(httpserver, tmp_path):
    # A skipped page is remembered and never read again; one the budget cut off did nothing
    # wrong, so it is not skipped, just not read this run.
    from digest.config import PageSource
    from digest.sources import page as page_source

    httpserver.expect_request("/a").respond_with_data("<p>a</p>", content_type="text/html")
    source = PageSource(type="page", name="Pages", urls=(httpserver.url_for("/a"),))
    with (
        Fetcher(Fetch(timeout=1, run_budget=1e-9)) as fetcher,
        remote_state(tmp_path / "s") as remote,
    ):
        found = list(page_source.read(source, fetch=fetcher, remote=remote))
    assert found == [] and len(httpserver.log) == 0


def test_https_still_checks_the_certificate_against_the_host_name(monkeypatch, tmp_path):
    # We connect to the judged IP address; TLS must still verify the name in the URL (SNI).
    import ssl

    import trustme

    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Named)
    server.name, server.hits = "secure", 0
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        with Fetcher(Fetch(timeout=5)) as fetcher:
            assert fetcher.get(f"https://localhost:{port}/").body == b"secure"
            with pytest.raises(FetchError, match="certificate is not valid for '127.0.0.1'"):
                fetcher.get(f"https://127.0.0.1:{port}/")
    finally:
        server.shutdown()
        server.server_close()
