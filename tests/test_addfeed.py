"""`digest add URL` against a real HTTP server: a feed, or a site page that announces its feed."""

from __future__ import annotations

import pytest
from helpers import write_config
from webdata import rss

from digest.cli import main
from digest.config import load_config

FEED_XML = "application/rss+xml"
ATOM = (
    '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
    "<title>Harbour &amp; Town Gazette</title><id>urn:x</id><updated>2026-11-24T07:00:00Z</updated>"
    "</feed>"
)
ITEM = {"title": "One", "link": "https://example.org/1", "html": "<p>Text.</p>"}


def home_page(*links: tuple[str, str], base: str = "") -> str:
    heads = "".join(
        f'<link rel="{rel}" type="{kind}" href="{href}" title="x">' for rel, kind, href in links
    )
    base = f'<base href="{base}">' if base else ""
    return (
        f"<!doctype html><html><head><title>Site</title>{base}"
        f'<link rel="stylesheet" href="/s.css">{heads}</head><body><p>Hi</p></body></html>'
    )


def sources(path):
    return [(s.name, s.type, getattr(s, "url", None)) for s in load_config(path).sources]


def test_a_feed_url_is_added_under_its_title(tmp_path, httpserver, capsys):
    httpserver.expect_request("/rss").respond_with_data(
        rss([ITEM], title="City  News\n"), content_type=FEED_XML
    )
    path = write_config(tmp_path)
    url = httpserver.url_for("/rss")

    assert main(["add", url, "--config", str(path)]) == 0

    assert sources(path)[1:] == [("City News", "feed", url)]
    assert capsys.readouterr().err == f"Added 'City News' (feed) to {path}: {url}\n"
    assert main(["check-config", "--config", str(path)]) == 0


def test_a_home_page_is_searched_for_its_feed(tmp_path, httpserver, capsys):
    # A relative href against <base>; the comments feed comes second and is only mentioned.
    httpserver.expect_request("/").respond_with_data(
        home_page(
            ("alternate", "application/atom+xml", "feeds/main.atom"),
            ("Alternate", "application/rss+xml; charset=utf-8", "/comments.rss"),
            ("alternate", "text/html", "/fr/"),
            base=httpserver.url_for("/blog/"),
        ),
        content_type="text/html",
    )
    httpserver.expect_request("/blog/feeds/main.atom").respond_with_data(
        ATOM, content_type="application/atom+xml"
    )
    path = write_config(tmp_path)

    assert main(["add", httpserver.url_for("/"), "-c", str(path)]) == 0

    feed = httpserver.url_for("/blog/feeds/main.atom")
    assert sources(path)[1:] == [("Harbour & Town Gazette", "feed", feed)]
    assert (
        f"The page also offers: {httpserver.url_for('/comments.rss')}\n" in capsys.readouterr().err
    )
    # The comments feed was never fetched: the first working feed wins.
    assert [r.path for r, _ in httpserver.log] == ["/", "/blog/feeds/main.atom"]


def test_a_broken_first_link_falls_through_to_the_next(tmp_path, httpserver):
    httpserver.expect_request("/").respond_with_data(
        home_page(
            ("alternate", FEED_XML, "/old.rss"),
            ("alternate", FEED_XML, "/page.rss"),
            ("alternate", FEED_XML, "/new.rss"),
        ),
        content_type="text/html",
    )
    httpserver.expect_request("/old.rss").respond_with_data("gone", status=404)
    httpserver.expect_request("/page.rss").respond_with_data(home_page(), content_type="text/html")
    httpserver.expect_request("/new.rss").respond_with_data(rss([ITEM]), content_type=FEED_XML)
    path = write_config(tmp_path)
    assert main(["add", httpserver.url_for("/"), "-c", str(path)]) == 0
    assert sources(path)[1:] == [("Test feed", "feed", httpserver.url_for("/new.rss"))]


def test_names_stay_unique_and_a_feed_is_not_added_twice(tmp_path, httpserver, capsys):
    httpserver.expect_request("/rss").respond_with_data(
        rss([ITEM], title="Local"), content_type=FEED_XML
    )
    httpserver.expect_request("/").respond_with_data(
        home_page(("alternate", FEED_XML, "/rss")), content_type="text/html"
    )
    path = write_config(tmp_path)  # its folder source is named "Local"
    url = httpserver.url_for("/rss")
    assert main(["add", url, "-c", str(path)]) == 0
    assert sources(path)[1] == ("Local (2)", "feed", url)
    before = path.read_bytes()
    capsys.readouterr()

    assert main(["add", url + "/", "-c", str(path)]) == 1
    assert capsys.readouterr().err == f"ERROR: {url}/ is already in {path} as 'Local (2)'\n"
    home = httpserver.url_for("/")
    assert main(["add", home, "-c", str(path)]) == 1
    assert capsys.readouterr().err == (
        f"ERROR: {home} offers {url}, already in {path} as 'Local (2)'\n"
    )
    assert path.read_bytes() == before


def test_name_can_be_given(tmp_path, httpserver):
    httpserver.expect_request("/rss").respond_with_data(rss([ITEM]), content_type=FEED_XML)
    path = write_config(tmp_path)
    assert main(["add", httpserver.url_for("/rss"), "--name", "Wire", "-c", str(path)]) == 0
    assert sources(path)[1][0] == "Wire"


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (
            home_page(("stylesheet", "text/css", "/s.css")),
            "text/html",
            "no feed found at {url}: the page links to no RSS or Atom feed"
            ' (no <link rel="alternate" type="application/rss+xml">)'
            " (find the feed's address on the site and run `digest add FEED_URL`)",
        ),
        (
            '{"items": []}',
            "application/json",
            "{url} is neither an RSS/Atom feed nor a web page (content type application/json)"
            " (give the feed's URL or the site's home page)",
        ),
    ],
)
def test_nothing_to_add_is_one_line_and_changes_nothing(
    tmp_path, httpserver, capsys, body, content_type, expected
):
    httpserver.expect_request("/x").respond_with_data(body, content_type=content_type)
    path = write_config(tmp_path)
    before = path.read_bytes()
    url = httpserver.url_for("/x")
    assert main(["add", url, "-c", str(path)]) == 1
    assert capsys.readouterr().err == "ERROR: " + expected.format(url=url) + "\n"
    assert path.read_bytes() == before


def test_fetch_limits_apply(tmp_path, httpserver, capsys):
    httpserver.expect_request("/big").respond_with_data("x" * 5000, content_type="text/html")
    path = write_config(tmp_path, fetch={"max_bytes": 1000})
    url = httpserver.url_for("/big")
    assert main(["add", url, "-c", str(path)]) == 1
    assert "too large: more than 1,000 bytes" in capsys.readouterr().err


def test_a_feed_link_to_a_private_address_on_another_host_is_refused(tmp_path, httpserver, capsys):
    # The page's links are its content: like a feed's item links, they may not reach into the
    # network on another host (here 127.0.0.2, while the page is on 127.0.0.1).
    httpserver.expect_request("/").respond_with_data(
        home_page(("alternate", FEED_XML, f"http://127.0.0.2:{httpserver.port}/rss")),
        content_type="text/html",
    )
    path = write_config(tmp_path)
    assert main(["add", httpserver.url_for("/"), "-c", str(path)]) == 1
    err = capsys.readouterr().err
    assert "no working feed linked from" in err and "a loopback address 127.0.0.2" in err
