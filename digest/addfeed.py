"""`digest add URL`: subscribe to a feed given its URL or a page of the site that offers it.

A URL that answers with an RSS or Atom feed is added as it is. An HTML page is searched for
feed autodiscovery links, `<link rel="alternate" type="application/rss+xml" href="...">` (or
atom+xml), as browsers and feed readers do; the first one that really is a feed is added (a
blog's second link is usually its comments feed). Everything is fetched through digest.fetch,
with the config's limits; the feed links a page offers count as the page's content, so they may
not lead to a private address on another host.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

from digest.config import _check_url, load_config
from digest.config_edit import add_sources, feed_keys, host_name, unique_name, url_key
from digest.errors import DigestError, SourceError
from digest.fetch import FEED_ACCEPT, Fetcher, Response

logger = logging.getLogger(__name__)

FEED_TYPES = ("application/rss+xml", "application/atom+xml")
# A page or a feed may answer: feeds first, then web pages.
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9,"
    " text/html;q=0.8, application/xhtml+xml;q=0.8, */*;q=0.5"
)
MAX_CANDIDATES = 5  # feed links tried per page: the main feed is among the first
_TAG = re.compile(r"<[^<>]+>")  # [^<>]: a stray "<" ends the try at once (linear)


@dataclass(frozen=True)
class Feed:
    url: str
    title: str | None


def add_feed(config_path: Path, url: str, *, name: str | None = None) -> dict[str, str]:
    """Find the feed at `url`, add it to config.yaml's sources and return the new entry."""
    config = load_config(config_path)
    try:
        _check_url(url)
    except ValueError as exc:
        raise DigestError(str(exc), hint="give the feed's or the site's web address") from None
    present = feed_keys(config)
    if url_key(url) in present:
        raise DigestError(f"{url} is already in {config_path} as {present[url_key(url)]!r}")
    with Fetcher(config.fetch) as fetcher:
        feed = find_feed(url, fetch=fetcher)
    if url_key(feed.url) in present:
        raise DigestError(
            f"{url} offers {feed.url}, already in {config_path} as {present[url_key(feed.url)]!r}"
        )
    taken = {s.name for s in config.sources}
    if name is not None and name.strip() in taken:
        raise DigestError(f"a source is already named {name.strip()!r}", hint="pick another --name")
    entry = {
        "name": unique_name(name or feed.title or host_name(feed.url), taken),
        "type": "feed",
        "url": feed.url,
    }
    add_sources(config_path, [entry])
    return entry


def find_feed(url: str, *, fetch: Fetcher) -> Feed:
    """The feed at `url`, or the first feed its HTML page links to. Raises SourceError."""
    response = fetch.get(url, accept=ACCEPT)
    feed = as_feed(response, url=url)
    if feed:
        return feed
    if not _looks_like_html(response):
        raise SourceError(
            f"{url} is neither an RSS/Atom feed nor a web page"
            f" (content type {response.content_type or 'not given'})",
            hint="give the feed's URL or the site's home page",
        )
    links = feed_links(response)
    if not links:
        raise SourceError(
            f"no feed found at {url}: the page links to no RSS or Atom feed"
            ' (no <link rel="alternate" type="application/rss+xml">)',
            hint="find the feed's address on the site and run `digest add FEED_URL`",
        )
    problems = []
    for link in links[:MAX_CANDIDATES]:
        try:
            candidate = fetch.get(link, accept=FEED_ACCEPT, linked_from=url)
        except SourceError as exc:
            problems.append(str(exc))
            continue
        feed = as_feed(candidate, url=link)
        if feed:
            others = [x for x in links if x != link]
            if others:
                logger.info("The page also offers: %s", ", ".join(others))
            return feed
        problems.append(f"{link} is not an RSS/Atom feed")
    raise SourceError(f"no working feed linked from {url}: {'; '.join(problems)}")


def as_feed(response: Response, *, url: str) -> Feed | None:
    """The feed in `response` (with its title), or None when it is not RSS or Atom."""
    import feedparser

    # Bytes, never a URL: given a string, feedparser would fetch or open it itself.
    parsed = feedparser.parse(
        response.body,
        response_headers={
            "content-type": response.content_type or "application/xml",
            "content-location": response.url,
        },
    )
    # Recognised as a feed format; a broken one still counts if items came out of it (feed.py
    # reads it the same way).
    if not parsed.get("version") or (parsed.bozo and not parsed.entries):
        return None
    title = html.unescape(_TAG.sub("", parsed.feed.get("title", ""))).strip()
    return Feed(url=url, title=" ".join(title.split()) or None)


def feed_links(response: Response) -> list[str]:
    """Absolute URLs of the RSS/Atom feeds an HTML page announces, in page order."""
    from lxml import etree
    from lxml import html as lxml_html

    try:
        # Bytes: lxml reads the page's own <meta charset>.
        doc = lxml_html.document_fromstring(response.body)
    except (etree.ParserError, ValueError):
        return []  # an empty or unparsable page announces nothing
    base = response.url
    for href in doc.xpath("//base/@href")[:1]:
        base = urljoin(base, href.strip())
    found: list[str] = []
    for link in doc.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").partition(";")[0].strip().lower()
        href = (link.get("href") or "").strip()
        if "alternate" in rel and kind in FEED_TYPES and href:
            absolute = urljoin(base, href)
            if absolute.startswith(("http://", "https://")) and absolute not in found:
                found.append(absolute)
    return found


def _looks_like_html(response: Response) -> bool:
    if response.is_html:
        return True
    # Servers that send no content type, or text/plain, for their home page.
    return b"<html" in response.body[:2048].lower()
