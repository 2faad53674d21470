"""Turning sentence scores into a brief: the rules every method's output obeys.

Whatever ranks the sentences (our scorer in `digest.rank` or one of sumy's), a brief

* keeps article order,
* never repeats a sentence, nor a near-duplicate of one already chosen (DailyMail pages repeat
  the lead as an image caption, feeds repeat paragraphs), and
* never contains a dangling opener: a sentence that only makes sense after the one before it,
* and quotes a teaser (a headline run into its blurb: `digest.page_layout`) only when nothing
  else can be chosen: a page's "latest news" card reads as the article's text once flattened.
  The text's first sentence is exempt: an article's own heading over its lead has that shape.

The dangling rule (one rule, applied to every selected sentence, not just the first):
a sentence is *dangling* when its first word, after any opening quote marks or brackets,

* starts with a lowercase letter (a splitter fragment or a continuation: "which is ..."),
* is a connective that presupposes a previous clause ("But", "And", "However", "Also", ...), or
* is a personal or demonstrative pronoun ("He", "She", "It", "They", "This", "Those", ...),

and a dangling sentence may only be chosen when the sentence right before it in the article is
chosen too (so the pair reads as in the article). Checking only the immediately preceding
sentence is deliberately simple: it is where the antecedent usually is in news prose, and it
never needs coreference resolution. The first sentence of an article has no predecessor, so if
it is dangling it is never chosen.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache

from digest import boilerplate_cues as cues
from digest.page_layout import headline_run_into_blurb

# Connectives that open a sentence only when it continues the previous one. Subordinators such
# as "Although"/"When"/"If" are left out: "Although X, Y." is self-contained.
_CONNECTIVES = frozenset(
    "and but or nor so yet also however still instead then thus therefore hence moreover "
    "furthermore besides meanwhile nevertheless nonetheless otherwise plus indeed "
    "consequently which".split()
)
# Pronouns whose antecedent is in an earlier sentence. "There"/"Here" are excluded: "There were
# five survivors." stands alone. "It"/"This" are sometimes expletive; treating them as dangling
# costs little (another sentence is chosen) while a wrong "It" opener confuses the reader.
_PRONOUNS = frozenset(
    "he she it they him her them his hers its their theirs this that these those we us our "
    "such".split()
)
_FIRST_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_WORD = re.compile(r"[^\W_]+")
# Words too common to tell two sentences apart when checking near-duplicates.
_FUNCTION = frozenset(
    "a an the of to in on at for by with from and or but is are was were be been has have had "
    "it its that this as not s".split()
)

# Two sentences are near-duplicates when this share of the smaller one's content words is in
# the other (overlap coefficient). 0.8 catches a caption that repeats the lead with a few words
# changed, while two sentences about the same event typically share well under half their words.
NEAR_DUPLICATE = 0.8
# ... but only when the smaller sentence has at least this many content words: "He said." and
# "She said." are not duplicates worth suppressing by this rule (the dangling rule handles them).
_MIN_DUP_WORDS = 4


def is_dangling(sentence: str) -> bool:
    """True when the sentence cannot open a brief (or follow an unrelated sentence)."""
    m = _FIRST_WORD.search(sentence)
    if m is None:
        return True  # no word at all: punctuation or numbers only, not a sentence to show
    # Only quotes/brackets/dashes may precede the first word; "2 people died" is fine though.
    prefix = sentence[: m.start()]
    if any(ch.isalnum() for ch in prefix):
        return False
    word = m.group(0)
    if word[0].islower():
        return True
    w = word.lower().split("'")[0].split("’")[0]
    return w in _CONNECTIVES or w in _PRONOUNS


def content_words(sentence: str) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall(sentence.lower()) if w not in _FUNCTION)


def is_near_duplicate(a: frozenset[str], b: frozenset[str]) -> bool:
    small = min(len(a), len(b))
    if small < _MIN_DUP_WORDS:
        return a == b and small > 0
    return len(a & b) >= NEAR_DUPLICATE * small


def pick(
    sentences: Sequence[str],
    order: Sequence[int],
    k: int,
    *,
    words: Sequence[frozenset[str]] | None = None,
    dangling: Sequence[bool] | None = None,
) -> list[int]:
    """Choose up to k sentence indices following `order` (best first); return them sorted.

    A dangling sentence whose predecessor is not (yet) chosen is deferred, and the ranking is
    walked again after each pass, so it can still join once its predecessor has been chosen.
    Teasers are chosen only when nothing else can be.
    """
    teaser = _teaser_test(sentences)
    return _pick(sentences, order, k, words, dangling, teaser) or _pick(
        sentences, order, k, words, dangling, None
    )


def _teaser_test(sentences: Sequence[str]) -> Callable[[int], bool]:
    """Whether sentence i opens with a teaser's headline run into its blurb; asked of the few
    sentences a brief considers (it costs some microseconds a sentence), in the text's language."""

    @cache
    def stopwords() -> frozenset[str]:
        return cues.language_stopwords(map(cues.words, sentences))

    def test(i: int) -> bool:
        return i > 0 and headline_run_into_blurb(sentences[i], stopwords)

    return cache(test)


def _pick(
    sentences: Sequence[str],
    order: Sequence[int],
    k: int,
    words: Sequence[frozenset[str]] | None,
    dangling: Sequence[bool] | None,
    teaser: Callable[[int], bool] | None,
) -> list[int]:
    if k <= 0 or not sentences:
        return []
    # Computed on demand: the walk usually stops after a few more than k sentences, and these
    # per-sentence regex passes over a whole article cost more than the scoring itself.
    words_of = (
        words.__getitem__ if words is not None else cache(lambda i: content_words(sentences[i]))
    )
    dangles = (
        dangling.__getitem__ if dangling is not None else cache(lambda i: is_dangling(sentences[i]))
    )

    chosen: list[int] = []
    taken: set[int] = set()
    rejected: set[int] = set()
    changed = True
    while changed and len(chosen) < k:
        changed = False
        for i in order:
            if len(chosen) == k:
                break
            if i in taken or i in rejected:
                continue
            if any(is_near_duplicate(words_of(i), words_of(j)) for j in chosen):
                rejected.add(i)
                continue
            if dangles(i) and (i - 1) not in taken:
                continue  # deferred: may become valid once i-1 is chosen
            if teaser is not None and teaser(i):
                rejected.add(i)
                continue
            chosen.append(i)
            taken.add(i)
            changed = True
    return sorted(chosen)


def pick_by_doubt(
    sentences: Sequence[str], order: Sequence[int], k: int, doubt: Sequence[int]
) -> list[int]:
    """`pick` among the sentences the cleaner is sure are the article's (doubt 0); among those
    of doubt up to 1 only when none of them can be chosen, and so on: a page whose article the
    cleaner is unsure of is still briefed, from its likeliest text, and a brief is never
    padded with doubtful text."""
    levels = sorted(set(doubt))
    teaser = _teaser_test(sentences)
    for test in (teaser, None):  # teasers last of all
        for level in levels:
            chosen = _pick(sentences, [i for i in order if doubt[i] <= level], k, None, None, test)
            if chosen:
                return chosen
    return []
