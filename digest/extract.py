"""SourceItem -> Article: the article's own text, with the page around it removed.

HTML goes through trafilatura (chosen for its published accuracy on article extraction and
measured in benchmarks/extraction.py); plain text and Markdown go through our boilerplate
filter in digest.clean, because no library cleans text that has already lost its markup
(Markdown is first reduced to its prose paragraphs by a real parser, digest.markdown).
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timezone
from difflib import SequenceMatcher
from urllib.parse import unquote, urlsplit

from digest import markdown
from digest.clean import (
    ASIDE,
    TITLE_REASON,
    clean_paragraphs,
    describe_drops,
    doubt,
    explanation,
    kept,
)
from digest.errors import ExtractionError
from digest.links import web_link
from digest.models import Article, SourceItem
from digest.sentences import has_sentences, split_paragraphs, split_sentences
from digest.sources.folder import TITLE_MAX_CHARS, not_a_title

logger = logging.getLogger(__name__)

# Sentence-final punctuation (Latin and CJK), then any closing quotes or brackets.
_ENDS_SENTENCE = re.compile(r"[.!?…。！？][\"'”’»)\]]*$")
# Headings, datelines, labels and standfirsts are short; an unpunctuated paragraph at least this
# long is kept as prose.
LABEL_MAX_WORDS = 40
LABEL_REASON = "short HTML line without final punctuation (label, dateline)"
# A page whose text is all such lines (a calendar, a list of results) has them for its article:
# the cleaner judges them as a text of their own, and what it keeps is kept aside, so the page
# is briefed from them rather than refused. Fewer than LIST_MIN_LINES kept are a page's labels
# ("Page not found"), not a list.
NO_PROSE = "the page has no prose"
LIST_MIN_LINES = 3
# A first line longer than this is prose, not a title; such a line is titled by its first words.
TITLE_MAX_WORDS = 30
TITLE_WORDS = 10
_SLUG_EXT = re.compile(r"\.[A-Za-z0-9]{1,5}$")  # .html, .php, .aspx
_SLUG_SEP = re.compile(r"[-_+.\s]+")


def extract(item: SourceItem) -> Article:
    """Clean one item into an Article. Raises ExtractionError with a one-line reason."""
    title, rows, published, author = _clean(item)
    if not item.title and item.content_type != "text/html" and title:
        first_line = item.body.strip().partition("\n")[0]
        logger.warning(
            "%s (%s): no title line (the first line %s, like a paragraph); using its first"
            " sentence as the title. Put the title on the first line.",
            item.name,
            item.source,
            not_a_title(first_line) or "is not a title",
        )
    if not title:
        raise ExtractionError("no title found")
    paragraphs = [(p, reason) for p, reason in rows if kept(reason)]
    text = "\n\n".join(p for p, _ in paragraphs)
    if not has_sentences(text):
        raise ExtractionError(
            "no article text left after removing boilerplate" + describe_drops(rows)
        )
    return Article(
        uid=item.uid,
        source=item.source,
        name=item.name,
        title=title,
        text=text,
        url=web_link(item.url),
        published=published,
        author=author,
        aside=_tiers([doubt(reason) for _, reason in paragraphs]),
    )


def _tiers(doubts: list[int]) -> tuple[tuple[int, ...], ...]:
    """Article.aside: the indices of the paragraphs of each doubt above 0, least first."""
    levels = sorted(set(doubts) - {0})
    return tuple(tuple(i for i, d in enumerate(doubts) if d == level) for level in levels)


def explain(item: SourceItem) -> str:
    """Every paragraph of the item, kept or dropped and why (`digest summarize --explain`)."""
    notes: dict[str, str] = {}
    title, rows, _, _ = _clean(item, notes)
    return explanation(rows, title=title, notes=notes)


def _untitled(body: str, notes: dict[str, str] | None = None) -> tuple[str | None, Rows]:
    """(title, rows) of a text with no title line: its first sentence is the title.

    The sentence stays in the text: cleaning drops paragraphs that repeat the title, and the
    first paragraph, where the title came from, would otherwise go when it is one sentence.
    """
    first = split_sentences(split_paragraphs(body)[0]) if body.strip() else []
    if not first:
        return None, clean_paragraphs(body, notes=notes)
    title = first[0]
    if len(title) > TITLE_MAX_CHARS:  # a headline-sized cut, at a word
        title = title[: TITLE_MAX_CHARS - 1].rsplit(" ", 1)[0].rstrip(",;:-–— ") + "…"
    rows = clean_paragraphs(body, title=title, notes=notes)
    if rows and rows[0][1] == TITLE_REASON:
        rows[0] = (rows[0][0], None)
    return title, rows


Rows = list[tuple[str, str | None]]


def _clean(
    item: SourceItem, notes: dict[str, str] | None = None
) -> tuple[str | None, Rows, datetime | None, str | None]:
    """Title, each paragraph with why it was dropped (None: kept), date and author; `notes`
    receives the cleaner's score of each paragraph (for --explain)."""
    if item.content_type == "text/html":
        return _from_html(item, notes)
    body = markdown.to_text(item.body) if item.content_type == "text/markdown" else item.body
    title = item.title
    if not body.strip() and title and len(title.split()) > TITLE_MAX_WORDS:
        # A one-line file: its only line is the article, not a title (a feed description,
        # a transcript). Title it by its opening words rather than refuse it.
        body, title = title, " ".join(title.split()[:TITLE_WORDS]) + " …"
    if not title:  # no title line (sources/folder.py): the first sentence is the title
        title, rows = _untitled(body, notes)
        return title, rows, item.published, None
    return title, clean_paragraphs(body, title=title, notes=notes), item.published, None


def _from_html(
    item: SourceItem, notes: dict[str, str] | None = None
) -> tuple[str | None, Rows, datetime | None, str | None]:
    """trafilatura in precision mode first (its extra filtering keeps related-link blurbs out
    of briefs); a page it or our filters leave empty is tried again with trafilatura's
    defaults, which extract more real pages (benchmarks/cleaning.py: every dev page briefed),
    so a page trafilatura can read is never refused for our extra caution."""
    doc, rows, title = None, [], None
    for favor_precision in (True, False):
        doc = _trafilatura(item, favor_precision=favor_precision)
        if doc is None or not (doc.text or "").strip():
            continue
        title = doc.title or item.title or page_title(item.body, item.url)
        rows = _prose(doc, title)
        # trafilatura separates paragraphs by single newlines; our cleaner expects blank lines.
        prose = "\n\n".join(p for p, reason in rows if reason is None)
        rows = _merge(rows, clean_paragraphs(prose, title=title, notes=notes))
        if has_sentences("\n\n".join(p for p, reason in rows if reason is None)):
            break
    if doc is None or not (doc.text or "").strip():
        raise ExtractionError("no article found in the HTML")
    if not has_sentences("\n\n".join(p for p, reason in rows if kept(reason))):
        rows = _short_lines_as_article(rows, title)
    published = item.published
    if doc.date:
        try:
            published = datetime.fromisoformat(doc.date).replace(tzinfo=timezone.utc)
        except ValueError:
            logger.debug("Unparsable date %r in %s", doc.date, item.name)
    return title, rows, published, doc.author


def _short_lines_as_article(rows: Rows, title: str | None) -> Rows:
    """`rows` with the short lines the cleaner keeps, judged as a text of their own, kept aside
    (NO_PROSE); unchanged when it keeps fewer than LIST_MIN_LINES. What it drops (a call to
    action, a menu) keeps the HTML filter's reason."""
    lines = [p for p, reason in rows if reason == LABEL_REASON]
    verdicts = [reason for _, reason in clean_paragraphs("\n\n".join(lines), title=title)]
    if len(verdicts) != len(lines) or sum(map(kept, verdicts)) < LIST_MIN_LINES:
        return rows
    keep = iter(map(kept, verdicts))
    aside = f"{ASIDE} ({LABEL_REASON}; {NO_PROSE})"
    return [(p, aside if r == LABEL_REASON and next(keep) else r) for p, r in rows]


def _merge(prose: Rows, cleaned: Rows) -> Rows:
    """The HTML filter's drops in place, and the cleaner's verdict on the lines it kept."""
    rest = iter(cleaned)
    merged = [row if row[1] is not None else next(rest, row) for row in prose]
    return merged + list(rest)


def _trafilatura(item: SourceItem, *, favor_precision: bool):
    import trafilatura

    return trafilatura.bare_extraction(
        item.body,
        url=item.url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        favor_precision=favor_precision,
    )


def page_title(html: str, url: str | None) -> str | None:
    """A page with no <title> is still titled: og:title, else the first <h1>, else the URL's
    last path segment ("/2024/05/harbour-wall-vote.html" -> "Harbour wall vote")."""
    import lxml.html

    try:
        root = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        root = None
    if root is not None:
        for meta in root.iter("meta"):
            if (meta.get("property") or meta.get("name") or "").lower() == "og:title":
                content = " ".join((meta.get("content") or "").split())
                if content:
                    return content
        for h1 in root.iter("h1"):
            heading = " ".join(h1.text_content().split())
            if heading:
                return heading
    return _slug_title(url)


def _slug_title(url: str | None) -> str | None:
    if not url:
        return None
    segments = [s for s in urlsplit(url).path.split("/") if s]
    for segment in reversed(segments):
        stem = _SLUG_EXT.sub("", unquote(segment))
        words = [w for w in _SLUG_SEP.split(stem) if w and not w.isdigit()]
        if words:
            return " ".join(words).capitalize()
    return urlsplit(url).hostname


def _prose(doc, title: str | None) -> Rows:
    """The lines of trafilatura's text, each with why it is not prose fit for a brief.

    Measured in benchmarks/extraction.py: most brief sentences not in the human gold body were
    the headline repeated as the first line, sub-headings, standfirsts, datelines and labels
    ("Reading time: 1 minute"). None of those ends like a sentence; prose does. So we drop
    trafilatura's headings, lines that repeat the title, and short lines that do not end with
    sentence-final punctuation. Long unpunctuated paragraphs stay: they are prose that lost
    its full stop, more often than not.
    """
    headings = {_fold("".join(h.itertext())) for h in doc.body.iter("head")}
    folded_title = _fold(title or "")
    rows: Rows = []
    for line in doc.text.splitlines():
        line = line.removeprefix("- ")  # trafilatura's marker for a list item, not its text
        folded = _fold(line)
        if not folded:
            continue
        reason = None
        if folded in headings:
            reason = "HTML heading"
        elif folded_title and SequenceMatcher(None, folded, folded_title).ratio() > 0.8:
            reason = "repeats the title"
        elif len(line.split()) < LABEL_MAX_WORDS and not _ENDS_SENTENCE.search(line.rstrip()):
            reason = LABEL_REASON
        rows.append((line, reason))
    return rows


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()
