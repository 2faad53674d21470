"""What the damage check costs: opening a state file (PRAGMA quick_check included) by its size.

    python benchmarks/state_open.py [--days 30 365 1095] [--kb 200] [--repeat 5]

Fills a state with `days` digests of about `kb` KB each (stored HTML, text, JSON and email copy,
as a run stores them) plus their articles, then times `State(path)`: the median of --repeat
opens with the page cache warm, with and without the check.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from digest.models import RenderedDigest
from digest.state import State
from digest.store import engine


def fill(path: Path, days: int, kb: int) -> None:
    blob = os.urandom(kb * 256).hex()  # kb/2 KB of incompressible text per column pair
    start = datetime(2026, 1, 1, 7, tzinfo=timezone.utc)
    with State(path) as state:
        for d in range(days):
            name = f"digest-{(start + timedelta(days=d)):%Y-%m-%d}"
            rendered = RenderedDigest(name=name, subject=name, html=blob, text=blob, json="{}")
            record = state.add_pending(
                rendered,
                created_at=start + timedelta(days=d),
                included=[(f"{name}-{i}", "src", f"a{i}", f"T{i}") for i in range(20)],
                skipped=(),
                sources=3,
            )
            state.mark_written(record.id)


def time_open(path: Path, *, check: bool) -> float:
    engine.quick_check = check
    try:
        started = time.perf_counter()
        State(path).close()
        return time.perf_counter() - started
    finally:
        engine.quick_check = True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, nargs="+", default=[30, 365, 1095])
    parser.add_argument("--kb", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{'digests':>8} {'state MB':>9} {'open, check':>12} {'open, no check':>15}")
    for days in args.days:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "state.db"
            fill(path, days, args.kb)
            size = path.stat().st_size / 1e6
            with_check = [time_open(path, check=True) for _ in range(args.repeat)]
            without = [time_open(path, check=False) for _ in range(args.repeat)]
            print(
                f"{days:>8} {size:>9.1f} {statistics.median(with_check) * 1000:>10.1f}ms"
                f" {statistics.median(without) * 1000:>13.1f}ms"
            )


if __name__ == "__main__":
    main()
