"""Our `default` extractive scorer for news: lead prior + centrality + title, then MMR.

score(i) = (exp(-pos(i) / TAU) + W_CEN * centrality(i) + W_TITLE * title_sim(i)) * length(i)

* pos(i): index of sentence i among the *eligible* sentences (>= MIN_WORDS words), so bylines,
  "PUBLISHED: 12:00" stamps and other short fragments before the lead neither get picked nor push
  the real lead down the prior.
* centrality(i): sum of similarities to every other sentence, scaled so the most central
  sentence has 1. The similarity is Reduction's (sumy's best method on BBC): shared term counts
  tf_i . tf_j over (log|i| + log|j|), i.e. a dot product that grows with sentence length (it
  favours informative sentences) but is damped by the log of their lengths.
* title_sim(i): tf-idf cosine with the title when one is given (0 otherwise).
* length(i): min(1, LONG_WORDS / words(i)): ROUGE F1 punishes very long sentences, and the longest
  "sentences" in scraped news are usually image captions run together by the page layout.
* Selection: MMR (score minus MMR * the largest cosine with an already ranked sentence), then
  `digest.select.pick` for article order, near-duplicates and dangling openers.

All maths is vectorised over a per-article vocabulary: scipy.sparse for the term matrices (see
`score` for why not dense numpy), small dense n x n arrays after that. No per-pair Python loops.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from scipy import sparse

from digest.select import content_words, is_dangling, pick

# Constants, all chosen on the dev files (cnndm_dev k=3, every 6th bbc_dev row k=5) from small
# grids, preferring round values on the flat part of the curve; see the commit message of the
# tuning commit and the README of benchmarks for the numbers.
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
# W_TITLE: title cosine is in [0, 1] like the others; equal weight to the prior. BBC +1 ROUGE-1
# at 1.0, flat from 1 to 2, slightly worse at 4. (cnndm_dev has no titles.)
W_TITLE = 1.0
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

_WORD = re.compile(r"[^\W_]+")
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
_stems: dict[str, str] = {}


def _stem(w: str) -> str:
    """Fold plurals ("profits" -> "profit"); cached, as news vocabulary repeats across articles.

    A full stemmer (Snowball) costs ~10 us a word uncached; plural folding gives most of the
    benefit for matching terms between sentences at a fraction of the cost.
    """
    s = _stems.get(w)
    if s is None:
        s = w
        if len(w) > 4 and w.endswith("ies"):
            s = w[:-3] + "y"
        elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
            s = w[:-1]
        if len(_stems) < 500_000:  # bound memory on endless streams
            _stems[w] = s
    return s


def score(sentences: Sequence[str], title: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return (scores, cosine similarity matrix); ineligible sentences score -inf."""
    n = len(sentences)
    toks = [_WORD.findall(s.lower()) for s in sentences]
    nwords = np.fromiter((len(t) for t in toks), float, n)
    vocab: dict[str, int] = {}
    flat: list[int] = []
    for i, t in enumerate(toks):
        for w in t:
            if w not in _STOP:
                flat.append(i)
                flat.append(vocab.setdefault(_stem(w), len(vocab)))
    v = max(len(vocab), 1)
    pairs = np.asarray(flat, dtype=np.int64).reshape(-1, 2)
    # Sparse products, not dense `@`: numpy's dense matmul goes to multi-threaded OpenBLAS,
    # which on these tiny matrices spends 10-20x the work on thread hand-offs whenever the
    # other cores are busy (measured: 40-sentence article 1.7 ms alone, 30 ms under load).
    tf = sparse.csr_matrix(
        (np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, v)
    )  # duplicates are summed: term counts
    tf.sum_duplicates()

    # Reduction-style centrality: shared term counts damped by log sentence lengths.
    loglen = np.log(np.maximum(np.asarray(tf.sum(1)).ravel(), 1.0))
    den = loglen[:, None] + loglen[None, :]
    cen_sim = (tf @ tf.T).toarray() / np.where(den > 0, den, 1.0)
    np.fill_diagonal(cen_sim, 0.0)
    cen = cen_sim.sum(1)
    if cen.max() > 0:
        cen /= cen.max()

    # tf-idf cosine, for the title and for MMR (a length-independent notion of "same content").
    df = np.bincount(tf.indices, minlength=v)
    idf = np.log((n + 1.0) / (df + 1.0)) + 1.0
    x = tf.copy()
    x.data = np.log1p(x.data) * idf[x.indices]
    norm = np.sqrt(np.asarray(x.multiply(x).sum(1)).ravel())
    x = sparse.diags(1.0 / np.where(norm > 0, norm, 1.0)) @ x
    sim = (x @ x.T).toarray()
    np.fill_diagonal(sim, 0.0)

    eligible = nwords >= MIN_WORDS
    pos = np.maximum(np.cumsum(eligible) - 1.0, 0.0)
    base = np.exp(-pos / TAU) + W_CEN * cen
    if title:
        tvec = np.zeros(v)
        for w in _WORD.findall(title.lower()):
            j = vocab.get(_stem(w)) if w not in _STOP else None
            if j is not None:
                tvec[j] = idf[j]
        tn = np.linalg.norm(tvec)
        if tn > 0:
            base = base + W_TITLE * x.dot(tvec) / tn
    sc = base * np.minimum(1.0, LONG_WORDS / np.maximum(nwords, 1.0))
    sc[~eligible] = -np.inf
    return sc, sim


def rank_summary(sentences: Sequence[str], k: int, title: str | None = None) -> list[int]:
    """Indices of the chosen sentences, in article order."""
    n = len(sentences)
    if n == 0 or k <= 0:
        return []
    sc, sim = score(sentences, title)
    # MMR re-ranking of the top candidates; 3k of them leave room for the ones `pick` rejects.
    order: list[int] = []
    closest = np.zeros(n)
    live = np.isfinite(sc)
    while live.any() and len(order) < 3 * k:
        i = int(np.argmax(np.where(live, sc - MMR * closest, -np.inf)))
        order.append(i)
        live[i] = False
        np.maximum(closest, sim[i], out=closest)
    ranked = set(order)
    order += [int(i) for i in np.argsort(-sc, kind="stable") if i not in ranked]
    words = [content_words(s) for s in sentences]
    dangling = [is_dangling(s) for s in sentences]
    return pick(sentences, order, k, words=words, dangling=dangling)
