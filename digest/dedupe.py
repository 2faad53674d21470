"""Near-duplicate stories (syndicated copies, one wire story in several papers) -> one brief.

Similarity is the Jaccard similarity of word 3-shingles, estimated with rensa's MinHash (R-MinHash)
and found by LSH banding (so the cost stays linear in the number of articles). Copies of one
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
import struct
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from digest.models import Article, Repeat, Sent

if TYPE_CHECKING:
    import numpy as np

    # A text's MinHash: NUM_PERM unsigned 32-bit values. Two texts' similarity is the share of
    # positions where their values agree (`similarity`).
    Signature = np.ndarray

logger = logging.getLogger(__name__)

THRESHOLD = 0.5  # estimated Jaccard similarity of 3-shingles above which two texts are one story
NUM_PERM = 128  # MinHash permutations: about +-0.04 error on the estimate, ample for 0.5
SEED = 1  # fixed: signatures stored in the state must stay comparable across runs
# LSH banding: two signatures are compared only if they agree on all ROWS values of one of BANDS
# bands. A pair at similarity s is a candidate with probability 1 - (1 - s**ROWS)**BANDS: 0.06
# at 0.3, 0.55 at the threshold, 0.87 at 0.6, 0.99 at 0.7. These are the bands datasketch's
# MinHashLSH chose for THRESHOLD and NUM_PERM (its search weighs missed and needless pairs
# alike), kept when rensa replaced it so that folding finds the copies it found.
BANDS, ROWS = 25, 5
# How long a sent story keeps a later copy out. Wire copies and syndicated reprints come within a
# day or two, late feeds and weekly round-ups within the week; a week also covers a weekly digest
# schedule. Past it, the same text is more likely a new reason to read it than a repeat, and the
# state keeps only about a week of signatures (a daily digest of 50 stories: 350 rows, 524 bytes
# each).
REPEAT_WINDOW = timedelta(days=7)
_WORD = re.compile(r"\w+")
# A stored signature: a tag, rensa's algorithm version, NUM_PERM and SEED, then the values, all
# little-endian so they read the same on any machine. A signature stored under another version,
# NUM_PERM or SEED (or by datasketch, before rensa) cannot be compared: `from_bytes` gives None.
_HEADER = struct.Struct("<4sHHI")
_TAG = b"RMH1"


def shingles(text: str) -> list[str]:
    """The text's word 3-grams, in order, repeats included: a MinHash is the same either way,
    and making the set cost more than the hashing."""
    words = _WORD.findall(text.lower())
    if len(words) < 3:
        return [" ".join(words)] if words else []
    return [f"{a} {b} {c}" for a, b, c in zip(words[:-2], words[1:-1], words[2:], strict=True)]


def signature(text: str) -> Signature | None:
    """The MinHash of a text's 3-shingles, or None for a text without words."""
    import numpy as np
    from rensa import RMinHash

    grams = shingles(text)
    if not grams:
        return None
    minhash = RMinHash(num_perm=NUM_PERM, seed=SEED)
    minhash.update(grams)
    return np.array(minhash.digest(), dtype=np.uint32)


def similarity(a: Signature, b: Signature) -> float:
    """The estimated Jaccard similarity of the two texts' shingles."""
    return float((a == b).mean())


def to_bytes(sig: Signature) -> bytes:
    from rensa import RMinHash

    header = _HEADER.pack(_TAG, RMinHash.ALGORITHM_VERSION, len(sig), SEED)
    return header + sig.astype("<u4").tobytes()


def from_bytes(blob: bytes) -> Signature | None:
    """The stored signature, or None when it cannot be compared with those made now."""
    import numpy as np
    from rensa import RMinHash

    if len(blob) != _HEADER.size + 4 * NUM_PERM:
        return None
    if _HEADER.unpack_from(blob) != (_TAG, RMinHash.ALGORITHM_VERSION, NUM_PERM, SEED):
        return None
    return np.frombuffer(blob, dtype="<u4", offset=_HEADER.size).astype(np.uint32)


def signatures(articles: Sequence[Article]) -> dict[str, Signature]:
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


def merge_duplicates(articles: Sequence[Article], sigs: Mapping[str, Signature]) -> Folded:
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


def similar_pairs(hashes: Sequence[Signature]) -> Iterator[tuple[int, int]]:
    """Index pairs (i, j), i < j, of the signatures whose estimated similarity is THRESHOLD or
    more, among the candidates of the LSH banding (`_candidates`). A pair found in several
    bands may come out again."""
    if len(hashes) < 2:
        return
    import numpy as np

    values = np.stack(hashes)
    for members in _candidates(values):
        # One row at a time: a story with a thousand copies needs a thousand rows, not
        # a thousand squared at once.
        for k, i in enumerate(members[:-1]):
            later = members[k + 1 :]
            for j in later[_similarities(values, later, i) >= THRESHOLD]:
                yield int(i), int(j)


def _similarities(values: np.ndarray, rows: np.ndarray, i: int) -> np.ndarray:
    """`similarity` of row i of `values` with each of `rows`, at once."""
    import numpy as np

    return np.count_nonzero(values[rows] == values[i], axis=1) / values.shape[1]


def _candidates(values: np.ndarray) -> Iterator[np.ndarray]:
    """Each group of rows (in ascending order) that agree on all ROWS values of one band.

    Each band's values are grouped with numpy (np.unique over the band's bytes) rather than in
    an index of sets per band value, which costs 7 KB an article (74 MB for 10,000 stories) to
    answer one all-pairs question.
    """
    import numpy as np

    row = np.dtype((np.void, values.itemsize * ROWS))
    for band in range(BANDS):
        keys = np.ascontiguousarray(values[:, band * ROWS : (band + 1) * ROWS]).view(row)
        _, group, counts = np.unique(keys.ravel(), return_inverse=True, return_counts=True)
        shared = np.flatnonzero(counts[group] > 1)  # most stories share no band with another
        shared = shared[np.argsort(group[shared], kind="stable")]
        yield from np.split(shared, np.flatnonzero(np.diff(group[shared])) + 1)


def find_repeats(
    articles: Sequence[Article], sigs: Mapping[str, Signature], sent: Sequence[Sent]
) -> tuple[list[Article], list[Repeat]]:
    """Split articles into those to publish and repeats of a story already sent.

    `sigs` are the articles' signatures (`signatures`); `sent` are the signatures of the
    window's digests (newest first). An article whose text is a near-duplicate of one of them
    is a repeat of the most similar one; ties go to the newest digest. The window's signatures
    and this run's are banded together (`_candidates`): a few thousand take milliseconds.
    """
    import numpy as np

    earlier: list[tuple[int, Signature]] = []
    for i, row in enumerate(sent):
        sig = from_bytes(row.signature)
        # Stored by another NUM_PERM, SEED or MinHash version: not comparable, so not used;
        # it ages out of the window like any other.
        if sig is not None:
            earlier.append((i, sig))
    signed = [k for k, article in enumerate(articles) if article.uid in sigs]
    if not earlier or not signed:
        return list(articles), []
    values = np.stack([sig for _, sig in earlier] + [sigs[articles[k].uid] for k in signed])
    first = len(earlier)  # rows from here on are this run's articles
    best: dict[int, tuple[float, int]] = {}  # article index -> (similarity, -sent index)
    for members in _candidates(values):
        old, new = members[members < first], members[members >= first]
        for m in new if len(old) else ():
            for e, score in zip(old, _similarities(values, old, m), strict=True):
                if score >= THRESHOLD:
                    k, key = signed[m - first], (float(score), -earlier[e][0])
                    best[k] = max(best.get(k, key), key)
    fresh = [a for k, a in enumerate(articles) if k not in best]
    repeats = [Repeat(articles[k], sent[-best[k][1]]) for k in sorted(best)]
    return fresh, repeats
