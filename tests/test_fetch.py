"""digest.fetch against a real HTTP server on loopback: limits, redirects, schemes, errors."""

from __future__ import annotations

import gzip
import ipaddress
import threading
import time

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from digest.config import Fetch
from digest.fetch import (
    MAX_REDIRECTS,
    Fetcher,
    FetchError,
    Gone,
    address_kind,
    private_address,
)


@pytest.fixture
def fetcher():
    with Fetcher(Fetch(timeout=0.5, max_bytes=100_000, user_agent="digest-test/1")) as f:
        yield f


def test_sends_user_agent_and_accepts_gzip(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    body = "<html><body><p>Grüße aus dem Test</p></body></html>".encode()

    def handler(request):
        assert request.headers["User-Agent"] == "digest-test/1"
        assert "gzip" in request.headers["Accept-Encoding"]
        return Response(
            gzip.compress(body),
            headers={"Content-Encoding": "gzip", "Content-Type": "text/html; charset=utf-8"},
        )

    httpserver.expect_request("/a").respond_with_handler(handler)
    response = fetcher.get(httpserver.url_for("/a"))
    assert response.body == body
    assert response.is_html and "Grüße" in response.text()


def test_follows_a_few_redirects_but_not_too_many(httpserver: HTTPServer) -> None:
    # fetch.timeout covers every hop of a request, so six hops get a roomy one on a busy machine.
    for i in range(MAX_REDIRECTS + 2):
        httpserver.expect_request(f"/r{i}").respond_with_data(
            "", status=302, headers={"Location": f"/r{i + 1}"}
        )
    httpserver.expect_request(f"/r{MAX_REDIRECTS + 2}").respond_with_data("end")
    with Fetcher(Fetch(timeout=10)) as fetcher:
        ok = fetcher.get(httpserver.url_for(f"/r{3}"))
        assert ok.body == b"end" and ok.url.endswith(f"/r{MAX_REDIRECTS + 2}")
        with pytest.raises(FetchError, match="too many redirects"):
            fetcher.get(httpserver.url_for("/r0"))


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/feed.xml"])
def test_refuses_other_schemes(fetcher: Fetcher, url: str) -> None:
    with pytest.raises(FetchError, match="is not http or https") as err:
        fetcher.get(url)
    assert url in str(err.value)


def test_refuses_a_redirect_to_another_scheme(httpserver: HTTPServer, fetcher) -> None:
    httpserver.expect_request("/sneaky").respond_with_data(
        "", status=301, headers={"Location": "file:///etc/passwd"}
    )
    with pytest.raises(FetchError, match="refused file:///etc/passwd"):
        fetcher.get(httpserver.url_for("/sneaky"))


def test_times_out(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    # The server answers only after the client gave up (or after 60 s, if it never does).
    gave_up = threading.Event()

    def slow(request):
        gave_up.wait(60)
        return Response("late")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    try:
        with pytest.raises(FetchError, match=r"timed out after 0.5s: http://.*/slow"):
            fetcher.get(httpserver.url_for("/slow"))
    finally:
        gave_up.set()


@pytest.mark.parametrize("how", ["declared", "streamed", "gzip bomb"])
def test_cuts_off_a_huge_body(httpserver: HTTPServer, fetcher: Fetcher, how: str) -> None:
    big = b"<p>" + b"x" * 500_000 + b"</p>"
    if how == "declared":
        httpserver.expect_request("/big").respond_with_data(big)
    elif how == "streamed":  # no Content-Length: only counting while reading catches it
        chunks = (big[i : i + 8192] for i in range(0, len(big), 8192))
        httpserver.expect_request("/big").respond_with_response(Response(chunks))
    else:  # 500 kB that compress to about 1 kB: the limit applies after decompression
        httpserver.expect_request("/big").respond_with_data(
            gzip.compress(big), headers={"Content-Encoding": "gzip"}
        )
    with pytest.raises(FetchError, match=r"too large: more than 100,000 bytes"):
        fetcher.get(httpserver.url_for("/big"))


@pytest.mark.parametrize(
    ("status", "message"),
    [(404, "not found (HTTP 404)"), (500, "server error (HTTP 500)"), (403, "HTTP 403")],
)
def test_http_errors_name_the_url(httpserver: HTTPServer, fetcher, status, message) -> None:
    httpserver.expect_request("/x").respond_with_data("no", status=status)
    with pytest.raises(FetchError) as err:
        fetcher.get(httpserver.url_for("/x"))
    assert message in str(err.value) and httpserver.url_for("/x") in str(err.value)
    assert err.value.status == status


def test_410_is_gone(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    httpserver.expect_request("/old").respond_with_data("", status=410)
    with pytest.raises(Gone):
        fetcher.get(httpserver.url_for("/old"))


def test_conditional_get(httpserver: HTTPServer, fetcher: Fetcher) -> None:
    def handler(request):
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response("<rss/>", headers={"ETag": '"v1"', "Last-Modified": "Mon, 23 Nov 2026"})

    httpserver.expect_request("/feed").respond_with_handler(handler)
    first = fetcher.get(httpserver.url_for("/feed"))
    assert first.etag == '"v1"' and not first.not_modified
    again = fetcher.get(httpserver.url_for("/feed"), etag=first.etag)
    assert again.not_modified and again.body == b""


def test_per_host_limit_holds_under_concurrency() -> None:
    in_flight, peak, lock = 0, 0, threading.Lock()

    def handler(request):
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.05)
        with lock:
            in_flight -= 1
        return Response("ok")

    server = HTTPServer(threaded=True)
    server.start()
    try:
        server.expect_request("/p").respond_with_handler(handler)
        with Fetcher(Fetch(per_host_concurrency=2)) as fetcher:
            threads = [
                threading.Thread(target=fetcher.get, args=(server.url_for("/p"),)) for _ in range(6)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    finally:
        server.clear()
        server.stop()
    assert peak == 2


# Links from content (a feed item's link) and redirects may not lead to non-public addresses,
# except on the trusted config URL's own host. The test server listens on loopback, which is
# exactly such an address: "localhost" is the trusted host below, and 127.0.0.1 is the same
# server under another name, so a refused request there would otherwise succeed.


def loopback_url(httpserver: HTTPServer, path: str) -> str:
    return f"http://127.0.0.1:{httpserver.port}{path}"


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.5", "private"),
        ("172.16.3.4", "private"),
        ("192.168.1.1", "private"),
        ("fd12:3456::1", "private"),  # IPv6 unique local (ULA)
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("100.100.100.200", "non-public"),  # shared address space; a metadata service lives here
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped IPv6
        ("::ffff:10.1.2.3", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        # IPv6 addresses that wrap an IPv4 one and reach it through a gateway (issue 11):
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("2002:c0a8:101::1", "private"),  # 6to4 of 192.168.1.1
        ("2002:a9fe:a9fe::", "link-local"),  # 6to4 of 169.254.169.254
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 (RFC 6052) of 127.0.0.1
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 of the metadata service
        ("64:ff9b:1::c0a8:101", "private"),  # local-use NAT64 (RFC 8215) of 192.168.1.1
        ("2002:808:808::1", None),  # 6to4 of a public address stays public
        ("64:ff9b::808:808", None),
        ("93.184.216.34", None),
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
        ("::ffff:93.184.216.34", None),
    ],
)
def test_address_kind(address: str, kind: str | None) -> None:
    assert address_kind(ipaddress.ip_address(address)) == kind


def test_teredo_addresses_are_not_public() -> None:
    # 2001::/32 tunnels to the IPv4 client in its last bits; ipaddress already counts it as
    # reserved for protocols (2001::/23), which is what keeps it out.
    assert address_kind(ipaddress.ip_address("2001:0:4136:e378:8000:63bf:3fff:fdd2")) is not None


@pytest.mark.parametrize(
    ("host", "found"),
    [
        ("localhost", ("loopback", "127.0.0.1")),
        (
            "127.1",
            ("loopback", "127.0.0.1"),
        ),  # short forms the OS accepts are read as it reads them
        ("2130706433", ("loopback", "127.0.0.1")),
        # str() of a mapped address varies by Python version (3.11: "::ffff:a00:1").
        ("::ffff:10.0.0.1", ("private", str(ipaddress.ip_address("::ffff:10.0.0.1")))),
        ("93.184.216.34", None),
    ],
)
def test_private_address_resolves_the_host(host: str, found) -> None:
    assert private_address(host) == found


def test_a_link_to_a_private_address_is_refused_before_connecting(httpserver: HTTPServer) -> None:
    feed = httpserver.url_for("/rss")
    # A long timeout: if the fetcher tried to connect to the unroutable address, this would hang
    # (the bound below is half the timeout, so a loaded machine cannot trip it).
    with Fetcher(Fetch(timeout=60)) as fetcher:
        started = time.monotonic()
        with pytest.raises(FetchError) as err:
            fetcher.get("http://10.255.255.1/admin", linked_from=feed)
    assert time.monotonic() - started < 30
    assert str(err.value).startswith(
        "refused link to http://10.255.255.1/admin: it points to a private address 10.255.255.1 ("
    )
    assert "fetch.allow_private_links: true" in str(err.value)


def test_a_link_to_the_trusted_host_is_fetched_and_to_another_private_host_is_not(
    httpserver: HTTPServer, fetcher: Fetcher
) -> None:
    httpserver.expect_request("/page").respond_with_data("<p>ok</p>", content_type="text/html")
    feed = httpserver.url_for("/rss")
    assert fetcher.get(httpserver.url_for("/page"), linked_from=feed).body == b"<p>ok</p>"
    with pytest.raises(FetchError, match=r"refused link to .* loopback address 127\.0\.0\.1"):
        fetcher.get(loopback_url(httpserver, "/page"), linked_from=feed)
    assert len(httpserver.log) == 1  # the refused one never reached the server


def test_a_redirect_to_another_private_host_is_refused(httpserver: HTTPServer, fetcher) -> None:
    # From a config URL (trusted) and from a link on the trusted host alike: a public feed must
    # not be able to redirect us into the LAN.
    secret = loopback_url(httpserver, "/secret")
    httpserver.expect_request("/hop").respond_with_data(
        "", status=302, headers={"Location": secret}
    )
    httpserver.expect_request("/secret").respond_with_data("internal")
    hop = httpserver.url_for("/hop")
    for linked_from in (None, httpserver.url_for("/rss")):
        with pytest.raises(FetchError) as err:
            fetcher.get(hop, linked_from=linked_from)
        assert str(err.value).startswith(
            f"refused redirect from {hop} to {secret}: it points to a loopback address 127.0.0.1"
        )
    assert [request.path for request, _ in httpserver.log] == ["/hop", "/hop"]


def test_allow_private_links_lets_links_and_redirects_through(httpserver: HTTPServer) -> None:
    secret = loopback_url(httpserver, "/secret")
    httpserver.expect_request("/hop").respond_with_data(
        "", status=302, headers={"Location": secret}
    )
    httpserver.expect_request("/secret").respond_with_data("internal")
    feed = httpserver.url_for("/rss")
    with Fetcher(Fetch(timeout=0.5, allow_private_links=True)) as fetcher:
        assert fetcher.get(secret, linked_from=feed).body == b"internal"
        assert fetcher.get(httpserver.url_for("/hop")).url == secret


def test_a_link_whose_host_does_not_resolve_names_it(httpserver: HTTPServer, fetcher) -> None:
    with pytest.raises(FetchError, match=r"cannot fetch http://nowhere\.invalid/x: cannot resolve"):
        fetcher.get("http://nowhere.invalid/x", linked_from=httpserver.url_for("/rss"))
