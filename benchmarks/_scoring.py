"""Scoring shared by benchmarks/cleaning.py (text dumps) and benchmarks/extraction.py (HTML).

One definition of "a sentence occurs in the gold body", of token P/R/F1, of the dev/held-out
split and of the table, so the two benchmarks' numbers compare.

"Occurs in the gold body": both sides are normalised (NFKC, curly quotes/dashes folded to ASCII,
whitespace collapsed, lowercased). A sentence occurs if it is a substring of the normalised gold
text, or if at least 90% of its \\w+ tokens match gold tokens in order (difflib matching blocks)
inside one gold window no longer than 2x the sentence length (so a sentence cannot be "found" by
picking common words scattered over the whole article). Sentences under 4 tokens must match as
substrings.

Columns of the table (every ratio micro-averaged over the documents of the half):
  tokP/tokR/tokF  token precision/recall/F1: bag of words (multiset) of lowercased \\w+ tokens.
  sentP           share of ALL sentences of the cleaned text (digest.sentences.split_sentences)
                  that occur in the gold body: what any summariser could pick from.
  defP / leadP    the same for the 3-sentence brief of digest.summarise.summarize with method
                  "default" (our ranker) and "lead" (first sentences), title passed as found.
  empty           documents with no text left (or an extraction error): they add no sentences
                  rather than being scored as perfect.
  ms/doc          mean wall-clock milliseconds of the system's cleaning/extraction step only.

Split: ids are split into halves by the parity of sha1(id); "dev" (even) is the half whose
failures may be read to tune the cleaner; "held-out" (odd) is printed alongside but its documents
are never inspected (the verbose listing shows dev misses only).
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from digest.sentences import split_sentences  # noqa: E402
from digest.summarise import summarize  # noqa: E402

_TOKEN = re.compile(r"\w+")
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\xa0": " "})
BRIEF_SENTENCES = 3  # the digest's brief length
MATCH_SHARE = 0.9  # share of a sentence's tokens that must match gold tokens in order
MIN_FUZZY_TOKENS = 4  # shorter sentences must match exactly (as substrings)

HALVES: dict[str, Callable[[str], bool]] = {}  # filled below: dev, held-out, all


def emit(line: str = "") -> None:
    """The report is a benchmark's output (stdout), not a log."""
    sys.stdout.write(line + "\n")


def data_dir() -> Path:
    return Path(os.environ.get("DIGEST_DATA_DIR", REPO.parent / "shared" / "data"))


def verbose() -> bool:
    return bool(os.environ.get("DIGEST_BENCH_VERBOSE"))


SPLIT_KEY_CHARS = 16  # dumps.jsonl ids are the first 16 hex digits of index.jsonl's page ids


def is_dev(doc_id: str) -> bool:
    """Split on the short page id, so a page is in the same half in both benchmarks (reading an
    HTML dev failure must not reveal a held-out dump)."""
    key = doc_id[:SPLIT_KEY_CHARS]
    return int(hashlib.sha1(key.encode()).hexdigest(), 16) % 2 == 0


HALVES.update({"dev": is_dev, "held-out": lambda i: not is_dev(i), "all": lambda i: True})


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return " ".join(text.split()).lower()


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(normalise(text))


@dataclass(frozen=True)
class Gold:
    """A gold body, normalised once for all the sentences scored against it."""

    norm: str
    toks: list[str]

    @classmethod
    def of(cls, text: str) -> Gold:
        return cls(normalise(text), tokens(text))


def occurs_in(sentence: str, gold: Gold) -> bool:
    s_norm = normalise(sentence)
    if s_norm and s_norm in gold.norm:
        return True
    s_toks = tokens(sentence)
    n = len(s_toks)
    if n < MIN_FUZZY_TOKENS:
        return False
    matcher = SequenceMatcher(None, s_toks, gold.toks, autojunk=False)
    i, j, size = matcher.find_longest_match(0, n, 0, len(gold.toks))
    if size == 0:
        return False
    window = gold.toks[max(0, j - i - n // 2) : min(len(gold.toks), j - i + n + n // 2)]
    blocks = SequenceMatcher(None, s_toks, window, autojunk=False).get_matching_blocks()
    return sum(b.size for b in blocks) >= MATCH_SHARE * n


@dataclass
class _Ratio:
    ok: int = 0
    n: int = 0

    def __str__(self) -> str:
        return f"{self.ok / self.n:.3f}" if self.n else "  -  "


@dataclass
class Score:
    """Running totals for one system on one half."""

    docs: int = 0
    empty: int = 0
    seconds: float = 0.0
    overlap: int = 0
    out_len: int = 0
    gold_len: int = 0
    sent: _Ratio = field(default_factory=_Ratio)
    default: _Ratio = field(default_factory=_Ratio)
    lead: _Ratio = field(default_factory=_Ratio)
    misses: dict[str, list[str]] = field(default_factory=dict)  # column -> "id: sentence"

    def add(
        self,
        doc_id: str,
        out: str,
        gold: Gold,
        title: str | None,
        seconds: float,
        aside: tuple = (),
    ) -> None:
        """`aside`: the paragraphs the system kept but would not quote first (Article.aside),
        so the briefs are the ones the pipeline makes."""
        self.docs += 1
        self.seconds += seconds
        out_toks = tokens(out)
        self.overlap += sum((Counter(out_toks) & Counter(gold.toks)).values())
        self.out_len += len(out_toks)
        self.gold_len += len(gold.toks)
        if not out.strip():
            self.empty += 1
            return
        columns = {
            "sent": split_sentences(out),
            "default": summarize(out, sentences=BRIEF_SENTENCES, title=title, aside=aside),
            "lead": summarize(
                out, sentences=BRIEF_SENTENCES, method="lead", title=title, aside=aside
            ),
        }
        for column, sentences in columns.items():
            ratio: _Ratio = getattr(self, column)
            for s in sentences:
                ok = occurs_in(s, gold)
                ratio.ok += ok
                ratio.n += 1
                if not ok:
                    self.misses.setdefault(column, []).append(f"{doc_id[:12]}: {s[:110]}")

    def row(self, name: str) -> str:
        p = self.overlap / self.out_len if self.out_len else 0.0
        r = self.overlap / self.gold_len if self.gold_len else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        ms = 1000 * self.seconds / self.docs if self.docs else 0.0
        brief = f"{self.default} ({self.default.ok}/{self.default.n})"
        return (
            f"| {name:<11} | {self.docs:>4} | {p:.3f} | {r:.3f} | {f:.3f} | {self.sent} "
            f"| {brief:<17} | {self.lead} | {self.empty:>5} | {ms:>7.1f} |"
        )


HEADER = (
    "| system      | docs | tokP  | tokR  | tokF  | sentP | defP              | leadP | empty "
    "| ms/doc  |\n"
    "|-------------|------|-------|-------|-------|-------|-------------------|-------|-------"
    "|---------|"
)


def run_and_report(
    docs: list[tuple[str, str]],
    load: Callable[[str], object],
    systems: dict[str, Callable[[object], tuple]],
    miss_system: str = "ours",
) -> None:
    """Score every system on every document and print one table per half.

    docs: (id, gold_text); load(id) is the systems' input; each system maps it to
    (text, title[, paragraphs kept aside from the brief]). With DIGEST_BENCH_VERBOSE set, the
    dev-half misses of `miss_system` are listed (never held-out ones: that half stays unread).
    """

    scores = {(h, s): Score() for h in HALVES for s in systems}
    for doc_id, gold_text in docs:
        gold = Gold.of(gold_text)
        source = load(doc_id)
        for name, run in systems.items():
            started = time.perf_counter()
            out, title, *aside = run(source)
            seconds = time.perf_counter() - started
            for half, pick in HALVES.items():
                if pick(doc_id):
                    scores[(half, name)].add(doc_id, out, gold, title, seconds, *aside)
    for half in HALVES:
        emit(f"\n{half}")
        emit(HEADER)
        for name in systems:
            emit(scores[(half, name)].row(name))
    if verbose():
        for column in ("default", "lead", "sent"):
            emit(f"\n{miss_system}, dev: {column} sentences not found in gold")
            for line in scores[("dev", miss_system)].misses.get(column, []):
                emit(f"   {line}")
