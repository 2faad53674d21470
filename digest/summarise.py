"""Article text -> a few of its own sentences. The only module that imports sumy (and nltk).

`method="default"` is our scorer (`digest.rank`); `lead` takes the first sentences; the other
names are sumy's algorithms. Whatever the method, sentences come from
`digest.sentences.split_sentences` (nothing downloaded at run time: sumy's own tokenizer needs
NLTK's punkt data, which we do not ship), and the final choice goes through
`digest.select.pick`, so every brief keeps article order, has no (near-)duplicates and no
dangling openers (see `digest.select` for the rule).

sumy and nltk are imported lazily, on the first sumy method call: they cost ~0.5 s to import,
which the default path never pays.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Sequence
from functools import lru_cache
from typing import Any

from digest.select import pick_by_doubt
from digest.sentences import split_paragraphs, split_sentences

log = logging.getLogger(__name__)

SUMY_METHODS = (
    "lexrank",
    "textrank",
    "lsa",
    "luhn",
    "edmundson",
    "kl",
    "sumbasic",
    "reduction",
)
METHODS = ("default", "lead", *SUMY_METHODS)

# Edmundson's cue method needs stigma words (words marking a sentence as unimportant). For news,
# page furniture and hedges are the natural ones; the list is short on purpose, the method is a
# baseline. Bonus words are the title's content words (falling back to the article's most
# frequent content words when there is no title); null words are sumy's English stop words.
_EDMUNDSON_STIGMA = (
    "click",
    "subscribe",
    "newsletter",
    "advertisement",
    "copyright",
    "cookies",
    "share",
    "follow",
    "comments",
    "reportedly",
    "allegedly",
    "perhaps",
    "maybe",
)
_EDMUNDSON_BONUS_FALLBACK = 10  # top-N frequent content words when no title is given
_WORDRE = re.compile(r"[^\W\d_](?:[^\W\d_]|['-])*")


def _dedupe(sents: list[str], doubt: list[int]) -> tuple[list[str], list[int]]:
    """Drop exact repeats (sumy keys its ratings by sentence text, so they would collapse); a
    sentence is as doubtful as the least doubtful of its copies."""
    first: dict[str, int] = {}
    out: list[str] = []
    levels: list[int] = []
    for s, level in zip(sents, doubt, strict=True):
        if s in first:
            levels[first[s]] = min(levels[first[s]], level)
            continue
        first[s] = len(out)
        out.append(s)
        levels.append(level)
    return out, levels


def _sentences(text: str, aside: Sequence[Collection[int]]) -> tuple[list[str], list[int]]:
    """The text's sentences, and how doubtful each is: 0, or 1 + the `aside` tier holding its
    paragraph (by index among the text's blank-line separated paragraphs)."""
    if not aside:
        sents = split_sentences(text)
        return sents, [0] * len(sents)
    tier = {i: level for level, tier in enumerate(aside, 1) for i in tier}
    sents, doubt = [], []
    for i, paragraph in enumerate(split_paragraphs(text)):
        own = split_sentences(paragraph)
        sents += own
        doubt += [tier.get(i, 0)] * len(own)
    return sents, doubt


def summarize(
    text: str,
    *,
    sentences: int = 3,
    method: str = "default",
    title: str | None = None,
    aside: Sequence[Collection[int]] = (),
) -> list[str]:
    """Return up to `sentences` sentences of `text`, in article order, none repeated.

    `aside` are the paragraphs the cleaner kept for reading but is not sure are the
    article's (as `Article.aside`: tiers of paragraph indices, likelier article first): a
    tier's sentences are chosen only when the paragraphs before it (the others, then the
    earlier tiers) have none usable. Fewer are returned when the article has fewer usable
    sentences; [] for empty text.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    sents, doubt = _dedupe(*_sentences(text or "", aside))
    if not sents or sentences <= 0:
        return []
    if method == "default":
        from digest.rank import rank_summary

        idx = rank_summary(sents, sentences, title, doubt if aside else None)
    elif method == "lead":
        idx = pick_by_doubt(sents, range(len(sents)), sentences, doubt)
    else:
        idx = pick_by_doubt(sents, _sumy_order(sents, method, title), sentences, doubt)
    return [sents[i] for i in idx]


class _Tokenizer:
    """What sumy needs from a tokenizer: `language`, `to_sentences`, `to_words`.

    Sentences come from our splitter; words from nltk's Treebank-style tokenizer used directly
    (it needs no downloaded data, unlike `nltk.word_tokenize`), filtered the way sumy filters
    its own tokens (alphabetic words, apostrophes and hyphens allowed).
    """

    language = "english"

    def __init__(self) -> None:
        from nltk.tokenize import NLTKWordTokenizer

        self._words = NLTKWordTokenizer()

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        return tuple(split_sentences(paragraph))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return tuple(w for w in self._words.tokenize(sentence) if _WORDRE.fullmatch(w))


@lru_cache(maxsize=1)
def _sumy() -> dict[str, Any]:
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
    from sumy.nlp.stemmers import Stemmer
    from sumy.summarizers.edmundson import EdmundsonSummarizer
    from sumy.summarizers.kl import KLSummarizer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.lsa import LsaSummarizer
    from sumy.summarizers.luhn import LuhnSummarizer
    from sumy.summarizers.reduction import ReductionSummarizer
    from sumy.summarizers.sum_basic import SumBasicSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    stemmer = Stemmer("english")
    stop = get_stop_words("english")
    classes = {
        "lexrank": LexRankSummarizer,
        "textrank": TextRankSummarizer,
        "lsa": LsaSummarizer,
        "luhn": LuhnSummarizer,
        "kl": KLSummarizer,
        "sumbasic": SumBasicSummarizer,
        "reduction": ReductionSummarizer,
    }
    summarizers = {}
    for name, cls in classes.items():
        s = cls(stemmer)
        s.stop_words = stop
        summarizers[name] = s
    return {
        "summarizers": summarizers,
        "edmundson": EdmundsonSummarizer,
        "stemmer": stemmer,
        "stop": stop,
        "doc": ObjectDocumentModel,
        "para": Paragraph,
        "sent": Sentence,
        "tokenizer": _Tokenizer(),
    }


def _sumy_order(sents: list[str], method: str, title: str | None) -> list[int]:
    """Rank all sentences with a sumy summarizer; return indices best first.

    sumy's summarizers return only the top-N in document order; but they all pass `count`
    through to `_get_best_sentences`, which calls it with the infos sorted best first, so a
    callable count recovers the full ranking (needed to replace sentences our rules reject).
    """
    m = _sumy()
    tok = m["tokenizer"]
    body = [m["sent"](s, tok) for s in sents]
    heading = [m["sent"](title, tok, is_heading=True)] if title else []
    doc = m["doc"]([m["para"](heading + body)])
    if method == "edmundson":
        summarizer = _edmundson(m, doc, title)
    else:
        summarizer = m["summarizers"][method]
    ranked: list[int] = []

    def capture(infos):
        ranked.extend(info.order for info in infos)
        return infos

    import numpy as np

    # LexRank's power iteration divides 0 by 0 on two-sentence documents; the NaN ratings only
    # make its ranking arbitrary there, which is all a two-sentence article allows anyway.
    with np.errstate(invalid="ignore", divide="ignore"):
        summarizer(doc, capture)
    return ranked


def _edmundson(m: dict[str, Any], doc: Any, title: str | None) -> Any:
    stop = m["stop"]
    if title:
        bonus = [w for w in m["tokenizer"].to_words(title) if w.lower() not in stop]
    else:
        bonus = []
    if not bonus:
        counts: dict[str, int] = {}
        for s in doc.sentences:
            for w in s.words:
                lw = w.lower()
                if lw not in stop:
                    counts[lw] = counts.get(lw, 0) + 1
        bonus = sorted(counts, key=counts.get, reverse=True)[:_EDMUNDSON_BONUS_FALLBACK]
    e = m["edmundson"](m["stemmer"])
    e.bonus_words = bonus or ["news"]  # sumy refuses an empty set; any word will do then
    e.stigma_words = _EDMUNDSON_STIGMA
    e.null_words = stop
    return e
