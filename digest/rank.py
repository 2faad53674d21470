"""Our `default` extractive scorer for news: position-aware directed centrality (PacSum-like).

Placeholder constants; tuned in a later commit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from digest.select import content_words, is_dangling, pick

_WORD = re.compile(r"[^\W_]+")
_STOP = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its itself
    just me more most my myself no nor not now of off on once only or other our ours ourselves out
    over own same she should so some such than that the their theirs them themselves then there
    these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours yourself yourselves s t also said says say
    would could one two new like mr mrs ms get got""".split()
)
_QUOTES = "\"“”‘'"


@dataclass(frozen=True)
class Params:
    tau: float = 3.0
    back: float = 0.0
    w_cen: float = 1.0
    w_title: float = 1.0
    min_words: int = 6
    short_words: float = 12.0
    long_words: float = 40.0
    quote: float = 0.7
    mmr: float = 0.3


DEFAULT = Params()
_stems: dict[str, str] = {}


def _stem(w: str) -> str:
    s = _stems.get(w)
    if s is None:
        s = w
        if len(w) > 4 and w.endswith("ies"):
            s = w[:-3] + "y"
        elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
            s = w[:-1]
        _stems[w] = s
    return s


def _terms(text: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP]


def score(sentences: Sequence[str], title: str | None = None, p: Params = DEFAULT):
    """Return (scores, sim) for the sentences; ineligible sentences score -inf."""
    n = len(sentences)
    toks = [_WORD.findall(s.lower()) for s in sentences]
    nwords = np.fromiter((len(t) for t in toks), float, n)
    vocab: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for i, t in enumerate(toks):
        for w in t:
            if w in _STOP:
                continue
            j = vocab.setdefault(_stem(w), len(vocab))
            rows.append(i)
            cols.append(j)
    v = max(len(vocab), 1)
    tf = np.bincount(np.asarray(rows, dtype=np.int64) * v + np.asarray(cols, dtype=np.int64),
                     minlength=n * v).reshape(n, v).astype(float)
    df = (tf > 0).sum(0)
    idf = np.log((n + 1.0) / (df + 1.0)) + 1.0
    x = np.log1p(tf) * idf
    norm = np.linalg.norm(x, axis=1, keepdims=True)
    x /= np.where(norm > 0, norm, 1.0)
    sim = x @ x.T
    np.fill_diagonal(sim, 0.0)

    eligible = nwords >= p.min_words
    pos = np.cumsum(eligible) - 1.0
    prior = 1.0 / (1.0 + pos / p.tau)
    upper = np.triu(sim, 1).sum(1)  # similarity to later sentences
    lower = np.tril(sim, -1).sum(1)
    cen = upper + p.back * lower
    cen = cen / cen.max() if cen.max() > 0 else cen
    base = prior + p.w_cen * cen
    if title:
        tvec = np.zeros(v)
        for w in _terms(title):
            j = vocab.get(w)
            if j is not None:
                tvec[j] = 1.0
        tn = np.linalg.norm(tvec)
        if tn > 0:
            base = base + p.w_title * (x @ (tvec * idf)) / np.linalg.norm(tvec * idf)
    length = np.minimum(1.0, nwords / p.short_words) * np.minimum(1.0, p.long_words / np.maximum(nwords, 1))
    quoted = np.fromiter((s.lstrip()[:1] in _QUOTES or "“" in s or '"' in s for s in sentences), bool, n)
    sc = base * length * np.where(quoted, p.quote, 1.0)
    sc[~eligible] = -np.inf
    return sc, sim


def rank_summary(sentences: Sequence[str], k: int, title: str | None = None,
                 p: Params = DEFAULT) -> list[int]:
    """Indices of the chosen sentences, in article order."""
    if not sentences or k <= 0:
        return []
    sc, sim = score(sentences, title, p)
    words = [content_words(s) for s in sentences]
    dangling = [is_dangling(s) for s in sentences]
    # MMR: greedily re-rank by score minus redundancy with what is already ranked above.
    order: list[int] = []
    red = np.zeros(len(sentences))
    left = np.isfinite(sc)
    adj = sc.copy()
    while left.any() and len(order) < 3 * k:
        cand = np.where(left, adj - p.mmr * red, -np.inf)
        i = int(np.argmax(cand))
        order.append(i)
        left[i] = False
        red = np.maximum(red, sim[i])
    rest = [i for i in np.argsort(-sc, kind="stable") if i not in set(order)]
    return pick(sentences, order + rest, k, words=words, dangling=dangling)
