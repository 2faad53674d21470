"""Near-duplicate stories (syndicated copies, one wire story in several papers) -> one brief.

Similarity is the Jaccard similarity of word 3-shingles, estimated with datasketch's MinHash and
found with its LSH index (so the cost stays linear in the number of articles). Copies of one
story share most of their 3-word runs even after a subeditor's changes to the first and last
paragraphs; two different stories share almost none, so the threshold is not delicate.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import replace

from digest.models import Article, Brief

logger = logging.getLogger(__name__)

THRESHOLD = 0.5  # estimated Jaccard similarity of 3-shingles above which two texts are one story
NUM_PERM = 128  # MinHash permutations: about +-0.04 error on the estimate, ample for 0.5
_WORD = re.compile(r"\w+")


def shingles(text: str, size: int = 3) -> set[str]:
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def merge_duplicates(briefs: Sequence[Brief]) -> tuple[list[Brief], list[Article]]:
    """Keep the first brief of each group of near-duplicates, in the given (config) order, with
    the other copies' sources in `also_in`. Returns the kept briefs and the articles folded into
    them, which the caller must still record as seen."""
    if len(briefs) < 2:
        return list(briefs), []
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    hashes: dict[int, MinHash] = {}
    for i, brief in enumerate(briefs):
        grams = shingles(brief.article.text)
        if not grams:
            continue
        digest = MinHash(num_perm=NUM_PERM, seed=1)
        digest.update_batch([g.encode("utf-8") for g in grams])
        hashes[i] = digest
        lsh.insert(i, digest)

    # Union-find with the lowest index as the root, so the copy from the earliest source leads.
    root = list(range(len(briefs)))

    def find(i: int) -> int:
        while root[i] != i:
            i = root[i]
        return i

    for i, digest in hashes.items():
        for j in lsh.query(digest):
            # LSH returns candidates; the estimate itself decides.
            if j != i and digest.jaccard(hashes[j]) >= THRESHOLD:
                a, b = sorted((find(i), find(j)))
                root[b] = a

    kept: list[Brief] = []
    folded: list[Article] = []
    for i, brief in enumerate(briefs):
        if find(i) != i:
            folded.append(brief.article)
            continue
        copies = [briefs[j] for j in range(i + 1, len(briefs)) if find(j) == i]
        others = [c.article.source for c in copies if c.article.source != brief.article.source]
        if copies:
            logger.info(
                "%r: %d near-identical %s folded in",
                brief.article.title,
                len(copies),
                "copy" if len(copies) == 1 else "copies",
            )
        kept.append(replace(brief, also_in=tuple(dict.fromkeys([*brief.also_in, *others]))))
    return kept, folded
