"""Summariser speed: `default` vs sumy's LexRank, in one process, sentence splitting included.

    python benchmarks/summary_speed.py [--quick]

1. articles/second and peak traced memory (tracemalloc, in a separate pass so tracing does not
   slow the timed one) on the cnndm_dev articles, k=3;
2. scaling with article count: 1k and 10k articles made by repeating the dev articles;
3. scaling with article length: articles of 10 to 160 sentences made by joining dev articles.

LexRank is measured on fewer articles where marked and extrapolated linearly (its cost per
article does not depend on how many came before). Table 1 reports CPU time of this process
(time.process_time) next to wall time: on a shared machine, wall time also counts the time other
processes hold the core, CPU time does not; the speed ratio is computed from CPU time.
Data: <repo>/../shared/data or $DIGEST_DATA_DIR; exits 0 with a message when absent.
"""

# ruff: noqa: T201  (a benchmark script: printing its table is its job)

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from digest.sentences import split_sentences  # noqa: E402
from digest.summarise import summarize  # noqa: E402


def timed(articles: list[str], method: str) -> float:
    """Wall seconds to summarise all articles (k=3)."""
    return timed2(articles, method)[0]


def timed2(articles: list[str], method: str) -> tuple[float, float]:
    """(wall, CPU) seconds to summarise all articles (k=3)."""
    t0, c0 = time.perf_counter(), time.process_time()
    for a in articles:
        summarize(a, sentences=3, method=method)
    return time.perf_counter() - t0, time.process_time() - c0


def peak_mb(articles: list[str], method: str) -> float:
    tracemalloc.start()
    for a in articles:
        summarize(a, sentences=3, method=method)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="skip the 10k-article run")
    args = ap.parse_args(argv)
    path = Path(os.environ.get("DIGEST_DATA_DIR", REPO.parent / "shared" / "data"))
    path = path / "summ" / "cnndm_dev.jsonl"
    if not path.exists():
        print(f"skipped: {path} not found (set DIGEST_DATA_DIR)")
        return 0
    with open(path, encoding="utf-8") as f:
        dev = [json.loads(line)["article"] for line in f if line.strip()]
    for m in ("default", "lexrank"):  # warm-up: lazy imports are not per-article cost
        summarize(dev[0], sentences=3, method=m)

    print(
        f"## 1. Throughput on the {len(dev)} cnndm_dev articles "
        f"(mean {sum(map(len, dev)) / len(dev):.0f} chars), k=3, one core"
    )
    print(
        "| method | articles | wall s | CPU s | articles/s (CPU) | ms/article (CPU) "
        "| ms/article (wall) | peak traced MB |"
    )
    print("|---|---|---|---|---|---|---|---|")
    rate = {}
    for m, reps in (("default", 5), ("lexrank", 2)):
        arts = dev * reps
        s, cpu = timed2(arts, m)
        rate[m] = len(arts) / cpu
        print(
            f"| {m} | {len(arts)} | {s:.2f} | {cpu:.2f} | {rate[m]:.0f} "
            f"| {1000 * cpu / len(arts):.2f} | {1000 * s / len(arts):.2f} "
            f"| {peak_mb(dev, m):.1f} |"
        )
    c0 = time.process_time()
    for a in dev * 5:
        split_sentences(a)
    split_cpu = (time.process_time() - c0) / (5 * len(dev))
    print(
        f"\ndefault / lexrank speed ratio (CPU time): {rate['default'] / rate['lexrank']:.1f}x; "
        f"sentence splitting alone: {1000 * split_cpu:.2f} ms/article (CPU); "
        f"load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    )

    print("\n## 2. Scaling with article count (dev articles repeated)")
    print("| method | articles | s | articles/s | measured on |")
    print("|---|---|---|---|---|")
    sizes = (1_000,) if args.quick else (1_000, 10_000)
    for n in sizes:
        arts = (dev * (n // len(dev) + 1))[:n]
        s = timed(arts, "default")
        print(f"| default | {n} | {s:.1f} | {n / s:.0f} | all {n} |")
        sample = arts[:200]
        s = timed(sample, "lexrank") * n / len(sample)
        print(f"| lexrank | {n} | {s:.1f} (extrapolated) | {n / s:.0f} | first 200, x{n // 200} |")
    print(
        f"\nmax RSS of this process so far: "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )

    print("\n## 3. Scaling with article length (dev sentences joined into longer articles)")
    print("| sentences/article | default ms/article | lexrank ms/article | articles timed |")
    print("|---|---|---|---|")
    pool = [s for a in dev for s in split_sentences(a)]
    for n_sent in (10, 20, 40, 80, 160):
        arts = [" ".join(pool[i : i + n_sent]) for i in range(0, len(pool) - n_sent, n_sent)]
        arts = arts[:50]
        d = timed(arts, "default") / len(arts)
        lx_arts = arts[: max(3, 400 // n_sent)]
        lx = timed(lx_arts, "lexrank") / len(lx_arts)
        print(f"| {n_sent} | {1000 * d:.2f} | {1000 * lx:.1f} | {len(arts)} / {len(lx_arts)} |")
    print(
        "\nNote: `default` caches plural folding per word, so repeated articles hit a warm "
        "cache; news vocabulary repeats across a day's articles, so a stream behaves alike."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
