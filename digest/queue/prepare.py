"""Articles cleaned and summarised by workers, stored by a hash of what the result depends on.

Two keys: the cleaning of an item (its source, uid and body: the Article carries them), and the
summary of a text (its title, text, method and length: not who carried it), so a story is
summarised once for every digest and every source that carries it.

`Prepared` stands in for the pipeline's `Workers` pool when a worker assembles a digest: it
hands back stored results, in order, and computes any that are missing (a prepare job that was
parked) in this process. Results are pickled frozen dataclasses: only digest's own workers write
them, to the state that already holds everything digest knows.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any

from digest.models import Article, Skipped, SourceItem
from digest.tasks import extract_one, summarise_one

logger = logging.getLogger(__name__)


def _hash(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def extract_key(item: SourceItem) -> str:
    return _hash("extract", item.source, item.uid, item.name, item.content_type, item.url,
                 item.title, item.published, item.body)  # fmt: skip


def summary_key(article: Article, *, method: str, sentences: int) -> str:
    return _hash("summary", method, sentences, article.title, article.text, article.aside)


def prepare(
    items: Sequence[SourceItem], *, method: str, sentences: int, known: Callable
) -> dict[str, bytes]:
    """Clean and summarise `items`; the results not already stored (`known(keys)`), by key."""
    made: dict[str, bytes] = {}
    keys = {extract_key(item): item for item in items}
    stored = known(list(keys))
    articles: dict[str, Article] = {}  # by summary key: a story carried twice is one summary
    for key, item in keys.items():
        if key in stored:
            article, _sig = pickle.loads(stored[key])
        else:
            article, sig = extract_one(item)
            made[key] = pickle.dumps((article, sig))
        if isinstance(article, Article):
            articles.setdefault(summary_key(article, method=method, sentences=sentences), article)
    summarised = known(list(articles))  # one look-up for the batch, not one per article
    for skey, article in articles.items():
        if skey not in summarised:
            made[skey] = pickle.dumps(summarise_one(article, method=method, sentences=sentences))
    return made


class Prepared:
    """A `Workers` for the pipeline (map in order) that reads what the workers prepared."""

    def __init__(self, state) -> None:
        self.state = state
        self.missing = 0  # results computed here, not by a prepare job

    def __enter__(self) -> Prepared:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.missing:
            logger.info("Prepared %d articles while assembling (their jobs had not)", self.missing)

    def map(self, fn: Callable, items: Sequence) -> Iterator:
        if fn is extract_one:
            keys = [extract_key(item) for item in items]
            stored = self.state.prepared(keys)
            for key, item in zip(keys, items, strict=True):
                if key in stored:
                    yield pickle.loads(stored[key])
                else:
                    self.missing += 1
                    yield fn(item)
        elif isinstance(fn, partial) and fn.func is summarise_one:
            method, sentences = fn.keywords["method"], fn.keywords["sentences"]
            keys = [summary_key(a, method=method, sentences=sentences) for a in items]
            stored = self.state.prepared(keys)
            for key, article in zip(keys, items, strict=True):
                if key not in stored:
                    self.missing += 1
                    yield fn(article)
                    continue
                result = pickle.loads(stored[key])
                if isinstance(result, Skipped):  # maybe another copy's: this article's identity
                    yield Skipped(article.source, article.uid, article.name, result.reason)
                else:  # the chosen sentences, whoever carried the story
                    yield result
        else:
            yield from map(fn, items)
