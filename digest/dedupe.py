"""Near-duplicate stories (syndicated copies, one wire story in several papers) -> one brief.

Similarity is the Jaccard similarity of word 3-shingles, estimated with datasketch's MinHash and
found with its LSH index (so the cost stays linear in the number of articles). Copies of one
story share most of their 3-word runs even after a subeditor's changes to the first and last
paragraphs; two different stories share almost none, so the threshold is not delicate.

Two uses, one measure: `merge_duplicates` folds copies within one run; `find_repeats` leaves
out a story that a digest of the last REPEAT_WINDOW already carried (the state keeps each sent
article's signature, see state.py). An update with substantially new text stays below the
threshold and goes out again.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from digest.models import Article, Repeat, Sent

if TYPE_CHECKING:
    from datasketch import LeanMinHash, MinHash

logger = logging.getLogger(__name__)

THRESHOLD = 0.5  # estimated Jaccard similarity of 3-shingles above which two texts are one story
NUM_PERM = 128  # MinHash permutations: about +-0.04 error on the estimate, ample for 0.5
SEED = 1  # fixed: signatures stored in the state must stay comparable across runs
# How long a sent story keeps a later copy out. Wire copies and syndicated reprints come within a
# day or two, late feeds and weekly round-ups within the week; a week also covers a weekly digest
# schedule. Past it, the same text is more likely a new reason to read it than a repeat, and the
# state keeps only about a week of signatures (a daily digest of 50 stories: 350 rows, 525 bytes
# each).
REPEAT_WINDOW = timedelta(days=7)
_BYTE_ORDER = "<"  # stored signatures read the same on any machine
_WORD = re.compile(r"\w+")


def shingles(text: str, size: int = 3) -> set[str]:
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def signature(text: str) -> LeanMinHash | None:
    """The MinHash of a text's 3-shingles, or None for a text without words."""
    # Imported here, not at the top: datasketch takes half a second to import (scipy), which
    # commands that never compare texts (check-config, status) should not pay.
    from datasketch import LeanMinHash, MinHash

    grams = shingles(text)
    if not grams:
        return None
    # The permutations depend only on NUM_PERM and SEED: drawn once per process, not once per
    # article (drawing them was a fifth of the cost of a signature).
    first = _first_minhash()
    digest = MinHash(
        num_perm=NUM_PERM, seed=SEED, permutations=first.permutations, scheme=first.scheme
    )
    digest.update_batch([g.encode("utf-8") for g in grams])
    return LeanMinHash(digest)


@lru_cache(maxsize=1)
def _first_minhash() -> MinHash:
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=SEED)


def to_bytes(sig: LeanMinHash) -> bytes:
    """datasketch's own portable layout (seed, size, scheme, values): no pickle in the state."""
    buf = bytearray(sig.bytesize(byteorder=_BYTE_ORDER))
    sig.serialize(buf, byteorder=_BYTE_ORDER)
    return bytes(buf)


def from_bytes(blob: bytes) -> LeanMinHash:
    from datasketch import LeanMinHash

    return LeanMinHash.deserialize(blob, byteorder=_BYTE_ORDER)


def signatures(articles: Sequence[Article]) -> dict[str, LeanMinHash]:
    """Each article's signature by uid (a text without words has none). Made once per run:
    the same signature folds copies, finds repeats and is stored for later runs."""
    out = {}
    for article in articles:
        sig = signature(article.text)
        if sig is not None:
            out[article.uid] = sig
    return out


@dataclass(frozen=True)
class Folded:
    """Near-duplicates folded: one article per story, and the copies left out."""

    kept: list[Article]  # the first copy of each story, in the given (config) order
    also_in: dict[str, tuple[str, ...]]  # kept uid -> the other sources that carried it
    folded: list[Article]  # copies: seen, not shown (the caller records them)


def merge_duplicates(articles: Sequence[Article], sigs: Mapping[str, LeanMinHash]) -> Folded:
    """Keep the first article of each group of near-duplicates, in the given (config) order,
    with the other copies' sources in `also_in`. `sigs` are the articles' signatures
    (`signatures`). Done before summarising, so only stories that will be shown are summarised."""
    if len(articles) < 2:
        return Folded(list(articles), {}, [])
    signed = [i for i, article in enumerate(articles) if article.uid in sigs]

    # Union-find with the lowest index as the root, so the copy from the earliest source leads.
    root = list(range(len(articles)))

    def find(i: int) -> int:
        while root[i] != i:
            i = root[i]
        return i

    for i, j in similar_pairs([sigs[articles[i].uid] for i in signed]):
        a, b = sorted((find(signed[i]), find(signed[j])))
        root[b] = a

    # Each story's copies, gathered in one pass (a scan per kept article grew as N squared).
    copies_of: dict[int, list[Article]] = {}
    for j, article in enumerate(articles):
        if (r := find(j)) != j:
            copies_of.setdefault(r, []).append(article)

    result = Folded([], {}, [])
    for i, article in enumerate(articles):
        if find(i) != i:
            result.folded.append(article)
            continue
        result.kept.append(article)
        copies = copies_of.get(i, [])
        if copies:
            logger.info(
                "%r: %d near-identical %s folded in",
                article.title,
                len(copies),
                "copy" if len(copies) == 1 else "copies",
            )
            others = (c.source for c in copies if c.source != article.source)
            result.also_in[article.uid] = tuple(dict.fromkeys(others))
    return result


def similar_pairs(hashes: Sequence[LeanMinHash]) -> Iterator[tuple[int, int]]:
    """Index pairs (i, j) of the signatures whose estimated similarity is THRESHOLD or more.

    The candidates are datasketch's MinHashLSH candidates (signatures that agree on all the
    rows of one of its bands, with its number of bands for THRESHOLD and NUM_PERM), found by
    grouping each band's values with numpy rather than in its index, which keeps a set per
    band value: 7 KB an article, 74 MB for 10,000 stories, to answer one all-pairs question.
    As there, the estimate itself decides; a pair found in several bands may come out again.
    """
    if len(hashes) < 2:
        return
    import numpy as np
    from datasketch import MinHashLSH

    bands = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    values = np.stack([h.hashvalues for h in hashes])
    row = np.dtype((np.void, values.itemsize * bands.r))
    for band in range(bands.b):
        keys = np.ascontiguousarray(values[:, band * bands.r : (band + 1) * bands.r]).view(row)
        _, group, counts = np.unique(keys.ravel(), return_inverse=True, return_counts=True)
        shared = np.flatnonzero(counts[group] > 1)  # most stories share no band with another
        shared = shared[np.argsort(group[shared], kind="stable")]
        for members in np.split(shared, np.flatnonzero(np.diff(group[shared])) + 1):
            # One row at a time: a story with a thousand copies needs a thousand rows, not
            # a thousand squared at once.
            for k, i in enumerate(members[:-1]):
                later = members[k + 1 :]
                agree = np.count_nonzero(values[later] == values[i], axis=1) / values.shape[1]
                for j in later[agree >= THRESHOLD]:
                    yield int(i), int(j)


def find_repeats(
    articles: Sequence[Article], sigs: Mapping[str, LeanMinHash], sent: Sequence[Sent]
) -> tuple[list[Article], list[Repeat]]:
    """Split articles into those to publish and repeats of a story already sent.

    `sigs` are the articles' signatures (`signatures`); `sent` are the signatures of the
    window's digests (newest first). An article whose text is a near-duplicate of one of them
    is a repeat of the most similar one. The index is built per run over the window only: a
    few thousand signatures take milliseconds.
    """
    if not articles or not sent:
        return list(articles), []
    from datasketch import MinHashLSH

    current = signature("what a signature made now looks like")
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    earlier: dict[int, LeanMinHash] = {}
    for i, row in enumerate(sent):
        sig = from_bytes(row.signature)
        # Stored by another NUM_PERM, SEED or datasketch scheme: not comparable, so not used;
        # it ages out of the window like any other.
        if (sig.seed, len(sig), sig.scheme) != (current.seed, len(current), current.scheme):
            continue
        earlier[i] = sig
        lsh.insert(i, sig)

    fresh: list[Article] = []
    repeats: list[Repeat] = []
    for article in articles:
        sig = sigs.get(article.uid)
        # LSH returns candidates; the estimate itself decides. Ties go to the newest digest.
        scored = [(sig.jaccard(earlier[i]), -i) for i in lsh.query(sig)] if sig else []
        best = max((s for s in scored if s[0] >= THRESHOLD), default=None)
        if best is None:
            fresh.append(article)
        else:
            repeats.append(Repeat(article, sent[-best[1]]))
    return fresh, repeats
