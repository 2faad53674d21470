"""RSS and Atom feeds: fetched with a conditional GET, parsed by feedparser from our own bytes.

Identity of an item: its guid, else its link, else a hash of its content. A guid or link that is
a URL is normalised (digest.sources.page.normalize_link), so the same story through two feeds,
or through a feed and a page source, is one item. A guid that is not a URL is only unique
within its publisher, so the feed's host is part of the identity.

A teaser (see is_teaser) is replaced by the text of the page it links to; when that page
cannot be used (or the link is refused because it points into a private network on another
host), the feed's own text is kept and the reason is logged.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from urllib.parse import urlsplit

from digest.errors import SourceError
from digest.fetch import FEED_ACCEPT, BudgetSpent, Fetcher, FetchError, Gone
from digest.links import web_link
from digest.models import Skipped, SourceItem
from digest.sources import Seen
from digest.sources.page import fetch_article, normalize_link
from digest.sources.remote import RemoteState

logger = logging.getLogger(__name__)

# Fewer words than a short news story: feed summaries are one to three sentences (20-60 words),
# while the shortest full stories run to a few hundred words.
TEASER_WORDS = 150
# How publishers end a cut-off summary: an ellipsis, "[...]", "Read more", "Continue reading".
_TEASER_END = re.compile(
    r"(…|\.\.\.|\[\s*(?:…|\.\.\.)\s*\]|\b(?:read|see|learn) more|continue reading[^.]*|"
    r"\(more…?\))\W*$",
    re.IGNORECASE,
)
# A tag ends before the next "<": `<[^>]+>` rescanned to the end from every "<" (issue 11).
_TAG = re.compile(r"<[^<>]+>")
_BLANK_LINE = re.compile(r"\n\s*\n")


def read(
    source,
    *,
    fetch: Fetcher,
    remote: RemoteState,
    seen: Seen = lambda uids: set(),
    **_context,
) -> Iterator[SourceItem | Skipped]:
    import feedparser

    url = source.url
    since = remote.gone_since(source.name, url)
    if since:
        raise SourceError(
            f"deactivated: {url} answered 410 Gone on {since[:10]}",
            hint="the publisher removed the feed; put its new URL in config.yaml or remove it",
        )
    etag, modified = remote.validators(source.name, url)
    try:
        response = fetch.get(url, accept=FEED_ACCEPT, etag=etag, last_modified=modified)
    except Gone as exc:
        remote.record(source.name, url, str(exc), gone=True)
        raise SourceError(f"{exc}; deactivated until its URL changes in config.yaml") from None
    except FetchError as exc:
        remote.record(source.name, url, str(exc))
        raise
    if response.not_modified:
        remote.record(source.name, url, "not modified")
        logger.info("%s: not modified since the last run", source.name)
        return
    # Bytes, never a URL or path: given a string, feedparser would fetch or open it itself.
    parsed = feedparser.parse(
        response.body,
        response_headers={
            "content-type": response.content_type or "application/xml",
            "content-location": response.url,
        },
    )
    items = []
    for entry in newest(parsed.entries, source.max_items):
        content, is_html = _content(entry)
        item = entry_item(entry, content, is_html, source=source)
        if item is not None:
            items.append((item, content, is_html))
    # feedparser recovers what it can from broken XML; broken with nothing usable is a failure,
    # and so is a document it does not recognise as any feed format (version "": a web page).
    if not items and (parsed.bozo or not parsed.get("version")):
        problem = parsed.get("bozo_exception", "no RSS or Atom elements")
        reason = f"not a valid RSS/Atom feed ({problem}): {url}"
        remote.record(source.name, url, reason)
        raise SourceError(reason, hint="check that the URL is the feed itself, not a web page")
    remote.record(source.name, url, "ok")
    remote.stage(source.name, url, response.etag, response.last_modified)

    known = seen(item.uid for item, _, _ in items)  # one query for the whole feed
    for item, content, is_html in items:
        if item.uid in known:
            continue  # seen before: skipped here so its page is not fetched again
        text = html.unescape(_TAG.sub(" ", content)) if is_html else content
        yield _full_text(item, fetch, feed_url=url) if item.url and is_teaser(text) else item


def newest(entries: list, count: int) -> list:
    """The `count` newest entries; undated ones keep their feed order, after dated ones."""
    oldest = datetime.min.replace(tzinfo=timezone.utc)
    return sorted(entries, key=lambda e: _date(e) or oldest, reverse=True)[:count]


def entry_item(entry, content: str, is_html: bool, *, source) -> SourceItem | None:
    # Only a web link is kept: it is fetched for a teaser's full text and shown to readers.
    link = normalize_link(entry["link"]) if web_link(entry.get("link")) else None
    title = html.unescape(_TAG.sub("", entry.get("title", ""))).strip() or None
    if not content.strip() and not link:
        return None
    uid = item_uid(entry.get("id"), link, content, feed_url=source.url)
    published = _date(entry)
    return SourceItem(
        source=source.name,
        uid=uid,
        name=link or title or uid,
        body=as_html(content, is_html, title=title, published=published),
        content_type="text/html",
        url=link,
        title=title,
        published=published,
    )


def item_uid(guid: str | None, link: str | None, content: str, *, feed_url: str) -> str:
    guid = (guid or "").strip()
    if guid.lower().startswith(("http://", "https://")):
        return normalize_link(guid)
    if guid:
        return f"guid:{urlsplit(feed_url).hostname}:{guid}"
    if link:
        return link
    return "sha256:" + hashlib.sha256(content.encode("utf-8")).hexdigest()


def is_teaser(text: str) -> bool:
    """A feed text that is only the start of the story: short, or cut off by the publisher."""
    return len(text.split()) < TEASER_WORDS or bool(_TEASER_END.search(text.strip()))


def as_html(content: str, is_html: bool, *, title: str | None, published: datetime | None) -> str:
    """Feed content as a small HTML page, so it is extracted like any other page. The date goes
    in as article metadata so the extractor keeps the feed's date instead of guessing one."""
    if not is_html:
        paragraphs = [p.strip() for p in _BLANK_LINE.split(content) if p.strip()]
        content = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    date = (
        f'<meta property="article:published_time" content="{published.isoformat()}">'
        if published
        else ""
    )
    return (
        f"<html><head><title>{html.escape(title or '')}</title>{date}</head>"
        f"<body><article>{content}</article></body></html>"
    )


def _full_text(item: SourceItem, fetch: Fetcher, *, feed_url: str) -> SourceItem:
    """The linked page instead of the feed's teaser; the teaser itself if the page fails.

    The link is the feed's content, not the operator's: it is fetched as linked from the feed,
    so it may not lead to a private address on any host but the feed's own (digest.fetch)."""
    try:
        return fetch_article(
            item.url,
            fetch=fetch,
            source=item.source,
            uid=item.uid,
            title=item.title,
            published=item.published,
            linked_from=feed_url,
        )
    except BudgetSpent as exc:  # the fetcher logged the one line that explains these
        logger.debug("%s: using the feed's summary of %s: %s", item.source, item.name, exc)
        return item
    except SourceError as exc:
        logger.warning("%s: using the feed's summary of %s: %s", item.source, item.name, exc)
        return item


def _content(entry) -> tuple[str, bool]:
    """The longest text the entry carries (full content beats the summary), and if it is HTML."""
    candidates = [(c.get("value", ""), c.get("type", "")) for c in entry.get("content", [])]
    if entry.get("summary"):
        detail = entry.get("summary_detail") or {}
        candidates.append((entry["summary"], detail.get("type", "text/html")))
    if not candidates:
        return "", False
    value, kind = max(candidates, key=lambda c: len(c[0]))
    return value, kind != "text/plain"


def _date(entry) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime(*parsed[:6], tzinfo=timezone.utc) if parsed else None
