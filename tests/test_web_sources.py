"""Feed and page sources against a real HTTP server on loopback."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import remote_state
from webdata import WIRE_BODY, atom, page, rss, story
from werkzeug import Response

from digest.config import FeedSource, Fetch, PageSource
from digest.errors import SourceError
from digest.extract import extract
from digest.fetch import Fetcher
from digest.models import Skipped, SourceItem
from digest.sources import collect, feed
from digest.sources import page as page_source
from digest.sources.remote import RemoteState

FEED_XML = "application/rss+xml"


@pytest.fixture
def fetcher():
    with Fetcher(Fetch(timeout=0.5, max_bytes=200_000)) as f:
        yield f


@pytest.fixture
def remote(tmp_path: Path) -> Iterator[RemoteState]:
    with remote_state(tmp_path / "state.db") as remote:
        yield remote


def read_feed(url: str, fetcher, remote, *, name="Wire", max_items=20) -> list:
    source = FeedSource(type="feed", name=name, url=url, max_items=max_items)
    return list(feed.read(source, fetch=fetcher, remote=remote))


def full_item(n: int, **extra) -> dict:
    return {
        "title": f"Story {n}",
        "link": f"https://news.example.org/story-{n}?utm_source=rss&utm_medium=feed#top",
        "guid": f"https://news.example.org/story-{n}",
        "date": f"Mon, {n:02d} Nov 2026 08:00:00 GMT",
        "html": story(WIRE_BODY) + f"<p>Item number {n}.</p>",
        **extra,
    }


def test_rss_items_newest_first_with_normalised_links(httpserver, fetcher, remote) -> None:
    httpserver.expect_request("/rss").respond_with_data(
        rss([full_item(n) for n in (3, 9, 5)]), content_type=FEED_XML
    )
    items = read_feed(httpserver.url_for("/rss"), fetcher, remote, max_items=2)
    assert [i.title for i in items] == ["Story 9", "Story 5"]
    first = items[0]
    assert first.uid == first.url == "https://news.example.org/story-9"
    assert first.published.isoformat() == "2026-11-09T08:00:00+00:00"
    article = extract(first)
    assert article.text.startswith("Scientists at a coastal research station")
    assert article.published.date().isoformat() == "2026-11-09"  # the feed's date, not a guess


def test_atom_feed(httpserver, fetcher, remote) -> None:
    entry = {**full_item(1), "guid": "tag:news.example.org,2026:1", "date": "2026-11-21T10:00:00Z"}
    httpserver.expect_request("/atom").respond_with_data(
        atom([entry]), content_type="application/atom+xml"
    )
    [item] = read_feed(httpserver.url_for("/atom"), fetcher, remote)
    # A guid that is not a URL is only unique per publisher: the feed's host is part of it.
    assert item.uid == "guid:localhost:tag:news.example.org,2026:1"
    assert item.title == "Story 1" and item.published.day == 21


def test_teaser_is_replaced_by_the_linked_page(httpserver, fetcher, remote) -> None:
    httpserver.expect_request("/bridge").respond_with_data(
        page("article_bridge.html"), content_type="text/html"
    )
    teaser = {
        "title": "River bridge reopens",
        "link": httpserver.url_for("/bridge"),
        "date": "Mon, 23 Nov 2026 08:30:00 GMT",
        "html": "<p>The old stone bridge reopened on Monday after a two-year repair. Read more</p>",
    }
    httpserver.expect_request("/rss").respond_with_data(rss([teaser]), content_type=FEED_XML)
    [item] = read_feed(httpserver.url_for("/rss"), fetcher, remote)
    article = extract(item)
    assert "steel ties hidden inside the masonry" in article.text
    # The headline (the page's <h1>, inside <article>) is not repeated as the first paragraph,
    # nor is the byline line, which does not end like a sentence (extract._prose).
    assert article.text.startswith("The old stone bridge over the river reopened")
    assert article.author == "Priya Nandakumar"


def test_teaser_falls_back_to_the_feed_text_when_the_page_fails(
    httpserver, fetcher, remote, caplog
) -> None:
    httpserver.expect_request("/gone-page").respond_with_data("nope", status=404)
    teaser = {
        "title": "Library hours",
        "link": httpserver.url_for("/gone-page"),
        "html": "<p>The central library will open on Sunday afternoons from January …</p>",
    }
    httpserver.expect_request("/rss").respond_with_data(rss([teaser]), content_type=FEED_XML)
    with caplog.at_level(logging.WARNING):
        [item] = read_feed(httpserver.url_for("/rss"), fetcher, remote)
    assert "Sunday afternoons" in extract(item).text
    assert "using the feed's summary" in caplog.text and "HTTP 404" in caplog.text


# A teaser's link is the feed's content, not the operator's, so it may not lead to a private
# address on any host but the feed's own. The feed is served as "localhost"; the same server is
# also reachable as 127.0.0.1, another host name at a loopback address, where a link that got
# through would really be answered: each refusal below can only come from the check.
BRIDGE_TEASER = "<p>The old stone bridge reopened on Monday after a two-year repair. Read more</p>"


def serve_teaser_feed(httpserver, link: str) -> str:
    httpserver.expect_request("/bridge").respond_with_data(
        page("article_bridge.html"), content_type="text/html"
    )
    teaser = {"title": "River bridge reopens", "link": link, "html": BRIDGE_TEASER}
    httpserver.expect_request("/rss").respond_with_data(rss([teaser]), content_type=FEED_XML)
    return httpserver.url_for("/rss")


@pytest.mark.parametrize(
    ("link", "address"),
    [
        ("http://127.0.0.1:{port}/bridge", "a loopback address 127.0.0.1"),
        ("http://[::1]:{port}/bridge", "a loopback address ::1"),
        ("http://10.255.255.1/bridge", "a private address 10.255.255.1"),
        ("http://169.254.169.254/latest/meta-data/", "a link-local address 169.254.169.254"),
    ],
)
def test_teaser_linking_to_another_private_host_keeps_the_feed_text(
    httpserver, remote, caplog, link: str, address: str
) -> None:
    link = link.format(port=httpserver.port)
    feed_url = serve_teaser_feed(httpserver, link)
    # A long timeout: a connection attempt to 10.255.255.1 would hang instead of failing fast
    # (the bound below is half the timeout, so a loaded machine cannot trip it).
    with Fetcher(Fetch(timeout=60)) as fetcher, caplog.at_level(logging.WARNING):
        started = time.monotonic()
        [item] = read_feed(feed_url, fetcher, remote)
    assert time.monotonic() - started < 30
    assert "two-year repair" in item.body and "steel ties" not in item.body
    assert f"using the feed's summary of {link}" in caplog.text
    assert f"refused link to {link}: it points to {address}" in caplog.text
    assert "set fetch.allow_private_links: true" in caplog.text
    assert [request.path for request, _ in httpserver.log] == ["/rss"]


def test_teaser_link_redirecting_to_another_private_host_keeps_the_feed_text(
    httpserver, fetcher, remote, caplog
) -> None:
    inside = f"http://127.0.0.1:{httpserver.port}/bridge"
    httpserver.expect_request("/hop").respond_with_data(
        "", status=302, headers={"Location": inside}
    )
    feed_url = serve_teaser_feed(httpserver, httpserver.url_for("/hop"))
    with caplog.at_level(logging.WARNING):
        [item] = read_feed(feed_url, fetcher, remote)
    assert "two-year repair" in item.body and "steel ties" not in item.body
    assert f"refused redirect from {httpserver.url_for('/hop')} to {inside}" in caplog.text
    assert [request.path for request, _ in httpserver.log] == ["/rss", "/hop"]


def test_allow_private_links_fetches_the_linked_page(httpserver, remote) -> None:
    link = f"http://127.0.0.1:{httpserver.port}/bridge"
    feed_url = serve_teaser_feed(httpserver, link)
    with Fetcher(Fetch(timeout=0.5, allow_private_links=True)) as fetcher:
        [item] = read_feed(feed_url, fetcher, remote)
    assert "steel ties hidden inside the masonry" in extract(item).text


@pytest.mark.parametrize(
    ("text", "teaser"),
    [
        ("Short summary of the story.", True),
        (" ".join(["word"] * 400) + " [...]", True),
        (" ".join(["word"] * 400) + ". Continue reading Story title", True),
        (" ".join(["word"] * 400) + ".", False),
    ],
)
def test_teaser_rule(text: str, teaser: bool) -> None:
    assert feed.is_teaser(text) is teaser


@pytest.mark.parametrize(
    "body",
    ["<rss><channel><item><title>cut off in the middle", "<html><p>Maintenance</p></html>"],
)
def test_malformed_feed_fails_the_source(httpserver, fetcher, remote, body: str) -> None:
    httpserver.expect_request("/bad").respond_with_data(body, content_type=FEED_XML)
    with pytest.raises(SourceError, match="not a valid RSS/Atom feed") as err:
        read_feed(httpserver.url_for("/bad"), fetcher, remote)
    assert httpserver.url_for("/bad") in str(err.value)


def test_huge_and_slow_feeds_fail_the_source(httpserver, fetcher, remote) -> None:
    httpserver.expect_request("/huge").respond_with_data(b"<rss>" + b" " * 300_000)
    with pytest.raises(SourceError, match="too large"):
        read_feed(httpserver.url_for("/huge"), fetcher, remote)

    gave_up = threading.Event()  # the feed answers only after the client gave up

    def slow(request):
        gave_up.wait(60)
        return Response(rss([full_item(1)]), content_type=FEED_XML)

    httpserver.expect_request("/slow").respond_with_handler(slow)
    try:
        with pytest.raises(SourceError, match="timed out after 0.5s"):
            read_feed(httpserver.url_for("/slow"), fetcher, remote)
    finally:
        gave_up.set()


def test_second_run_sends_validators_and_takes_a_304(httpserver, fetcher, remote) -> None:
    def handler(request):
        if (
            request.headers.get("If-None-Match") == '"abc"'
            and request.headers.get("If-Modified-Since") == "Mon, 23 Nov 2026 08:00:00 GMT"
        ):
            return Response(status=304)
        return Response(
            rss([full_item(1)]),
            content_type=FEED_XML,
            headers={"ETag": '"abc"', "Last-Modified": "Mon, 23 Nov 2026 08:00:00 GMT"},
        )

    httpserver.expect_request("/rss").respond_with_handler(handler)
    url = httpserver.url_for("/rss")
    assert len(read_feed(url, fetcher, remote)) == 1
    # Validators are kept only once the run has stored the items (see RemoteState.commit).
    assert remote.validators("Wire", url) == (None, None)
    remote.commit()
    assert read_feed(url, fetcher, remote) == []
    sent = [r.headers.get("If-None-Match") for r, _ in httpserver.log if r.path == "/rss"]
    assert sent == [None, '"abc"']


def test_410_deactivates_the_feed_until_its_url_changes(httpserver, fetcher, remote) -> None:
    httpserver.expect_request("/old").respond_with_data("", status=410)
    httpserver.expect_request("/new").respond_with_data(rss([full_item(2)]), content_type=FEED_XML)
    old = httpserver.url_for("/old")
    with pytest.raises(SourceError, match="deactivated until its URL changes"):
        read_feed(old, fetcher, remote)
    with pytest.raises(SourceError, match="deactivated: .* answered 410 Gone on"):
        read_feed(old, fetcher, remote)
    # The second run did not ask again. (Filtered by path: a request a slow test abandoned can
    # still be logged by the shared server after that test ended.)
    assert [r.path for r, _ in httpserver.log if r.path == "/old"] == ["/old"]
    assert len(read_feed(httpserver.url_for("/new"), fetcher, remote)) == 1


def test_same_story_through_two_feeds_is_one_item(httpserver, fetcher, remote) -> None:
    a = full_item(4, guid="")
    b = {**full_item(4, guid=""), "link": "https://news.example.org/story-4?fbclid=XYZ&gclid=1"}
    httpserver.expect_request("/a").respond_with_data(rss([a]), content_type=FEED_XML)
    httpserver.expect_request("/b").respond_with_data(rss([b]), content_type=FEED_XML)
    sources = [
        FeedSource(type="feed", name="A", url=httpserver.url_for("/a")),
        FeedSource(type="feed", name="B", url=httpserver.url_for("/b")),
    ]
    got = collect(sources, seen=lambda uids: set(), fetch=fetcher, remote=remote)
    assert [i.source for i in got.items] == ["A"] and not got.failed_sources


def page_items(urls: list[str], fetcher, remote) -> list[SourceItem | Skipped]:
    source = PageSource(type="page", name="Pages", urls=tuple(urls))
    return list(page_source.read(source, fetch=fetcher, remote=remote))


def test_page_source_reads_an_article(httpserver, fetcher, remote) -> None:
    httpserver.expect_request("/library").respond_with_data(
        page("article_library.html"), content_type="text/html; charset=utf-8"
    )
    [item] = page_items([httpserver.url_for("/library")], fetcher, remote)
    article = extract(item)
    assert article.title == "Town library to open on Sundays from January"
    assert article.author == "Daniel Osei"
    assert article.published.date().isoformat() == "2026-11-22"
    assert article.text.startswith("The central library will open")


def test_page_source_asks_once_what_it_has_and_fetches_only_the_rest(
    httpserver, fetcher, remote
) -> None:
    for path in ("/had", "/library"):
        httpserver.expect_request(path).respond_with_data(
            page("article_library.html"), content_type="text/html"
        )
    urls = [httpserver.url_for("/had"), httpserver.url_for("/library")]
    asked = []

    def seen(uids) -> set[str]:
        fetched = [r.path for r, _ in httpserver.log if r.path in ("/had", "/library")]
        asked.append((list(uids), fetched))
        return {page_source.normalize_link(urls[0])}

    source = PageSource(type="page", name="Pages", urls=tuple(urls))
    [item] = page_source.read(source, fetch=fetcher, remote=remote, seen=seen)
    assert item.url == page_source.normalize_link(urls[1])
    # One question for the whole list, asked before any page was fetched; the page the state
    # has is never fetched.
    assert asked == [([page_source.normalize_link(u) for u in urls], [])]
    assert [r.path for r, _ in httpserver.log if r.path in ("/had", "/library")] == ["/library"]


def test_listing_page_is_refused_with_a_reason(httpserver, fetcher, remote) -> None:
    httpserver.expect_request("/news").respond_with_data(
        page("listing.html"), content_type="text/html"
    )
    [skipped] = page_items([httpserver.url_for("/news")], fetcher, remote)
    assert isinstance(skipped, Skipped)
    assert "looks like an index page, not an article" in skipped.reason
    assert "teasers next to linked headlines" in skipped.reason


def test_non_html_and_gone_pages_are_skipped_per_item(httpserver, fetcher, remote) -> None:
    httpserver.expect_request("/report.pdf").respond_with_data(
        b"%PDF-1.7", content_type="application/pdf"
    )
    httpserver.expect_request("/removed").respond_with_data("", status=410)
    httpserver.expect_request("/bridge").respond_with_data(
        page("article_bridge.html"), content_type="text/html"
    )
    urls = [httpserver.url_for(p) for p in ("/report.pdf", "/removed", "/bridge")]
    pdf, gone, ok = page_items(urls, fetcher, remote)
    assert "not an HTML page (application/pdf)" in pdf.reason
    assert "gone (HTTP 410)" in gone.reason and remote.gone_since("Pages", urls[1])
    assert isinstance(ok, SourceItem)
