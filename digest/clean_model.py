"""The paragraph classifier of digest.clean: shallow text features and a logistic regression.

The boilerpipe approach (Kohlschütter et al., 2010) for text without markup: each paragraph is
described by a few numbers a reader would also go by (how many words, how many function words,
whether it ends like a sentence, calls-to-action words, where it sits and what its neighbours
look like), and a logistic regression fitted offline weighs them. The weights are in
digest/clean_weights.py, written by benchmarks/train_cleaner.py from the dev whole-page dumps
(paragraphs labelled by matching the human gold body) AND clean articles (every paragraph
kept), so losing article text costs as much in training as keeping boilerplate.

Two stages, both plain dot products: stage 1 scores each paragraph on its own features and its
neighbours'; stage 2 adds how its neighbours scored in stage 1 (the "neighbours' labels"), since
a short line among body paragraphs is the body's, and one among menus is the menu's.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from operator import itemgetter
from typing import Protocol

from digest import boilerplate_cues as cues

# Longer paragraphs than this many words count as this many: past it every paragraph is prose
# by length, and the log keeps one 2,000-word paragraph from outweighing everything else.
WORDS_CAP = 200
# Cue patterns (calls to action, datelines, credits) are looked for in paragraphs up to this
# many words (the rules' longest call to action is 45 words; a promo box 90).
CUE_MAX_WORDS = 60
# Sentence-final punctuation, Latin and CJK, then closing quotes or brackets.
SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’»)\]]*$")
_DIGIT = re.compile(r"\d")
NEIGHBOURS = 2
SHORT_WORDS = 4  # a menu item, button or label
# In the main-body sum a paragraph weighs at least this many words: a page's one-word menu
# items are few words each but many, and must still count against a region.
BODY_MIN_WORDS = 10  # paragraphs on each side whose stage-1 scores inform stage 2


@dataclass(frozen=True)
class Shape:
    """What the features need of one paragraph; digest.clean fills it."""

    words: int  # word count
    stop_share: float  # share of the page language's stopwords
    ends_sentence: bool
    cue_hits: int  # boilerplate_cues.CUE matches (share, follow, subscribe, related, ...)
    capitalised: int  # words starting with a capital letter
    digits: int  # words that are or contain digits
    commas: int
    bullet: bool  # starts with a list marker
    had_url: bool  # a bare URL or e-mail address was removed from it
    repeated: bool  # the same words occur as another paragraph of the page
    reader_voice: bool  # addresses the reader or speaks as the site ("your inbox", "our site")
    dateline: bool  # a byline opener ("By", "Published") or a date/time
    credit: bool  # a photo credit or caption cue ("Photo:", "FILE PHOTO", "/ Reuters", "©")


def _own(s: Shape) -> list[float]:
    n = max(s.words, 1)
    return [
        math.log1p(min(s.words, WORDS_CAP)),
        s.stop_share,
        float(s.ends_sentence),
        min(s.cue_hits / n, 1.0),
        s.capitalised / n,
        s.digits / n,
        min(s.commas / n, 1.0),
        float(s.bullet),
        float(s.had_url),
        float(s.repeated),
        float(s.reader_voice),
        float(s.dateline),
        float(s.credit),
    ]


OWN = (
    "words",
    "stopwords",
    "final stop",
    "cue words",
    "capitals",
    "digits",
    "commas",
    "list bullet",
    "bare URL",
    "repeated",
    "reader voice",
    "dateline",
    "credit",
)
# What a neighbour contributes: its length, function words and sentence shape.
NEIGHBOUR = ("words", "stopwords", "final stop")
STAGE1 = (
    *OWN,
    *(f"prev {n}" for n in NEIGHBOUR),
    *(f"next {n}" for n in NEIGHBOUR),
    "position",
    "page prose share",
    "page short share",
    "unpunctuated x prose page",
)
STAGE2 = (*STAGE1, "neighbour score", "in main body")


def is_prose(s: Shape) -> bool:
    """A sentence or more of running text."""
    return s.words >= 10 and s.ends_sentence and s.stop_share >= 0.25


def stage1_features(shapes: Sequence[Shape]) -> list[list[float]]:
    own = [_own(s) for s in shapes]
    count = len(shapes)
    # An absent neighbour (start or end of the text) looks like a full sentence of prose: the
    # edges of a clean article are not evidence of a page around it.
    edge = [math.log1p(20), 0.4, 1.0]
    prose_share = sum(is_prose(s) for s in shapes) / count if count else 0.0
    # A page's menus and buttons are many lines of a few words; an article's headings are few.
    short_share = sum(s.words <= SHORT_WORDS for s in shapes) / count if count else 0.0
    rows = []
    for i, f in enumerate(own):
        prev = own[i - 1][:3] if i else edge
        nxt = own[i + 1][:3] if i + 1 < count else edge
        position = i / (count - 1) if count > 1 else 0.5
        # A heading or sign-off without a full stop is ordinary on a page of prose.
        lone = (1.0 - f[2]) * prose_share
        rows.append([*f, *prev, *nxt, position, prose_share, short_share, lone])
    return rows


@dataclass(frozen=True)
class Model:
    """A logistic regression: weights by feature name, an intercept, and the cut-off."""

    names: tuple[str, ...]
    weights: tuple[float, ...]
    intercept: float
    mean: tuple[float, ...]  # features are standardised with these before weighing
    scale: tuple[float, ...]

    @cached_property
    def _folded(self) -> tuple[tuple[float, ...], float]:
        """Weights on the raw features and the intercept with the standardisation folded in."""
        coef = tuple(w / s for w, s in zip(self.weights, self.scale, strict=True))
        return coef, self.intercept - sum(c * m for c, m in zip(coef, self.mean, strict=True))

    def logit(self, x: Sequence[float]) -> float:
        coef, bias = self._folded
        if len(x) != len(coef):
            raise ValueError(f"{len(x)} features for a model of {len(coef)}")
        return bias + sum(map(operator.mul, coef, x))  # the same sum, in the same order

    def contributions(self, x: Sequence[float]) -> list[tuple[str, float]]:
        """Each feature's part of the logit, largest effect first."""
        parts = [
            (name, w * (v - m) / s)
            for name, w, v, m, s in zip(
                self.names, self.weights, x, self.mean, self.scale, strict=True
            )
        ]
        return sorted(parts, key=lambda p: -abs(p[1]))


def sigmoid(z: float) -> float:
    if z < -30:
        return 0.0
    return 1.0 / (1.0 + math.exp(-z))


def stage2_features(
    stage1: list[list[float]], logits1: list[float], words: Sequence[int]
) -> list[list[float]]:
    """Stage-1 features plus the mean stage-1 probability of up to NEIGHBOURS paragraphs on
    each side (the text's edges count as body, as in stage 1) and whether the paragraph lies
    in the main body: the run of paragraphs with the highest sum of stage-1 evidence, each
    weighted by its length (a maximum-sum segment), which is how a page's menus, teasers and
    comments before and after the article fall outside it."""
    probs = [sigmoid(z) for z in logits1]
    count = len(probs)
    lo, hi = main_body(probs, words)
    rows = []
    for i, f in enumerate(stage1):
        around = [probs[j] if 0 <= j < count else 1.0 for j in range(i - NEIGHBOURS, i)]
        around += [probs[j] if j < count else 1.0 for j in range(i + 1, i + NEIGHBOURS + 1)]
        rows.append([*f, sum(around) / len(around), float(lo <= i <= hi)])
    return rows


def main_body(probs: Sequence[float], words: Sequence[int]) -> tuple[int, int]:
    """Kadane's maximum-sum segment over (probability - 1/2) x length: (first, last) index."""
    best, span = 0.0, (0, -1)
    run, start = 0.0, 0
    for i, (p, n) in enumerate(zip(probs, words, strict=True)):
        if run <= 0:
            run, start = 0.0, i
        run += (p - 0.5) * min(max(n, BODY_MIN_WORDS), WORDS_CAP)
        if run > best:
            best, span = run, (start, i)
    return span


@dataclass(frozen=True)
class Verdict:
    probability: float  # that the paragraph is article text
    features: list[float]


def classify(shapes: Sequence[Shape], stage1: Model, stage2: Model) -> list[Verdict]:
    x1 = stage1_features(shapes)
    z1 = [stage1.logit(x) for x in x1]
    x2 = stage2_features(x1, z1, [s.words for s in shapes])
    return [Verdict(sigmoid(stage2.logit(x)), x) for x in x2]


def why(model: Model, verdict: Verdict, *, top: int = 3) -> str:
    """'score 0.12: words -1.9, final stop -0.8, ...': the score and the features that moved it
    most, signed (positive: towards article text), measured from the average training paragraph
    (so "cue words +0.6" means fewer cue words than average)."""
    parts = ", ".join(
        f"{name} {value:+.1f}" for name, value in model.contributions(verdict.features)[:top]
    )
    return f"score {verdict.probability:.2f}: {parts}"


class Para(Protocol):
    """What shape_of needs of a paragraph: digest.clean's record, which computes each cue once
    and shares it with the rules (the pattern scans are most of the cleaning's cost)."""

    text: str
    had_url: bool

    @property
    def words(self) -> list[str]: ...

    @property
    def lower_words(self) -> list[str]: ...

    @property
    def cue_hits(self) -> int:
        """boilerplate_cues.CUE matches in the text."""
        ...

    @property
    def credit_cue(self) -> bool:
        """boilerplate_cues.CREDIT or AGENCY_TAIL matches."""
        ...

    @property
    def second_person(self) -> bool: ...

    @property
    def site_voice(self) -> bool: ...


def shape_of(
    p: Para, stopwords: frozenset[str], *, repeated: bool, stop_share: float | None = None
) -> Shape:
    """`stop_share`, when given, is the share of `stopwords` among the paragraph's words."""
    text, words = p.text, p.words
    if stop_share is None:
        stop_share = sum(map(stopwords.__contains__, p.lower_words)) / len(words) if words else 0.0
    tail = text[-cues.TAIL :]
    # The cue patterns look at short paragraphs only: furniture is short, and a long paragraph
    # is prose whatever it mentions ("Twitter", a date). This also bounds their cost.
    short = len(words) <= CUE_MAX_WORDS
    return Shape(
        words=len(words),
        stop_share=stop_share,
        ends_sentence=bool(SENTENCE_END.search(tail)),
        cue_hits=p.cue_hits if short else 0,
        capitalised=sum(map(str.isupper, map(itemgetter(0), words))),
        digits=len(words) - sum(map(str.isalpha, words)) if _DIGIT.search(text) else 0,
        commas=text.count(",") + text.count("，") + text.count("、"),
        bullet=bool(cues.BULLET.match(text)),
        had_url=p.had_url,
        repeated=repeated,
        dateline=bool(short and (cues.BYLINE.match(text) or cues.found(cues.DATE, text))),
        credit=short and p.credit_cue,
        reader_voice=bool(
            short and (p.second_person or p.site_voice or cues.CLICK_START.match(text))
        ),
    )
