"""Benchmark HTML article extraction on real news pages with human-written gold bodies.

Run: python benchmarks/extraction.py        (DIGEST_BENCH_VERBOSE=1 lists brief sentences
                                             not found in the gold body)

Data: <repo>/../shared/data/extract/{index.jsonl, pages/*.html.gz} (override the data root with
DIGEST_DATA_DIR). Skips with exit code 0 when the data is absent. Nothing is downloaded.

Systems, on the same HTML:
  ours         digest.extract.extract(SourceItem(content_type="text/html", url=page url))
  trafilatura  trafilatura.extract(html), all defaults

Metrics, each against `gold_text`:
  tokP/tokR/tokF  token-level precision/recall/F1: bag of words (multiset) of lowercased \\w+
                  tokens, micro-averaged over pages (sum of overlaps / sum of lengths).
  briefP          share of brief sentences that occur in the gold body; the brief is
                  digest.summarise.summarize(text, sentences=3, title=title), the title being
                  the one our extractor found (trafilatura's own for the baseline).
  empty           pages where the system returned no text (or raised): they add no sentences.
  ms/page         mean wall-clock milliseconds of the extraction step only.

"Occurs in the gold body" (same definition as benchmarks/cleaning.py, so the numbers compare):
both sides are normalised (NFKC, curly quotes and dashes folded to ASCII, whitespace collapsed,
lowercased). A sentence occurs if it is a substring of the normalised gold text, or if at least
90% of its \\w+ tokens match gold tokens in order (difflib matching blocks) inside one gold
window no longer than 2x the sentence length. Sentences under 4 tokens must match as substrings.
"""

from __future__ import annotations

import gzip
import json
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
sys.path.insert(0, str(REPO))

from digest.errors import ExtractionError  # noqa: E402
from digest.extract import extract  # noqa: E402
from digest.models import SourceItem  # noqa: E402
from digest.summarise import summarize  # noqa: E402

_TOKEN = re.compile(r"\w+")
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\xa0": " "})


def emit(line: str = "") -> None:
    """The report is this script's output (stdout), not a log."""
    sys.stdout.write(line + "\n")


def data_dir() -> Path:
    return Path(os.environ.get("DIGEST_DATA_DIR", REPO.parent / "shared" / "data"))


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return " ".join(text.split()).lower()


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(normalise(text))


def occurs_in(sentence: str, gold_norm: str, gold_toks: list[str]) -> bool:
    s_norm = normalise(sentence)
    if s_norm and s_norm in gold_norm:
        return True
    s_toks = tokens(sentence)
    n = len(s_toks)
    if n < 4:
        return False
    matcher = SequenceMatcher(None, s_toks, gold_toks, autojunk=False)
    i, j, size = matcher.find_longest_match(0, n, 0, len(gold_toks))
    if size == 0:
        return False
    window = gold_toks[max(0, j - i - n // 2) : min(len(gold_toks), j - i + n + n // 2)]
    blocks = SequenceMatcher(None, s_toks, window, autojunk=False).get_matching_blocks()
    return sum(b.size for b in blocks) >= 0.9 * n


def run_ours(html: str, url: str) -> tuple[str, str | None]:
    item = SourceItem(
        source="bench", uid=url, name=url, body=html, content_type="text/html", url=url
    )
    try:
        article = extract(item)
    except ExtractionError:
        return "", None
    return article.text, article.title


def run_trafilatura(html: str, url: str) -> tuple[str, str | None]:
    import trafilatura

    text = trafilatura.extract(html) or ""
    title = trafilatura.extract_metadata(html).title if text else None
    # trafilatura separates paragraphs with single newlines; the splitter wants blank lines.
    return "\n\n".join(text.splitlines()), title


@dataclass
class Score:
    overlap: int = 0
    out_len: int = 0
    gold_len: int = 0
    brief_ok: int = 0
    brief_n: int = 0
    empty: int = 0
    seconds: float = 0.0
    pages: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, page_id: str, out: str, title: str | None, gold: str, seconds: float) -> None:
        gold_norm, gold_toks = normalise(gold), tokens(gold)
        out_toks = tokens(out)
        self.pages += 1
        self.seconds += seconds
        self.overlap += sum((Counter(out_toks) & Counter(gold_toks)).values())
        self.out_len += len(out_toks)
        self.gold_len += len(gold_toks)
        if not out.strip():
            self.empty += 1
            return
        for sentence in summarize(out, sentences=3, title=title):
            ok = occurs_in(sentence, gold_norm, gold_toks)
            self.brief_ok += ok
            self.brief_n += 1
            if not ok:
                self.misses.append(f"{page_id[:12]}: {sentence[:110]}")

    def row(self, name: str) -> str:
        p = self.overlap / self.out_len if self.out_len else 0.0
        r = self.overlap / self.gold_len if self.gold_len else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        bp = self.brief_ok / self.brief_n if self.brief_n else 0.0
        ms = 1000 * self.seconds / self.pages if self.pages else 0.0
        brief = f"{bp:.3f} ({self.brief_ok}/{self.brief_n})"
        return (
            f"| {name:<11} | {self.pages:>5} | {p:.3f} | {r:.3f} | {f:.3f} "
            f"| {brief:<18} | {self.empty:>5} | {ms:>7.1f} |"
        )


def main() -> int:
    root = data_dir() / "extract"
    index = root / "index.jsonl"
    if not index.exists():
        emit(f"SKIP: extraction benchmark data not found at {root} (set DIGEST_DATA_DIR)")
        return 0
    rows = [json.loads(line) for line in index.read_text(encoding="utf-8").splitlines() if line]
    systems: dict[str, Callable[[str, str], tuple[str, str | None]]] = {
        "ours": run_ours,
        "trafilatura": run_trafilatura,
    }
    scores = {name: Score() for name in systems}
    for row in rows:
        html = gzip.decompress((root / row["html_path"]).read_bytes()).decode("utf-8", "replace")
        for name, run in systems.items():
            started = time.perf_counter()
            text, title = run(html, row["url"])
            seconds = time.perf_counter() - started
            scores[name].add(row["id"], text, title, row["gold_text"], seconds)
    emit(f"Extraction on {len(rows)} pages ({root})")
    emit("| system      | pages | tokP  | tokR  | tokF  | briefP             | empty | ms/page |")
    emit("|-------------|-------|-------|-------|-------|--------------------|-------|---------|")
    for name in systems:
        emit(scores[name].row(name))
    if os.environ.get("DIGEST_BENCH_VERBOSE"):
        for name in systems:
            emit(f"\n{name}: brief sentences not found in the gold body")
            for line in scores[name].misses:
                emit(f"   {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
