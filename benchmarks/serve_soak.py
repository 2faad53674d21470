"""Soak `digest serve`: many firings with restarts (SIGTERM and SIGKILL) in between.

    python benchmarks/serve_soak.py [--rounds 10] [--firings 3] [--seed 1]

Each round starts `digest serve` on a */2-second schedule (with a 1s collect job), drops a few
new article files before each firing, then stops it: even rounds with SIGTERM (clean stop),
odd rounds with SIGKILL landing at a random point of a run over a larger batch. A last start
drains what is left. Then it checks, from the digest .json files and the state:
  duplicates  articles that appear in more than one digest (must be 0)
  lost        dropped articles in no digest (must be 0)
  missed      slots that passed while serve was up (and had 1s to finish) with no record
              in the state, digest or "nothing new" (must be 0)
"""

from __future__ import annotations

import argparse
import logging
import random
import signal
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from serve_helpers import Serve, drop, read_digests, titles, wait_until  # noqa: E402
from stories import story  # noqa: E402

logger = logging.getLogger("serve_soak")

CONFIG = """\
title: Soak
timezone: Europe/London
schedule: {digest: "*/2 * * * * *", collect: 1s}
sources: [{name: Local, type: folder, path: articles}]
output: {dir: digests, formats: [json]}
state: state/state.db
"""


def article(n: int) -> str:
    return story(n)


def sleep_to_slot(offset: float, every: float = 2.0) -> None:
    time.sleep((every - time.time() % every) + offset)


def _slots_done(db: sqlite3.Connection) -> set[float]:
    """Epoch seconds of every slot the state records as done (digest or nothing new)."""
    query = "SELECT slot FROM digests WHERE slot IS NOT NULL UNION SELECT slot FROM slot_runs"
    try:
        return {datetime.fromisoformat(row[0]).timestamp() for row in db.execute(query)}
    except sqlite3.OperationalError:  # slot_runs not created yet: nothing ran
        return set()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--firings", type=int, default=3, help="firings per round")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    rng = random.Random(args.seed)

    work = Path(tempfile.mkdtemp(prefix="digest-soak-"))
    config = work / "config.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    articles = work / "articles"
    articles.mkdir()
    dropped = 0
    uptimes: list[tuple[float, float]] = []
    stops: list[tuple[str, int, float]] = []
    pending_after_kill = 0
    killed_mid_run = 0

    for r in range(args.rounds):
        serve = Serve(config)
        serve.wait_for("Serving", timeout=15)
        up = time.time()
        for _ in range(args.firings):
            for _ in range(rng.randint(0, 4)):
                drop(articles, f"{dropped:05}.txt", article(dropped))
                dropped += 1
            sleep_to_slot(offset=0.6)
        if r % 2 == 0:
            code, took = serve.stop(signal.SIGTERM)
            stops.append(("SIGTERM", code, took))
        else:
            for _ in range(rng.randint(50, 200)):
                drop(articles, f"{dropped:05}.txt", article(dropped))
                dropped += 1
            target = int(time.time()) // 2 * 2 + 2  # the slot the kill aims into
            sleep_to_slot(offset=rng.uniform(0.02, 0.2))
            serve.kill()
            stops.append(("SIGKILL", -9, 0.0))
            with sqlite3.connect(work / "state" / "state.db") as db:
                pending_after_kill += db.execute(
                    "SELECT COUNT(*) FROM digests WHERE status = 'pending'"
                ).fetchone()[0]
                # Not recorded yet = the kill landed before the slot's run stored anything.
                killed_mid_run += target not in _slots_done(db)
        uptimes.append((up, time.time()))
        logger.info("round %d: %s, %d articles dropped so far", r + 1, stops[-1][0], dropped)

    # Drain: one more start, until every article is in a digest (or 30s pass).
    serve = Serve(config)
    out = work / "digests"
    up = time.time()
    wait_until(lambda: sum(len(d["items"]) for d in read_digests(out)) >= dropped, 30, "drain")
    time.sleep(0.5)
    code, took = serve.stop(signal.SIGTERM)
    stops.append(("SIGTERM", code, took))
    uptimes.append((up, time.time()))

    digests = read_digests(out)
    counts = Counter(t for d in digests for t in titles(d))
    expected = {article(n).partition("\n")[0] for n in range(dropped)}
    with sqlite3.connect(work / "state" / "state.db") as db:
        done = _slots_done(db)
        slots_done = len(done)
    due = [
        s
        for start, end in uptimes
        for s in range(int(start) + 1, int(end))
        if s % 2 == 0 and start < s and s + 1.0 <= end
    ]
    missed = [s for s in due if float(s) not in done]
    log_text = (work / "serve.log").read_text(encoding="utf-8")
    per_digest = [len(d["items"]) for d in digests]
    lines = log_text.splitlines()
    catch_ups = sum(1 for line in lines if line.startswith("Catch-up job") and "digest-" in line)
    duplicates = sum(c - 1 for c in counts.values() if c > 1)
    lost = len(expected - set(counts))
    term = [s for s in stops if s[0] == "SIGTERM"]
    rows = [
        ("restarts (SIGTERM / SIGKILL)", f"{len(term)} / {len(stops) - len(term)}"),
        ("SIGTERM exit codes", ", ".join(sorted({str(s[1]) for s in term}))),
        ("slowest SIGTERM stop (s)", f"{max(s[2] for s in term):.2f}"),
        ("firings expected while up", len(due)),
        ("slots recorded in the state", slots_done),
        ("digests built", len(digests)),
        ("catch-up digests at start", catch_ups),
        ("SIGKILLs before the slot was recorded", killed_mid_run),
        ("pending digests found after a SIGKILL", pending_after_kill),
        ("articles dropped", dropped),
        ("articles in digests", sum(per_digest)),
        (
            "articles per digest (min/median/max)",
            f"{min(per_digest)}/{sorted(per_digest)[len(per_digest) // 2]}/{max(per_digest)}",
        ),
        ("duplicates", duplicates),
        ("lost", lost),
        ("missed slots", len(missed)),
        ("tracebacks in the log", log_text.count("Traceback")),
    ]
    width = max(len(k) for k, _ in rows)
    sys.stdout.write(f"| {'measure'.ljust(width)} | value |\n|{'-' * (width + 2)}|-------|\n")
    for key, value in rows:
        sys.stdout.write(f"| {key.ljust(width)} | {value} |\n")
    sys.stdout.write(f"work folder: {work}{'' if args.keep else ' (removed)'}\n")
    if not args.keep:
        import shutil

        shutil.rmtree(work)
    return 1 if duplicates or lost or missed or "Traceback" in log_text else 0


if __name__ == "__main__":
    sys.exit(main())
