"""Config validation time against the number of sources: it must grow linearly.

    python benchmarks/config_scale.py

Issue 11: 50,000 sources took over 2 minutes to validate (10,000: 6 s), because the check for
repeated names counted each name in the whole list. Prints CPU seconds per size, and the time
per 1,000 sources, which stays flat when validation is linear.
"""

from __future__ import annotations

import time
from pathlib import Path

from digest.config import parse_config

SIZES = (1_000, 10_000, 50_000)


def sources(n: int) -> list[dict]:
    return [
        {"name": f"Feed {i}", "type": "feed", "url": f"https://n{i}.example.org/rss"}
        for i in range(n)
    ]


def main() -> None:
    print(f"{'sources':>8}  {'seconds':>8}  {'ms / 1k':>8}")
    for n in SIZES:
        raw = {"sources": sources(n)}
        started = time.process_time()
        parse_config(raw, base_dir=Path.cwd())
        took = time.process_time() - started
        print(f"{n:>8,}  {took:>8.2f}  {took / n * 1e6:>8.1f}")


if __name__ == "__main__":
    main()
