"""`digest summarize FILE|URL`: the file types it reads, and a URL through digest.fetch."""

from __future__ import annotations

import re

import pytest
from helpers import HARBOUR_ARTICLE, add_article
from webdata import WIRE_BODY, page, rss, story

from digest.cli import build_parser, main
from digest.sources.folder import CONTENT_TYPES

NO_CONFIG = ["-c", "none.yaml"]


def one_error_line(capsys) -> str:
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    [line] = captured.err.splitlines()
    return line


def test_a_feed_file_is_refused_with_the_types_it_reads(tmp_path, capsys):
    feed = tmp_path / "feed.xml"
    feed.write_bytes(rss([{"title": "T", "link": "https://a.example/1", "html": "<p>x</p>"}]))
    assert main(["summarize", str(feed), *NO_CONFIG]) == 1
    assert one_error_line(capsys) == (
        f"ERROR: {feed}: cannot summarize .xml files (give a .txt, .text, .md, .markdown,"
        " .html, .htm file or an http(s) URL of an article page; a feed goes in config.yaml"
        " as a `feed` source)"
    )


def test_help_names_every_file_type_it_reads(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["summarize", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert all(suffix in help_text for suffix in CONTENT_TYPES)
    assert "URL" in help_text


def test_a_url_is_fetched_and_summarised_like_a_page_source(httpserver, capsys):
    httpserver.expect_request("/library").respond_with_data(
        page("article_library.html"), content_type="text/html"
    )
    assert main(["summarize", httpserver.url_for("/library"), "-n", "2", *NO_CONFIG]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Town library to open on Sundays")
    assert out[1] == "" and len(out[2:]) == 2


def test_the_config_fetch_limits_apply_to_a_url(tmp_path, httpserver, capsys):
    from helpers import write_config

    config = write_config(tmp_path, fetch={"max_bytes": 1000})
    httpserver.expect_request("/big").respond_with_data(
        story(WIRE_BODY * 5), content_type="text/html"
    )
    url = httpserver.url_for("/big")
    assert main(["summarize", url, "-c", str(config)]) == 1
    assert one_error_line(capsys).startswith(f"ERROR: too large: more than 1,000 bytes: {url}")


@pytest.mark.parametrize(
    ("path", "status", "content_type", "reason"),
    [
        ("/missing", 404, "text/html", "not found (HTTP 404): {url}"),
        ("/feed.xml", 200, "application/rss+xml", "not an HTML page (application/rss+xml): {url}"),
    ],
)
def test_a_url_that_is_not_an_article_is_one_line_naming_it(
    httpserver, capsys, path, status, content_type, reason
):
    httpserver.expect_request(path).respond_with_data("x", status=status, content_type=content_type)
    url = httpserver.url_for(path)
    assert main(["summarize", url, *NO_CONFIG]) == 1
    line = one_error_line(capsys)
    assert line.startswith("ERROR: " + reason.format(url=url))
    assert re.search(r"https?:/[^/]", line) is None  # the URL as given, not a mangled path


def test_a_non_web_url_is_refused(capsys):
    assert main(["summarize", "ftp://example.org/story.txt", *NO_CONFIG]) == 1
    assert "scheme 'ftp' is not http or https" in one_error_line(capsys)


def test_a_file_still_works(tmp_path, capsys):
    path = add_article(tmp_path, "harbour.txt", HARBOUR_ARTICLE)
    assert main(["summarize", str(path), *NO_CONFIG]) == 0
    assert capsys.readouterr().out.startswith("City council approves harbour flood barrier\n\n")
