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

from digest import markdown
from digest.clean import clean_paragraphs, clean_text
from digest.errors import ExtractionError
from digest.links import web_link
from digest.models import Article, SourceItem
from digest.sentences import split_paragraphs, split_sentences
from digest.sources.folder import TITLE_MAX_CHARS, not_a_title

logger = logging.getLogger(__name__)

# Sentence-final punctuation (Latin and CJK), then any closing quotes or brackets.
_ENDS_SENTENCE = re.compile(r"[.!?…。！？][\"'”’»)\]]*$")
# Headings, datelines, labels and standfirsts are short; an unpunctuated paragraph at least this
# long is kept as prose.
LABEL_MAX_WORDS = 40


def extract(item: SourceItem) -> Article:
    """Clean one item into an Article. Raises ExtractionError with a one-line reason."""
    author = None
    if item.content_type == "text/html":
        title, text, published, author = _from_html(item)
    else:
        body = markdown.to_text(item.body) if item.content_type == "text/markdown" else item.body
        published = item.published
        if item.title:
            title, text = item.title, clean_text(body, title=item.title)
        else:
            title, text = _untitled(body)
            first_line = body.strip().partition("\n")[0]
            logger.warning(
                "%s (%s): no title line (the first line %s, like a paragraph); using its first"
                " sentence as the title. Put the title on the first line.",
                item.name,
                item.source,
                not_a_title(first_line) or "is not a title",
            )
    if not title:
        raise ExtractionError("no title found")
    if not text.strip() or not split_sentences(text):
        raise ExtractionError("no article text left after removing boilerplate")
    return Article(
        uid=item.uid,
        source=item.source,
        name=item.name,
        title=title,
        text=text,
        url=web_link(item.url),
        published=published,
        author=author,
    )


def _untitled(body: str) -> tuple[str | None, str]:
    """(title, text) of a text with no title line: its first sentence is the title.

    The sentence stays in the text: cleaning drops paragraphs that repeat the title, and the
    first paragraph, where the title came from, would otherwise go when it is one sentence.
    """
    first = split_sentences(split_paragraphs(body)[0]) if body.strip() else []
    if not first:
        return None, clean_text(body)
    title = first[0]
    if len(title) > TITLE_MAX_CHARS:  # a headline-sized cut, at a word
        title = title[: TITLE_MAX_CHARS - 1].rsplit(" ", 1)[0].rstrip(",;:-–— ") + "…"
    paragraphs = clean_paragraphs(body, title=title)
    kept = (
        p for i, (p, why) in enumerate(paragraphs) if why is None or (i == 0 and why == "title")
    )
    return title, "\n\n".join(kept)


def _from_html(item: SourceItem) -> tuple[str | None, str, datetime | None, str | None]:
    import trafilatura

    doc = trafilatura.bare_extraction(
        item.body,
        url=item.url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
    )
    if doc is None or not (doc.text or "").strip():
        raise ExtractionError("no article found in the HTML")
    title = doc.title or item.title
    # trafilatura separates paragraphs by single newlines; our cleaner expects blank lines.
    text = clean_text("\n\n".join(_prose(doc, title)), title=title)
    published = item.published
    if doc.date:
        try:
            published = datetime.fromisoformat(doc.date).replace(tzinfo=timezone.utc)
        except ValueError:
            logger.debug("Unparsable date %r in %s", doc.date, item.name)
    return title, text, published, doc.author


def _prose(doc, title: str | None) -> list[str]:
    """The paragraphs of trafilatura's text that are prose, i.e. fit for a brief.

    Measured in benchmarks/extraction.py: most brief sentences not in the human gold body were
    the headline repeated as the first line, sub-headings, standfirsts, datelines and labels
    ("Reading time: 1 minute"). None of those ends like a sentence; prose does. So we drop
    trafilatura's headings, lines that repeat the title, and short lines that do not end with
    sentence-final punctuation. Long unpunctuated paragraphs stay: they are prose that lost
    its full stop, more often than not.
    """
    headings = {_fold("".join(h.itertext())) for h in doc.body.iter("head")}
    folded_title = _fold(title or "")
    kept = []
    for line in doc.text.splitlines():
        line = line.removeprefix("- ")  # trafilatura's marker for a list item, not its text
        folded = _fold(line)
        if not folded or folded in headings:
            continue
        if folded_title and SequenceMatcher(None, folded, folded_title).ratio() > 0.8:
            continue
        if len(line.split()) < LABEL_MAX_WORDS and not _ENDS_SENTENCE.search(line.rstrip()):
            continue
        kept.append(line)
    return kept


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()
