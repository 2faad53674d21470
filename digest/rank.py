"""Our `default` extractive scorer for news: lead prior + centrality + title, then MMR.

score(i) = (exp(-pos(i) / TAU) + W_CEN * centrality(i) + W_TITLE * title_sim(i)
            + W_FIGURES * figures(i)) * length(i)

* pos(i): index of sentence i among the *eligible* sentences (>= MIN_WORDS words), so bylines,
  "PUBLISHED: 12:00" stamps and other short fragments before the lead neither get picked nor push
  the real lead down the prior.
* centrality(i): sum of similarities to every other sentence, scaled so the most central
  sentence has 1. The similarity is Reduction's (sumy's best method on BBC): shared term counts
  tf_i . tf_j over (log|i| + log|j|), i.e. a dot product that grows with sentence length (it
  favours informative sentences) but is damped by the log of their lengths.
* title_sim(i): tf-idf cosine with the title when one is given (0 otherwise).
* figures(i): min(number of figures in the sentence, 3) / 3. A figure is a run of digits ("14",
  "£2,100", "13%", "2015"): news summaries state the facts a story turns on (an age, a count, a
  sum, a date), and sentences that carry them are more often worth a brief than the scene-setting
  around them.
* length(i): min(1, LONG_WORDS / words(i)): ROUGE F1 punishes very long sentences, and the longest
  "sentences" in scraped news are usually image captions run together by the page layout.
* Selection: MMR (score minus MMR * the largest cosine with an already ranked sentence), then
  `digest.select.pick` for article order, near-duplicates and dangling openers.

All maths is vectorised over a per-article vocabulary: one tokenising pass, the term counts as a
(sentence, term, count) list from np.unique, and n x n products over only the terms that two or
more sentences share: np.einsum on a dense matrix for typical articles, a sparse product (summed
per shared term with np.bincount) for long ones (see `_gram` for the measurements, and why never
BLAS). No per-pair loops.

Why one fixed blend and not a per-document switch (measured on the dev files, see the summary
benchmarks): which sentences BBC News Summary's extractive references contain is predicted far
better by Reduction's centrality than by anything else we tried (ROC AUC 0.86, against 0.60 for
length, 0.58 for position, 0.66 for the title cosine), so BBC rewards pure centrality (71.4 ROUGE-1;
title and position only lose) while CNN/DM's highlights reward the lead (pure centrality 31.9 vs
41.7 for this blend). Blending trades one for the other; forward-weighted (PacSum-style) centrality,
lengths relative to the article's median, penalties for quotes and questions and a centrality weight
growing with k/n did not move the frontier (tf-idf cosine centrality at 0.8 instead of Reduction's
at 0.5 gave CNN/DM 41.54, BBC 63.69: a small BBC gain, with CNN/DM odd rows 0.2 lower, not taken),
and within each set the articles where the brief covers a larger share of the article do not prefer
centrality more, so a k/n switch would only recognise the dataset. Per article, Reduction beats the
lead on 17% of cnndm_dev and 88% of bbc_dev, and within each set no property of the text predicts
which (benchmarks/summary_regimes.py: Spearman |rho| <= 0.24 for sentence count, words per sentence,
k/n, paragraphs, quotes, how central the lead is, none with one sign in both sets). A switch on "has
a headline" would also only recognise the dataset (cnndm_dev has none), and in use every article has
one, so it would hand every real story to the BBC-style ranking.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from digest.select import pick, pick_by_doubt

# Constants, all chosen on the dev files (cnndm_dev k=3, every 6th bbc_dev row k=5) from small
# grids, preferring round values on the flat part of the curve; see the commit message of the
# tuning commit and the README of benchmarks for the numbers. Re-checked on the blingfire splitter:
# a 54-point grid (TAU 2/3/4 x W_CEN .3/.5/.8 x LONG_WORDS 28/35/45 x MIN_WORDS 6/8) tuned on the
# even cnndm_dev rows did not generalise to the odd rows (best on even: odd R-1 42.51; these
# values: 42.50), so the values stay as they were.
#
# TAU: decay of the lead prior, in sentences. exp(-pos/3): the 4th sentence gets 0.37 of the
# first's prior and the 10th 0.05. CNN/DM highlights come mostly from the first ~5 sentences;
# 1 (lead-only) and 2 lost ~0.3 ROUGE-1 on CNN/DM, a slower decay hurt CNN/DM more than it helped
# BBC.
TAU = 3.0
# W_CEN: weight of centrality (in [0, 1]) against the prior (in (0, 1]). 0.5 means a sentence
# must be clearly more central to beat an earlier one. It is the main CNN-vs-BBC trade-off:
# 0.3 -> CNN/DM R-1 +0.5 / BBC -1.5, 1.0 -> CNN/DM -0.9 / BBC +3, 2.0 -> CNN/DM -3 / BBC +6.
W_CEN = 0.5
# W_TITLE: title cosine is in [0, 1] like the others; twice the prior's weight at the lead.
# bbc_dev R-1 62.12 at 1.0, 62.41 at 1.5, 62.46 at 2, 62.49 at 2.5, 62.32 at 3 (at 2: +0.37 on
# the even rows, +0.30 on the odd), so 2, the round value on the flat part. On whole-page text,
# where the page's own lines above or inside the article compete for the lead prior, the title
# is what the article is about: brief precision on the extract/ dumps .978 at 1.0, .981 at 1.5
# and 2, .978 at 2.5 (held out: extract_readability/ dumps .989 -> .992, its HTML .985 -> .989
# at 2). cnndm_dev has no titles.
W_TITLE = 2.0
# W_FIGURES: weight of the figures bonus (in [0, 1]). Flat from 0.2 to 0.4 on both dev sets
# (cnndm_dev R-1 41.51 -> 41.66-41.67, bbc_dev 62.04 -> 62.16-62.21, with gains on the even and
# the odd cnndm rows alike), so the middle; from 0.5 it starts to prefer number-heavy lines
# (scores, tables) and loses on both, ~0.1 R-1 per 0.1 of weight.
W_FIGURES = 0.3
# At most this many figures count: a results table or a list of scores is not 5x as newsworthy.
_FIGURES_CAP = 3.0
# LONG_WORDS: sentences longer than this many words are scaled down by LONG_WORDS / words. CNN/DM
# lead sentences have a median of 28 words (75th percentile 36); 35 gained ~0.5 ROUGE-1 on CNN/DM
# over no penalty and cost BBC ~0.5; 28 was no better on CNN/DM.
LONG_WORDS = 35.0
# MIN_WORDS: shorter "sentences" are bylines, datelines, captions or splitter fragments; they
# are only used when nothing else is left.
MIN_WORDS = 6
# MMR: redundancy penalty (cosine similarity to the closest already-ranked sentence). 0.3 vs 0
# was +0.1-0.2 ROUGE-1 on both sets: a small effect, kept because brief readers hate repeats.
MMR = 0.3

# Above this many multiply-adds (n * n * shared terms), `_gram` switches from a dense einsum to
# a sparse product: where their measured costs cross (einsum ~0.5 ns per multiply-add, a sparse
# product ~0.25 ms to set up), about 60 sentences of news. (Measured with scipy.sparse, which the
# numpy product below replaced at the same speed; benchmarks/summary_speed.py, table 3.)
_DENSE_MAX_WORK = 500_000
# The sparse product lays out this many pairs of entries at most at a time (a term in more
# sentences than its square root is one batch of its own): about 80 bytes of index arrays a
# pair, so some 8 MB, where laying out a 17,000-word article's pairs at once took 90 MB.
_PAIRS_PER_BATCH = 100_000
# Long articles' n x n divisions go this many rows at a time, not through a second n x n array.
_ROWS_PER_BLOCK = 256

_WORD = re.compile(r"[^\W_]+")
_FIGURE = re.compile(r"\d[\d,.:]*")
# Function words plus reporting verbs ("said", "says") and honorifics, which news repeats in
# every sentence and which would otherwise dominate the shared-term counts.
_STOP = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its itself
    just me more most my myself no nor not now of off on once only or other our ours ourselves out
    over own same she should so some such than that the their theirs them themselves then there
    these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours yourself yourselves s t also said says say
    one mr mrs ms""".split()
)
_terms_cache: dict[str, str] = {}


def _term(w: str) -> str:
    """The index term of a lowercase word: "" for a stop word, else its plural folded.

    ("profits" -> "profit"). Cached, as news vocabulary repeats across articles. A full stemmer
    (Snowball) costs ~10 us a word uncached; plural folding gives most of the benefit for
    matching terms between sentences at a fraction of the cost.
    """
    t = _terms_cache.get(w)
    if t is None:
        t = w
        if w in _STOP:
            t = ""
        elif len(w) > 4 and w.endswith("ies"):
            t = w[:-3] + "y"
        elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
            t = w[:-1]
        if len(_terms_cache) < 500_000:  # bound memory on endless streams
            _terms_cache[w] = t
    return t


def _terms(
    sentences: Sequence[str],
) -> tuple[np.ndarray, np.ndarray, list[int], list[int], dict[str, int]]:
    """Word and figure counts, and (sentence, term id) per content-word occurrence, in one pass."""
    nwords = np.empty(len(sentences))
    nfigures = np.empty(len(sentences))
    sids: list[int] = []
    tids: list[int] = []
    vocab: dict[str, int] = {}
    for i, s in enumerate(sentences):
        words = _WORD.findall(s.lower())
        nwords[i] = len(words)
        nfigures[i] = len(_FIGURE.findall(s))
        for w in words:
            t = _term(w)
            if t:
                j = vocab.get(t)
                if j is None:
                    j = vocab[t] = len(vocab)
                sids.append(i)
                tids.append(j)
    return nwords, nfigures, sids, tids, vocab


def _gram(
    rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n: int, keep: np.ndarray
) -> np.ndarray:
    """rows x rows products of the sparse matrix (rows, cols, vals), diagonal zeroed.

    Only terms in `keep` (those in two or more sentences) can link two sentences, so the matrix
    has a column per shared term only (a third of the vocabulary in news). Never the float `@`:
    it goes to multi-threaded OpenBLAS, which spends far more on thread hand-offs than on the
    arithmetic whenever the other cores are busy (measured, 160 sentences: 10.5 ms CPU against
    1.1 for a sparse product). Typical articles use np.einsum on a dense matrix, whose own C loop
    stays on one thread (30 sentences: 0.02 ms against 0.25 for building a scipy.sparse product);
    long ones a sparse product, whose cost grows with the pairs of sentences sharing a term
    rather than n^2. That product is `_sparse_gram`, in numpy: scipy.sparse did the same sums,
    and scipy (113 MB) was a direct dependency for this one product.
    """
    k = int(keep.sum())
    sel = keep[cols]
    r, c, x = rows[sel], (np.cumsum(keep) - 1)[cols[sel]], vals[sel]
    if n * n * k <= _DENSE_MAX_WORK:
        m = np.zeros((n, k))
        m[r, c] = x
        g = np.einsum("ik,jk->ij", m, m)
    else:
        g = _sparse_gram(r, c, x, n)
    np.fill_diagonal(g, 0.0)
    return g


def _sparse_gram(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n: int) -> np.ndarray:
    """M @ M.T for the sparse matrix M given as (row, col, value) entries, as a dense n x n array.

    Every term contributes vals[a] * vals[b] to g[rows[a], rows[b]] for each pair (a, b) of its
    entries: the pairs are laid out group by group (entries sorted by term) with np.repeat, and
    summed into g with np.bincount, a batch of terms at a time (`_PAIRS_PER_BATCH`).
    """
    order = np.argsort(cols, kind="stable")
    rows, cols, vals = rows[order], cols[order], vals[order]
    starts = np.flatnonzero(np.r_[True, cols[1:] != cols[:-1]])
    sizes = np.diff(np.r_[starts, len(cols)])
    ends = np.cumsum(sizes * sizes)  # pairs laid out up to the end of each term
    g = np.zeros(n * n)
    lo = 0
    while lo < len(starts):
        done = ends[lo - 1] if lo else 0
        hi = max(lo + 1, int(np.searchsorted(ends, done + _PAIRS_PER_BATCH, side="right")))
        a = starts[lo]
        b = starts[hi] if hi < len(starts) else len(cols)
        _add_pair_sums(g, rows[a:b], vals[a:b], starts[lo:hi] - a, sizes[lo:hi], n)
        lo = hi
    return g.reshape(n, n)


def _add_pair_sums(
    g: np.ndarray, rows: np.ndarray, vals: np.ndarray, starts: np.ndarray, sizes: np.ndarray, n: int
) -> None:
    """Add vals[a] * vals[b] over the pairs of entries of each term into the flat n x n `g`."""
    # Entry a pairs with every entry of its term's group: repeat a once per group member.
    per_entry = np.repeat(sizes, sizes)
    first = np.repeat(starts, sizes)
    left = np.repeat(np.arange(len(rows)), per_entry)
    offset = np.arange(len(left)) - np.repeat(np.cumsum(per_entry) - per_entry, per_entry)
    right = np.repeat(first, per_entry) + offset
    flat = rows[left] * n + rows[right]
    weights = vals[left] * vals[right]
    if len(flat) * 8 < n * n:
        # Far fewer pairs than cells (a long article): summed per distinct cell, as a bincount
        # over every cell would be another n x n array (30 MB at 2,000 sentences).
        cells, which = np.unique(flat, return_inverse=True)
        g[cells] += np.bincount(which, weights=weights)
    else:
        g += np.bincount(flat, weights=weights, minlength=n * n)


def score(
    sentences: Sequence[str], title: str | None = None, preferred: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Return (scores, cosine similarity matrix); ineligible sentences score -inf. With a
    `preferred` mask (the sentences the cleaner is sure are the article's), the lead prior
    counts positions among those only: page text kept for reading above the article does not
    push its lead down."""
    n = len(sentences)
    nwords, nfigures, sids, tids, vocab = _terms(sentences)
    v = max(len(vocab), 1)
    # Term counts as a sparse (row, col, count) list: unique (sentence, term) codes.
    codes, counts = np.unique(
        np.asarray(sids, dtype=np.int64) * v + np.asarray(tids, dtype=np.int64),
        return_counts=True,
    )
    rows, cols = codes // v, codes % v
    tf = counts.astype(float)
    df = np.bincount(cols, minlength=v)
    shared = df >= 2

    # Reduction-style centrality: shared term counts damped by log sentence lengths.
    # In place, and the n x n products one at a time: a long article (2,000 sentences) has
    # 30 MB matrices, and temporaries of each took a worker's memory past 100 MB.
    loglen = np.log(np.maximum(np.bincount(rows, weights=tf, minlength=n), 1.0))
    overlap = _gram(rows, cols, tf, n, shared)
    for lo in range(0, n, _ROWS_PER_BLOCK):
        den = loglen[lo : lo + _ROWS_PER_BLOCK, None] + loglen[None, :]
        den[den <= 0] = 1.0
        overlap[lo : lo + _ROWS_PER_BLOCK] /= den
    cen = overlap.sum(1)
    del overlap
    if cen.max() > 0:
        cen /= cen.max()

    # tf-idf cosine, for the title and for MMR (a length-independent notion of "same content").
    idf = np.log((n + 1.0) / (df + 1.0)) + 1.0
    w = np.log1p(tf) * idf[cols]
    norm = np.sqrt(np.bincount(rows, weights=w * w, minlength=n))
    w /= np.where(norm > 0, norm, 1.0)[rows]
    sim = _gram(rows, cols, w, n, shared)

    eligible = nwords >= MIN_WORDS
    leading = eligible if preferred is None else eligible & preferred
    pos = np.maximum(np.cumsum(leading) - 1.0, 0.0)
    figures = np.minimum(nfigures, _FIGURES_CAP) / _FIGURES_CAP
    base = np.exp(-pos / TAU) + W_CEN * cen + W_FIGURES * figures
    if title:
        tvec = np.zeros(v)
        for t in filter(None, map(_term, _WORD.findall(title.lower()))):
            j = vocab.get(t)
            if j is not None:
                tvec[j] = idf[j]
        tn = np.linalg.norm(tvec)
        if tn > 0:
            base = base + W_TITLE * np.bincount(rows, weights=w * tvec[cols], minlength=n) / tn
    sc = base * np.minimum(1.0, LONG_WORDS / np.maximum(nwords, 1.0))
    sc[~eligible] = -np.inf
    return sc, sim


def rank_summary(
    sentences: Sequence[str],
    k: int,
    title: str | None = None,
    doubt: Sequence[int] | None = None,
) -> list[int]:
    """Indices of the chosen sentences, in article order. With `doubt` (0: the cleaner is sure
    the sentence is the article's), doubted ones are chosen only when no surer one is usable
    (`digest.select.pick_by_doubt`)."""
    n = len(sentences)
    if n == 0 or k <= 0:
        return []
    mask = None if doubt is None else np.asarray(doubt) == 0
    sc, sim = score(sentences, title, mask)
    # MMR re-ranking of the top candidates; 3k of them leave room for the ones `pick` rejects.
    order: list[int] = []
    closest = np.zeros(n)
    live = np.isfinite(sc) if mask is None else np.isfinite(sc) & mask
    while live.any() and len(order) < 3 * k:
        i = int(np.argmax(np.where(live, sc - MMR * closest, -np.inf)))
        order.append(i)
        live[i] = False
        np.maximum(closest, sim[i], out=closest)
    ranked = set(order)
    order += [int(i) for i in np.argsort(-sc, kind="stable") if i not in ranked]
    if doubt is not None:
        return pick_by_doubt(sentences, order, k, doubt)
    return pick(sentences, order, k)
