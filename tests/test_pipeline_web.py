"""run_once with web sources: a folder, feeds and a page, one feed broken, one story twice."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import HARBOUR_ARTICLE, NOW, add_article, write_config
from webdata import WIRE_BODY, page, rss, story

from digest.config import load_config
from digest.dedupe import merge_duplicates, signatures
from digest.models import Article
from digest.pipeline import run_once

FEED_XML = "application/rss+xml"


def wire_item(site: str, lede: str, signoff: str) -> dict:
    # The same wire story as two papers print it: own link, own first line, own sign-off.
    return {
        "title": "Winter sea ice at a forty-year low",
        "link": f"https://{site}/science/sea-ice-low",
        "guid": f"https://{site}/science/sea-ice-low",
        "date": "Fri, 20 Nov 2026 09:00:00 GMT",
        "html": story([lede, *WIRE_BODY, signoff]),
    }


def test_digest_with_folder_feeds_and_page_despite_a_broken_feed(
    tmp_path: Path, articles: Path, httpserver
) -> None:
    add_article(articles, "harbour.txt", HARBOUR_ARTICLE)
    a = wire_item("courier.example", "From our science desk.", "Reporting by the wire.")
    b = wire_item("post.example", "A story from the agency wire.", "(c) Wire service 2026.")
    httpserver.expect_request("/a.xml").respond_with_data(rss([a]), content_type=FEED_XML)
    httpserver.expect_request("/b.xml").respond_with_data(rss([b]), content_type=FEED_XML)
    httpserver.expect_request("/broken.xml").respond_with_data("oops", status=500)
    httpserver.expect_request("/library").respond_with_data(
        page("article_library.html"), content_type="text/html"
    )
    config = load_config(
        write_config(
            tmp_path,
            sources=[
                {"name": "Local", "type": "folder", "path": "articles"},
                {"name": "Courier", "type": "feed", "url": httpserver.url_for("/a.xml")},
                {"name": "Broken", "type": "feed", "url": httpserver.url_for("/broken.xml")},
                {"name": "Post", "type": "feed", "url": httpserver.url_for("/b.xml")},
                {"name": "Pages", "type": "page", "urls": [httpserver.url_for("/library")]},
            ],
            fetch={"timeout": 2},
        )
    )
    report = run_once(config, now=NOW)

    assert report.wrote_digest
    data = json.loads((config.output.dir / f"{report.digest_name}.json").read_text())
    items = {i["title"]: i for i in data["items"]}
    assert set(items) == {
        "City council approves harbour flood barrier",
        "Winter sea ice at a forty-year low",
        "Town library to open on Sundays from January",
    }
    wire = items["Winter sea ice at a forty-year low"]
    assert (wire["source"], wire["also_in"]) == ("Courier", ["Post"])
    text = (config.output.dir / f"{report.digest_name}.txt").read_text()
    assert "Also in: Post" in text
    assert "all items (Broken): server error (HTTP 500)" in text

    # Next run: nothing is new, the folded copy included; the broken feed is still reported.
    again = run_once(config, now=NOW)
    assert not again.wrote_digest
    assert [s.source for s in again.skipped] == ["Broken"]


def article(source: str, text: str) -> Article:
    return Article(uid=source, source=source, name=source, title="t", text=text)


def test_different_stories_stay_apart_and_copies_merge_in_order() -> None:
    wire = "\n\n".join(WIRE_BODY)
    edited = "\n\n".join(["Agency report.", *WIRE_BODY[:-1], "More to follow."])
    other = HARBOUR_ARTICLE
    articles = [article("A", other), article("B", wire), article("C", edited), article("D", wire)]
    stories = merge_duplicates(articles, signatures(articles))
    assert [a.source for a in stories.kept] == ["A", "B"]
    assert stories.also_in == {"B": ("C", "D")}
    assert [a.source for a in stories.folded] == ["C", "D"]


def test_script_links_from_a_feed_are_never_clickable(tmp_path: Path, httpserver) -> None:
    # A hostile feed points its items at scripts; the reader must get the story as plain text.
    links = ["javascript:alert(document.cookie)", "data:text/html,<script>x</script>", "vbscript:x"]
    items = [
        {
            **wire_item(f"site{n}.example", f"Lede {n}.", "Ends."),
            "title": f"Sea ice {n}",
            "link": link,
        }
        for n, link in enumerate(links)
    ]
    for n, item in enumerate(items):  # distinct stories, so none is folded into another
        item["html"] = story([f"Story {n} concerns station {n}.", *WIRE_BODY[n : n + 3]])
        del item["guid"]
    httpserver.expect_request("/evil.xml").respond_with_data(rss(items), content_type=FEED_XML)
    config = load_config(
        write_config(
            tmp_path,
            sources=[{"name": "Evil", "type": "feed", "url": httpserver.url_for("/evil.xml")}],
        )
    )
    report = run_once(config, now=NOW)

    assert report.articles == 3
    html = (config.output.dir / f"{report.digest_name}.html").read_text().lower()
    assert "sea ice 0" in html and "sea ice 2" in html
    for scheme in ("javascript:", "data:", "vbscript:"):
        assert scheme not in html
