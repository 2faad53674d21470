"""Layout cues for digest.clean: furniture recognised by where a paragraph sits, not its words.

Each rule looks at a paragraph's neighbours on the page, which is what survives of the HTML
layout in a whole-page text dump, so the rules hold in any language:

- teaser cards: a "you may also like" list is a row of one-paragraph blurbs, each fenced by the
  same share bar or date line; an article body is paragraphs that follow one another;
- captions before a source label: a chart or photo caption inside the body is one short
  sentence followed by the name of its source (two to four capitalised words, no stopword).

Constants were set by reading failures on the dev half of benchmarks/cleaning.py only.
"""

from __future__ import annotations

import logging
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
