"""Layout cues: page furniture recognised by how the page laid it out, not by its words.

The rules look at what survives of the HTML layout in a whole-page text dump (a paragraph's
neighbours, or a card's two lines run into one), so they hold in any language:

- teaser cards: a "you may also like" list is a row of one-paragraph blurbs, each fenced by the
  same share bar or date line; an article body is paragraphs that follow one another;
- captions before a source label: a chart or photo caption inside the body is one short
  sentence followed by the name of its source (two to four capitalised words, no stopword);
- a card flattened into one line: a teaser's headline run into its blurb, which restates it.

Constants were set by reading failures on the dev half of benchmarks/cleaning.py only.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Protocol

from digest import boilerplate_cues as cues

log = logging.getLogger(__name__)

# A list needs at least this many cards: one or two fenced paragraphs are an article's single
# paragraph between its share bar and its date (dev: such one-paragraph pages exist).
CARD_MIN_LIST = 3
# A caption is one short sentence; body paragraphs before a sub-heading are longer. Dev captions
# before a source label had 9 to 19 words; 25 leaves room without reaching typical prose.
CAPTION_MAX_WORDS = 25
# A source label is a name: "Agency Name", "Journal of X" has a stopword and is excluded. Dev
# labels had 2 words; 4 allows "The X Y Institute"-length names minus the stopword.
SOURCE_LABEL_WORDS = (2, 4)

REPEATED_REASON = "repeated block"

# A teaser card is a headline over a blurb that says it again ("Armenia named most popular spot
# for Russian travelers" / "Armenia has been named the most popular destination ..."); flattened
# to text (a dump, an extractor joining a card's lines), the two run into one line with no stop
# between them. A headline is this many words, with no clause punctuation ...
HEADLINE_WORDS = (4, 14)
# ... and the blurb's first BLURB_WORDS words repeat at least RESTATED_WORDS of its content words,
# and at least RESTATED_SHARE of them, not all in capitals. Prose that names one thing twice
# ("New Zealand ... New Zealand") repeats a name, not most of what the line before said.
# (Round values, set on the extract/ dumps' cards; they fire on no sentence of the clean sets,
# about 60,000, and on no gold sentence of either page set's dumps and HTML.)
BLURB_WORDS = 20
RESTATED_WORDS = 3
RESTATED_SHARE = 0.5
# Where the line between them was lost: a word glued to the next ("250,000The state of ...",
# "... In DetroitHoodline crunched ...").
_GLUED = re.compile(r"(?<=[a-z0-9])(?=[A-Z][a-z])")
# Punctuation that ends a clause (or opens a quote), or a dash between words: a headline has
# none inside it.
_CLAUSE_MARK = re.compile(r"""[.!?;:,()\[\]"“”‘’'«»…]$|^["“‘'(«\[]|^\W+$""")
_POSSESSIVE = re.compile(r"['’]s?$")
# (A fast first look: a headline and the blurb's first word lie within this many characters,
# before the first of these marks.)
_HEADLINE_CHARS = 200
_CLAUSE_CHAR = re.compile(r"""[.,:!?;()\[\]"“”«»…]|\s[-–—]""")
_GLUE_FAST = re.compile(r"[a-z0-9][A-Z][a-z]")
_CAPITALISED = re.compile(r"\b[A-Z]\w+")


class Para(Protocol):
    """What these rules need of digest.clean's paragraph record."""

    text: str
    reason: str | None
    kind: str
    stopwords: frozenset[str]

    @property
    def words(self) -> list[str]: ...


# A long paragraph that lost its final full stop still reads as prose to these rules (the same
# threshold as digest.extract.LABEL_MAX_WORDS). Only here: counting such paragraphs as "good"
# everywhere let unpunctuated legal footers win the main region (dev).
UNPUNCTUATED_PROSE_WORDS = 40


def _prose(p: Para) -> bool:
    if p.reason is not None:
        return False
    return p.kind in ("good", "neargood") or len(p.words) >= UNPUNCTUATED_PROSE_WORDS


def _fence(p: Para) -> bool:
    """A share bar or date line that the page repeats: what fences each teaser card. A single
    call to action is not enough (dev: in-body "Summary" boxes and blog prose sit next to
    one-off calls to action and are body)."""
    return p.reason == REPEATED_REASON and bool(
        cues.CUE.search(p.text) or cues.found(cues.DATE, p.text)
    )


def drop_teaser_cards(paras: list[Para]) -> None:
    """Drop a list of teaser cards: prose paragraphs with no prose neighbour, fenced by a
    repeated share bar or date line, at least CARD_MIN_LIST of them on the page.

    Run after classification and before the main region is chosen, so the cards count as
    boilerplate there. When the page has no two consecutive prose paragraphs (no multi-paragraph
    body anywhere), the first card is the page's own item (a one-paragraph post above its "you
    may also like" list) and is kept.
    """
    cards = []
    for i, p in enumerate(paras):
        if not _prose(p):
            continue
        around = paras[max(0, i - 1) : i] + paras[i + 1 : i + 2]
        if not any(_prose(q) for q in around) and any(_fence(q) for q in around):
            cards.append(p)
    if len(cards) < CARD_MIN_LIST:
        return
    has_body = any(_prose(a) and _prose(b) for a, b in zip(paras, paras[1:], strict=False))
    if not has_body:
        cards[0].kind = "good"  # the page's own item: let the main region find it
    for p in cards if has_body else cards[1:]:
        p.reason = "teaser card (fenced by share bar/date)"
    log.debug("clean: %d teaser cards dropped", len(cards) - (0 if has_body else 1))


def _is_source_label(p: Para) -> bool:
    words = p.words
    lo, hi = SOURCE_LABEL_WORDS
    return (
        lo <= len(words) <= hi
        and not cues.SENTENCE_END.search(p.text[-cues.TAIL :])
        and all(w[0].isupper() for w in words)
        # ALL CAPS pairs are sub-headings ("SCORES QUARANTINED" style), not names (dev).
        and not all(w.isupper() for w in words)
        and not any(w.lower() in p.stopwords for w in words)
    )


def drop_captions_before_source(paras: list[Para]) -> None:
    """A short paragraph right before a bare source name, inside the body (prose on both
    sides), is a chart/photo caption. Both sides must be prose because a name followed by
    more furniture is a section label (an interviewee's name above their photo credit, dev)."""
    for i in range(1, len(paras) - 2):
        before, p, label, after = paras[i - 1 : i + 3]
        if p.reason is not None or len(p.words) > CAPTION_MAX_WORDS:
            continue
        if _prose(before) and _is_source_label(label) and after.kind == "good":
            p.reason = "caption (before source label)"
            label.reason = "source label (of a caption)"


def headline_run_into_blurb(text: str, language: Callable[[], frozenset[str]]) -> bool:
    """Whether `text` opens with a teaser's headline run into its blurb: a headline of
    HEADLINE_WORDS words, with no clause punctuation, and right after it (with no stop between
    them) a blurb that restates it. The blurb must start where the line between them was lost:
    glued to the headline's last word, or with the headline's own subject again ("50/50
    Blackpool pier is on sale for £12.6m Blackpool's central pier has been put up for sale").
    `language` gives the text's stopwords; it is called only for a text that passes the quick
    look (_may_run_into_blurb), which most fail, so a caller judging many sentences need not
    work out their language for nothing."""
    if not _may_run_into_blurb(text):
        return False
    stopwords = language()
    lo, hi = HEADLINE_WORDS
    words: list[str] = []
    glued: list[bool] = []
    for raw in text.split(maxsplit=hi + BLURB_WORDS)[: hi + BLURB_WORDS]:
        pieces = [raw] if raw.islower() else _GLUED.split(raw)
        words += pieces
        glued += [False] + [True] * (len(pieces) - 1)
    # the headline's subject: its first capitalised word that is not a function word
    at = next((i for i, w in enumerate(words[:hi]) if _capitalised(w, stopwords)), hi)
    subject = _bare(words[at]) if at < hi else None
    for k in range(1, min(hi, len(words) - 1) + 1):
        if _CLAUSE_MARK.search(words[k - 1]):
            return False  # a clause ended: prose, or a headline followed by its stop
        if k < lo or not _capitalised(words[k], stopwords) and not glued[k]:
            continue
        again = k > at and _bare(words[k]) == subject
        if words[k - 1].lower() in stopwords or not (glued[k] or again):
            continue
        head = _content(words[:k], stopwords)
        blurb = words[k : k + BLURB_WORDS]
        restated = head & _content(blurb, stopwords)
        if len(restated) >= RESTATED_WORDS and len(restated) >= RESTATED_SHARE * len(head):
            # ... and not only a name said again ("the new MacBook Pro ... the old MacBook
            # Pro"): the blurb says some of it in lower case (or as a figure), as a story does.
            plain = [w for w in blurb if not w[:1].isupper()]
            if restated & _content(plain, stopwords):
                return True
    return False


def _may_run_into_blurb(text: str) -> bool:
    """The cheap half of headline_run_into_blurb, which most text fails: before the first
    clause mark, a word glued to the next or a capitalised word said twice."""
    zone = text[:_HEADLINE_CHARS]
    for mark in _CLAUSE_CHAR.finditer(zone):
        i = mark.start()
        if not (zone[i] in ".,:" and zone[i - 1 : i].isdigit() and zone[i + 1 : i + 2].isdigit()):
            zone = zone[:i]  # (not a figure's "250,000" or "12.6")
            break
    if _GLUE_FAST.search(zone):
        return True
    seen = set()
    for word in _CAPITALISED.findall(zone):
        if word in seen:
            return True
        seen.add(word)
    return False


def _capitalised(word: str, stopwords: frozenset[str]) -> bool:
    return word[:1].isupper() and word.lower() not in stopwords


def _bare(word: str) -> str:
    return _POSSESSIVE.sub("", word.strip(".,;:!?\"'“”‘’()"))


def _content(words: list[str], stopwords: frozenset[str]) -> set[str]:
    found = (_POSSESSIVE.sub("", w) for w in cues.words(" ".join(words).lower()))
    return {_singular(w) for w in found if w not in stopwords}


def _singular(word: str) -> str:
    """ "travelers" and "traveler" as one word (a blurb restates a headline in its own words)."""
    return word[:-1] if len(word) > 3 and word[-1] == "s" and word[-2] != "s" else word
