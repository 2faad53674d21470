"""The only module that touches the network: polite, bounded HTTP GETs with httpx.

Every request: the configured user agent and timeout, gzip accepted, only http and https (checked
again at every redirect hop, so a redirect cannot lead to file: or ftp:), at most MAX_REDIRECTS
hops, and the body read as a stream and cut off at `max_bytes` (after decompression, so a small
gzip bomb is caught too). Concurrency is bounded twice: `per_host_concurrency` requests per host,
and MAX_CONNECTIONS in all, because runs share one Fetcher across threads.

URLs in config.yaml are trusted; URLs found in content (a feed item's link) are not: a hostile
feed must not make us GET cloud metadata (169.254.169.254), an admin port on 127.0.0.1 or a host
on the LAN. So every hop of every GET, redirects included, is refused when its host resolves to
an address that is not public (loopback, private, link-local, multicast, unspecified, reserved,
shared) -- unless it is the host of the trusted config URL the request started from (a feed on
an intranet host may link to its own pages), or fetch.allow_private_links is on. The check runs
inside the connection itself (_GuardedBackend, an httpcore network backend): the name is
resolved once, every address it resolves to is judged, and the socket connects to one of those
judged addresses, so a DNS answer that changes between check and connect (DNS rebinding) cannot
lead us elsewhere. IPv6 addresses that wrap an IPv4 one (mapped, 6to4, NAT64) are judged by it.

Time is bounded twice. Each request (connect, headers, body, and every redirect hop) has one
deadline, `timeout` seconds after it starts: the network backend gives every socket operation
only what is left of it, so a server trickling its headers a byte at a time cannot stretch it.
And a whole run has `run_budget` seconds of fetching: after that no request starts and those in
flight are cut, so 20 teaser links to a dead host cost the budget, not 20 timeouts.

Failures raise FetchError (a SourceError) with a one-line reason that names the URL; the caller
decides whether it fails one item or a whole source. 410 Gone raises its own subclass, because
a source that is gone is deactivated rather than retried.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import re
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from digest.config import Fetch
from digest.errors import SourceError

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 5
# Global cap on requests in flight: small, because a digest is a few dozen fetches a day and
# being a polite client matters more than shaving seconds.
MAX_CONNECTIONS = 8
ALLOWED_SCHEMES = ("http", "https")
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
HTML_TYPES = ("text/html", "application/xhtml+xml")
_REDIRECTS = (301, 302, 303, 307, 308)  # not 304, which httpx's is_redirect counts as one

# Why an address is not public, most specific first: to ipaddress, 127.0.0.1, 169.254.169.254
# and 240.0.0.1 are all "private" too.
_ADDRESS_KINDS = ("unspecified", "loopback", "link_local", "multicast", "reserved", "private")
_PRIVATE_HINT = (
    "links and redirects may lead only to public addresses or to the source's own host; "
    "set fetch.allow_private_links: true if you trust your sources"
)

_CHARSET_PARAM = re.compile(r"charset\s*=\s*\"?([\w.:-]+)", re.IGNORECASE)
# `[^<>]`, not `[^>]`: the tag ends before the next "<", so no "<meta" rescans the rest.
_META_CHARSET = re.compile(rb"""<meta[^<>]+charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)


class FetchError(SourceError):
    """A GET failed. `status` is the HTTP status when there was one."""

    def __init__(self, message: str, *, url: str, status: int | None = None, hint=None) -> None:
        self.url = url
        self.status = status
        super().__init__(message, hint=hint)


class Gone(FetchError):
    """HTTP 410: the publisher says the URL is gone for good."""


class BudgetSpent(FetchError):
    """fetch.run_budget ran out: the URL was not fetched (or not finished) in this run."""


@dataclass(frozen=True)
class Response:
    url: str  # final URL, after redirects
    status: int  # 200-299, or 304 for a conditional GET that found nothing new
    body: bytes
    content_type: str  # media type only, lowercased: "text/html"
    charset: str | None
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def is_html(self) -> bool:
        return self.content_type in HTML_TYPES

    def text(self) -> str:
        """Decode: the header's charset, else the page's <meta charset>, else a clean guess."""
        declared = self.charset
        if not declared:
            found = _META_CHARSET.search(self.body[:4096])
            declared = found.group(1).decode("ascii") if found else None
        if declared:
            try:
                return self.body.decode(declared)
            except (LookupError, UnicodeDecodeError):
                logger.debug("Declared charset %r does not fit %s; guessing", declared, self.url)
        from digest.sources.folder import decode

        return decode(self.body)


def check_scheme(url: str) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise FetchError(
            f"refused {url}: scheme {scheme or '(none)'!r} is not http or https",
            url=url,
            hint="only web URLs are fetched",
        )


def address_kind(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """What makes `address` off-limits to links from content ("loopback", "private", ...), or
    None when it is a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        wrapped = _wrapped_ipv4(address)
        if wrapped is not None:
            address = wrapped  # ::ffff:127.0.0.1, 2002:7f00:1:: and 64:ff9b::7f00:1 reach 127.0.0.1
    for kind in _ADDRESS_KINDS:
        if getattr(address, f"is_{kind}"):
            return kind.replace("_", "-")
    # The rest of the special-purpose ranges, e.g. 100.64.0.0/10, where one cloud keeps its
    # metadata service (100.100.100.200).
    return None if address.is_global else "non-public"


# Prefixes whose last 32 bits are an IPv4 address that a gateway forwards to: NAT64's well-known
# prefix (RFC 6052) and its local-use one (RFC 8215). 6to4 (2002::/16) is ipaddress's sixtofour.
# Teredo (2001::/32) is left to ipaddress, which already counts all of 2001::/23 as not global.
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))


def _wrapped_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped or address.sixtofour:
        return address.ipv4_mapped or address.sixtofour
    if any(address in net for net in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def resolve(host: str, port: int | None = None) -> list[str]:
    """The addresses `host` resolves to, in the resolver's order, without repeats. Literal IPs
    in any form the OS accepts ("127.1", "2130706433") come back as the OS reads them. Raises
    OSError when the name does not resolve."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(sockaddr[0] for *_, sockaddr in infos))


def private_address(host: str) -> tuple[str, str] | None:
    """(kind, address) for the first address `host` resolves to that is not public; None when
    every one is public. Raises OSError when the name does not resolve."""
    return _first_private(resolve(host))


def _first_private(addresses: list[str]) -> tuple[str, str] | None:
    for text in addresses:
        address = ipaddress.ip_address(text.partition("%")[0])  # drop an IPv6 scope id
        kind = address_kind(address)
        if kind:
            return kind, str(address)
    return None


def _host(url: str) -> str:
    """The host httpx will connect to (its own parser, so no parser mismatch), ASCII, lowercase."""
    try:
        return httpx.URL(url).raw_host.decode("ascii").lower().rstrip(".")
    except httpx.InvalidURL as exc:
        raise FetchError(f"cannot fetch {url}: {exc}", url=url) from None


class _Guard(threading.local):
    """What the request running in this thread may connect to, and until when. Fetcher.get sets
    it for each hop; httpx's sync client connects and reads in the calling thread."""

    deadline: float = math.inf
    judge: bool = True  # refuse non-public addresses (off for the trusted host)
    url: str = ""
    redirected_from: str | None = None


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write gets only what is left of the request's deadline
    (httpx's own timeouts are per operation: a byte a second would never trip them)."""

    def __init__(self, stream: httpcore.NetworkStream, guard: _Guard) -> None:
        self._stream = stream
        self._guard = guard

    def _left(self, timeout: float | None, error: type[Exception]) -> float:
        left = self._guard.deadline - time.monotonic()
        if left <= 0:
            raise error("the request's deadline has passed")
        return left if timeout is None else min(timeout, left)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None) -> _DeadlineStream:
        left = self._left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(
            self._stream.start_tls(ssl_context, server_hostname, left), self._guard
        )

    def get_extra_info(self, info: str):
        return self._stream.get_extra_info(info)


class _GuardedBackend(httpcore.NetworkBackend):
    """httpcore's socket backend, except that a host name is resolved here, once: its addresses
    are judged (see the module docstring) and the socket connects to one of the judged ones.
    TLS still verifies the certificate against the host name (httpcore passes it as SNI)."""

    def __init__(self, guard: _Guard) -> None:
        self._guard = guard
        self._sockets = httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        guard = self._guard
        url = guard.url
        try:
            addresses = resolve(host, port)
        except (OSError, UnicodeError) as exc:  # socket.gaierror; a label too long for IDNA
            raise FetchError(
                f"cannot fetch {url}: cannot resolve {host} ({exc})", url=url
            ) from None
        found = _first_private(addresses) if guard.judge else None
        if found:
            kind, address = found
            what = (
                f"redirect from {guard.redirected_from} to" if guard.redirected_from else "link to"
            )
            article = "an" if kind[0] in "aeiou" else "a"
            raise FetchError(
                f"refused {what} {url}: it points to {article} {kind} address {address}",
                url=url,
                hint=_PRIVATE_HINT,
            )
        error: Exception | None = None
        for address in addresses:  # as socket.create_connection does, but only judged ones
            left = guard.deadline - time.monotonic()
            if left <= 0:
                raise httpcore.ConnectTimeout("the request's deadline has passed")
            wait = left if timeout is None else min(timeout, left)
            try:
                stream = self._sockets.connect_tcp(
                    address, port, wait, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
                continue
            return _DeadlineStream(stream, guard)
        raise error or httpcore.ConnectError(f"{host} has no address")

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise httpcore.ConnectError("unix sockets are not used")

    def sleep(self, seconds: float) -> None:
        self._sockets.sleep(seconds)


def default_user_agent() -> str:
    from digest import __version__

    return f"digest/{__version__} (+https://github.com/digest-news/digest)"


class Fetcher:
    """One HTTP client for a run; thread-safe. Use as a context manager, or call close()."""

    def __init__(self, config: Fetch | None = None) -> None:
        self.config = config or Fetch()
        self._guard = _Guard()
        transport = httpx.HTTPTransport()
        # httpx has no argument for a network backend (encode/httpx#3749 proposes one), so the
        # transport gets an httpcore pool built with ours; httpcore documents the backend API
        # for custom DNS handling. No keep-alive: every request opens its own connection, so
        # every connection's address is judged for the request that uses it (a connection a
        # trusted request opened to an intranet host is never reused by an untrusted link).
        transport._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=MAX_CONNECTIONS,
            max_keepalive_connections=0,
            network_backend=_GuardedBackend(self._guard),
        )
        self._client = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(self.config.timeout),
            headers={
                "User-Agent": self.config.user_agent or default_user_agent(),
                "Accept-Encoding": "gzip, deflate",
            },
            follow_redirects=False,  # followed by hand below, to check every hop's scheme
        )
        self._budget_end = time.monotonic() + self.config.run_budget
        self._budget_logged = False
        self._budget_lock = threading.Lock()
        self._all = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self._hosts: defaultdict[str, threading.BoundedSemaphore] = defaultdict(
            lambda: threading.BoundedSemaphore(self.config.per_host_concurrency)
        )
        self._hosts_lock = threading.Lock()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def new_run(self) -> Fetcher:
        """Start a new run's time budget on this client: a queue worker keeps one Fetcher for
        its jobs (making one, with its TLS context, costs more than fetching a small feed)."""
        with self._budget_lock:
            self._budget_end = time.monotonic() + self.config.run_budget
            self._budget_logged = False
        return self

    def close(self) -> None:
        self._client.close()

    def get(
        self,
        url: str,
        *,
        accept: str = HTML_ACCEPT,
        etag: str | None = None,
        last_modified: str | None = None,
        linked_from: str | None = None,
    ) -> Response:
        """GET url. With etag/last_modified it is a conditional GET and may return a 304.

        `linked_from` is the trusted URL (from config.yaml) whose content gave us `url`, such as
        the feed an item's link came from; leave it out only when `url` is from config.yaml.
        Only that trusted URL's host may be at a non-public address (see the module docstring).
        """
        trusted_host = _host(linked_from or url)
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current, previous = url, None
        deadline = None  # one for the whole request, redirects included; starts with its slot
        for _hop in range(MAX_REDIRECTS + 1):
            check_scheme(current)
            try:
                with self._slot(current):
                    if time.monotonic() >= self._budget_end:
                        raise self._budget_spent(current)
                    if deadline is None:
                        deadline = time.monotonic() + self.config.timeout
                    guard = self._guard
                    guard.url, guard.redirected_from = current, previous
                    guard.judge = not (
                        self.config.allow_private_links or _host(current) == trusted_host
                    )
                    guard.deadline = min(deadline, self._budget_end)
                    with self._client.stream("GET", current, headers=headers) as r:
                        if r.status_code in _REDIRECTS and "location" in r.headers:
                            previous, current = current, urljoin(current, r.headers["location"])
                            logger.debug("%s redirects to %s", url, current)
                            continue
                        return self._read(current, r)
            except httpx.TimeoutException:
                if time.monotonic() >= self._budget_end:
                    raise self._budget_spent(current) from None
                raise FetchError(
                    f"timed out after {self.config.timeout:g}s: {current}",
                    url=current,
                    hint="the server is slow or down; raise fetch.timeout if it is always slow",
                ) from None
            except (httpx.HTTPError, httpx.InvalidURL) as exc:
                reason = str(exc) or type(exc).__name__
                raise FetchError(f"cannot fetch {current}: {reason}", url=current) from None
            finally:
                self._guard.deadline, self._guard.judge = math.inf, True
        raise FetchError(
            f"too many redirects (more than {MAX_REDIRECTS}) from {url}",
            url=url,
            hint="the site may be redirecting in a loop",
        )

    def _budget_spent(self, url: str) -> BudgetSpent:
        """The error for a URL the run budget left no time for; logged once per run."""
        budget = self.config.run_budget
        with self._budget_lock:
            first, self._budget_logged = not self._budget_logged, True
        if first:
            logger.warning(
                "fetch.run_budget of %gs is spent: the rest of this run's pages are not fetched"
                " (teasers keep the feed's text; the rest is tried again next run)",
                budget,
            )
        return BudgetSpent(
            f"not fetched: this run's fetch.run_budget of {budget:g}s was spent: {url}",
            url=url,
            hint="tried again next run; raise fetch.run_budget if runs are often cut short",
        )

    @contextmanager
    def _slot(self, url: str) -> Iterator[None]:
        host = _host(url)  # the same host the address check judged
        with self._hosts_lock:
            per_host = self._hosts[host]
        with self._all, per_host:
            yield

    def _read(self, url: str, r: httpx.Response) -> Response:
        status = r.status_code
        if status == 410:
            raise Gone(f"gone (HTTP 410): {url}", url=url, status=status)
        if status == 404:
            raise FetchError(
                f"not found (HTTP 404): {url}", url=url, status=status, hint="check the URL"
            )
        if status >= 500 or status == 429:
            raise FetchError(
                f"server error (HTTP {status}): {url}",
                url=url,
                status=status,
                hint="usually temporary; tried again next run",
            )
        if status != 304 and not 200 <= status < 300:
            raise FetchError(f"HTTP {status} {r.reason_phrase}: {url}", url=url, status=status)
        body = b"" if status == 304 else self._body(url, r)
        media, _, params = r.headers.get("content-type", "").partition(";")
        charset = _CHARSET_PARAM.search(params)
        return Response(
            url=url,
            status=status,
            body=body,
            content_type=media.strip().lower(),
            charset=charset.group(1) if charset else None,
            etag=r.headers.get("etag"),
            last_modified=r.headers.get("last-modified"),
        )

    def _body(self, url: str, r: httpx.Response) -> bytes:
        limit = self.config.max_bytes
        too_big = f"too large: more than {limit:,} bytes: {url}"
        hint = "raise fetch.max_bytes if this source is really that big"
        declared = r.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit and "content-encoding" not in r.headers:
            raise FetchError(too_big, url=url, hint=hint)
        # No deadline here: the request's deadline bounds every read (_DeadlineStream).
        chunks: list[bytes] = []
        size = 0
        for chunk in r.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise FetchError(too_big, url=url, hint=hint)
            chunks.append(chunk)
        return b"".join(chunks)
