"""Web pages listed in config.yaml, one article each. Also used for a feed item's linked page.

A page is fetched (digest.fetch), checked to be HTML and an article rather than an index page,
and handed on as HTML; digest.extract pulls out its text, title, date and author. Identity is the
normalised URL, so the same story reached through a feed and a page source is one item.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from urllib.parse import urldefrag

from digest.errors import SourceError
from digest.fetch import BudgetSpent, Fetcher, FetchError, Gone
from digest.models import Skipped, SourceItem
from digest.sources import Seen
from digest.sources.remote import RemoteState

logger = logging.getLogger(__name__)

# A listing page is one whose extracted text is mostly teasers: short blocks sitting next to a
# linked headline (or inside a link). Measured on the 92 real article pages of the extraction
# benchmark: the highest share on an article was 0.01; the test listing page scores 0.98.
LISTING_SHARE = 0.5
LISTING_MIN_TEASERS = 3
_HEADING = "self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6"
# A teaser card holds a headline, a paragraph, maybe an image and a byline; an article body
# holds many paragraphs, so a heading link inside it does not make its paragraphs teasers.
_CARD_MAX_CHILDREN = 4


def normalize_link(url: str) -> str:
    """The identity of a web URL: host lowercased, default port, tracking parameters (utm_*,
    fbclid, gclid, ...) and the fragment dropped. courlan is trafilatura's own URL library."""
    from courlan import normalize_url

    try:
        url = normalize_url(url.strip())
    except ValueError:
        logger.debug("Cannot normalise %r; keeping it as is", url)
    return urldefrag(url).url


def read(
    source,
    *,
    fetch: Fetcher,
    remote: RemoteState,
    seen: Seen = lambda uids: set(),
    **_context,
) -> Iterator[SourceItem | Skipped]:
    uids = {url: normalize_link(url) for url in source.urls}
    known = seen(uids.values())  # asked before any page is fetched, in one query
    for url, uid in uids.items():
        if uid in known:
            continue  # read once already: no need to fetch it again
        since = remote.gone_since(source.name, url)
        if since:
            yield Skipped(source.name, uid, url, f"deactivated: answered 410 Gone on {since[:10]}")
            continue
        try:
            yield fetch_article(url, fetch=fetch, source=source.name, uid=uid)
            remote.record(source.name, url, "ok")
        except BudgetSpent:
            continue  # not a fault of the page: left for the next run (the fetcher logged why)
        except Gone as exc:
            remote.record(source.name, url, str(exc), gone=True)
            yield Skipped(source.name, uid, url, f"{exc}; deactivated until the URL changes")
        except SourceError as exc:
            remote.record(source.name, url, str(exc))
            yield Skipped(source.name, uid, url, str(exc))


def fetch_article(
    url: str,
    *,
    fetch: Fetcher,
    source: str,
    uid: str,
    title: str | None = None,
    published=None,
    linked_from: str | None = None,
) -> SourceItem:
    """GET an article page. Raises SourceError (naming the URL) when it is not one.
    `linked_from`: the trusted URL whose content linked here (see Fetcher.get)."""
    response = fetch.get(url, linked_from=linked_from)
    if not response.is_html:
        raise FetchError(
            f"not an HTML page ({response.content_type or 'no content type'}): {url}", url=url
        )
    html = response.text()
    reason = listing_reason(html)
    if reason:
        raise SourceError(
            f"looks like an index page, not an article ({reason}): {url}",
            hint="list article URLs, or use the site's feed",
        )
    return SourceItem(
        source=source,
        uid=uid,
        name=url,
        body=html,
        content_type="text/html",
        url=response.url,
        title=title,
        published=published,
    )


def listing_reason(html: str) -> str | None:
    """Why this page looks like an index of other articles, or None if it looks like one article.

    trafilatura on a listing page returns the teasers merged into one text; we find where each
    extracted paragraph sits in the page and count those that sit in a teaser card.
    """
    import lxml.html
    import trafilatura

    doc = trafilatura.bare_extraction(html, favor_precision=True, include_comments=False)
    paragraphs = [" ".join(p.split()) for p in (doc.text if doc else "").splitlines()]
    paragraphs = [p for p in paragraphs if p]
    if not paragraphs:
        return None  # nothing extracted: digest.extract reports that with its own reason
    try:
        tree = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return None
    blocks = {}
    for el in tree.iter("p", "li", "dd", "blockquote", "div", "span"):
        if el.tag in ("div", "span") and el.find(".//p") is not None:
            continue
        blocks.setdefault(" ".join(el.text_content().split()), el)
    teaser_words = teasers = 0
    total_words = sum(len(p.split()) for p in paragraphs)
    for paragraph in paragraphs:
        el = blocks.get(paragraph)
        if el is not None and _in_teaser_card(el):
            teasers += 1
            teaser_words += len(paragraph.split())
    if teasers >= LISTING_MIN_TEASERS and teaser_words > LISTING_SHARE * total_words:
        return f"{teasers} of {len(paragraphs)} text blocks are teasers next to linked headlines"
    return None


def _in_teaser_card(el) -> bool:
    if el.xpath("ancestor::a[@href]"):
        return True
    card = el.getparent()
    if card is None or len(card) > _CARD_MAX_CHILDREN:
        return False
    return bool(card.xpath(f"./*[{_HEADING}][.//a[@href]] | ./a[@href][.//*[{_HEADING}]]"))
