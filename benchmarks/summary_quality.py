"""Summary quality of every method on the dev sets: one run, one table.

    python benchmarks/summary_quality.py [--limit N] [--bbc-slow-limit N]

ROUGE-1/2/Lsum F1 (rouge-score, stemming, sentences joined by newlines) on cnndm_dev (k=3) and
bbc_dev (k=5, plus sentence-selection precision/recall against the extractive references), and
milliseconds per article (sentence splitting included). Scoring lives in digest.evaluate, the
same code `digest eval` runs.

Data: <repo>/../shared/data, or $DIGEST_DATA_DIR. Exits 0 with a message when it is absent.

The LSA rows move by ~0.1 between runs (33.10 / 32.97 / 33.05 ROUGE-1 on cnndm_dev in three
runs of the same code): sumy builds LSA's vocabulary from a Python set, whose order depends on
PYTHONHASHSEED, and the SVD then breaks near-ties differently (2-4 of 119 briefs change; with a
fixed seed the output is stable). Every other method is deterministic.
"""

# ruff: noqa: T201  (a benchmark script: printing its table is its job)

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from digest.evaluate import evaluate_jsonl, format_table  # noqa: E402
from digest.summarise import METHODS  # noqa: E402

# sumy methods whose per-article cost on BBC makes the full 1132 rows slow (measured: LexRank
# ~10 ms, LSA/Edmundson ~15 ms an article here); the others run on every row. With the default
# --bbc-slow-limit they run on the first N rows, and the table's n column says so.
SLOW = ("lexrank", "lsa", "edmundson", "kl")


def data_dir() -> Path:
    return Path(os.environ.get("DIGEST_DATA_DIR", REPO.parent / "shared" / "data"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="first N articles of each file")
    ap.add_argument(
        "--bbc-slow-limit",
        type=int,
        default=None,
        help=f"first N bbc articles for {', '.join(SLOW)} (default: all)",
    )
    ap.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    args = ap.parse_args(argv)

    summ = data_dir() / "summ"
    cnn, bbc = summ / "cnndm_dev.jsonl", summ / "bbc_dev.jsonl"
    if not (cnn.exists() and bbc.exists()):
        print(f"skipped: evaluation data not found under {summ} (set DIGEST_DATA_DIR)")
        return 0
    t0 = time.perf_counter()
    rows = evaluate_jsonl(cnn, args.methods, 3, limit=args.limit)
    limits = {m: args.bbc_slow_limit for m in SLOW} if args.bbc_slow_limit else None
    rows += evaluate_jsonl(bbc, args.methods, 5, limit=args.limit, limits=limits)
    print(format_table(rows))
    print()
    print("ROUGE F1 and sentence-selection P/R in %, averaged over articles; n = articles scored.")
    print("ms/article = summarize() wall time incl. sentence splitting, one core, after warm-up.")
    if limits:
        print(
            f"bbc_dev rows for {', '.join(SLOW)} are the first {args.bbc_slow_limit} articles "
            "only (subsampled for time); compare them with care."
        )
    print(f"total {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
