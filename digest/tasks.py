"""The work each article needs, as the worker processes run it: clean and sign, summarise.

Plain functions of picklable values, which return a Skipped (with the reason) instead of
raising, so one bad article stays one. They live apart from the pipeline so that the
forkserver every worker is forked from (digest.workers) imports only what they need: not the
state, the mail or the config (SQLAlchemy, pydantic, the web front), which cost it half a
second and their memory in every run.
"""

from __future__ import annotations

import logging

from digest.dedupe import signature, to_bytes
from digest.errors import ExtractionError
from digest.extract import extract
from digest.models import Article, Skipped, SourceItem
from digest.summarise import summarize

logger = logging.getLogger(__name__)


def extract_one(item: SourceItem) -> tuple[Article | Skipped, bytes | None]:
    """One item -> its Article and the MinHash signature of its text (as bytes)."""
    try:
        article = extract(item)
    except ExtractionError as exc:
        return Skipped(item.source, item.uid, item.name, str(exc)), None
    except Exception as exc:  # a bug on one article must not sink the whole digest
        logger.exception("Unexpected error extracting %s (%s)", item.name, item.source)
        return Skipped(item.source, item.uid, item.name, f"internal error: {exc!r}"), None
    sig = signature(article.text)
    return article, (to_bytes(sig) if sig is not None else None)


def summarise_one(article: Article, *, method: str, sentences: int) -> tuple[str, ...] | Skipped:
    """The chosen sentences only: the article is already in the main process, and sending it
    back inside a Brief would copy every article's text there a second time."""
    try:
        chosen = summarize(
            article.text,
            sentences=sentences,
            method=method,
            title=article.title,
            aside=article.aside,
        )
        if not chosen:
            raise ExtractionError("no sentences to summarise")
    except ExtractionError as exc:
        return Skipped(article.source, article.uid, article.name, str(exc))
    except Exception as exc:  # a bug on one article must not sink the whole digest
        logger.exception("Unexpected error summarising %s (%s)", article.name, article.source)
        return Skipped(article.source, article.uid, article.name, f"internal error: {exc!r}")
    return tuple(chosen)
