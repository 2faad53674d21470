"""Kill `digest run` with SIGKILL at random points, again and again, then count per recipient
how many digests arrived twice (duplicates) or never (losses).

    python benchmarks/crash_loop.py [--kills 50] [--recipients 5] [--rcpt-delay 0.02]
                                    [--ack-delay 0] [--seed 1]

A real aiosmtpd server runs in this process; each run is a real subprocess. Every iteration
adds a new article, so most runs build a new digest. --rcpt-delay slows the server before it
accepts a recipient (widening the time between recipients, where kills are safe);
--ack-delay slows it after it stored a message and before it answers 250 (the window
deliver.py re-sends in: kills there make duplicates, by design, never losses).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
from mailserver import Mailboxes, smtp_server  # noqa: E402
from stories import story  # noqa: E402

logger = logging.getLogger("crash_loop")


def run_digest(config: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "digest", "run", "-c", str(config)],
        cwd=config.parent,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--recipients", type=int, default=5)
    parser.add_argument("--rcpt-delay", type=float, default=0.02)
    parser.add_argument("--ack-delay", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
    rng = random.Random(args.seed)
    recipients = [f"reader{n}@example.org" for n in range(args.recipients)]

    box = Mailboxes()

    async def slow_rcpt(address: str) -> None:
        await asyncio.sleep(args.rcpt_delay)

    async def slow_ack(rcpts: list[str]) -> None:
        await asyncio.sleep(args.ack_delay)

    box.on_rcpt, box.on_data = slow_rcpt, slow_ack

    with tempfile.TemporaryDirectory() as tmp, smtp_server(box) as server:
        base = Path(tmp)
        (base / "articles").mkdir()
        config = base / "config.yaml"
        raw = {
            "title": "Morning Brief",
            "sources": [{"name": "Local", "type": "folder", "path": "articles"}],
            "output": {"dir": "out", "formats": ["html"]},
            "state": "state.db",
            "email": {
                "enabled": True,
                "from": "Morning Brief <brief@example.org>",
                "recipients": recipients,
                "smtp": {"host": "127.0.0.1", "port": server.port, "security": "none"}
                | {"timeout": 5, "retry_wait": 0},
            },
        }
        config.write_text(yaml.safe_dump(raw), encoding="utf-8")

        def add_article(i: int) -> None:
            # Distinct stories: near-copies of one text would be folded, or left out as repeats.
            (base / "articles" / f"{i:04d}.txt").write_text(story(i), encoding="utf-8")

        # Calibrate: how long one clean run takes, so kills land anywhere in a run.
        add_article(0)
        started = time.monotonic()
        assert run_digest(config).wait(60) == 0
        span = time.monotonic() - started
        # Up to 1.5 x a clean run, so some runs finish and most are killed somewhere inside.
        span *= 1.5
        logger.info("killing at uniform random times in [0, %.2fs]", span)

        killed = 0
        in_window = 0  # kills that left a row in 'sending' (the ambiguous window)
        for i in range(1, args.kills + 1):
            add_article(i)
            proc = run_digest(config)
            time.sleep(rng.uniform(0, span))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                killed += 1
            proc.wait(30)
            with sqlite3.connect(base / "state.db") as db:
                sending = db.execute(
                    "SELECT count(*) FROM deliveries WHERE status = 'sending'"
                ).fetchone()[0]
            in_window += sending

        # Let the system recover: plain runs until nothing is left to send.
        for _ in range(3):
            assert run_digest(config).wait(60) == 0

        with sqlite3.connect(base / "state.db") as db:
            rows = db.execute(
                "SELECT g.name, d.recipient, d.message_id, d.status FROM deliveries d"
                " JOIN digests g ON g.id = d.digest_id"
            ).fetchall()
            digests = db.execute("SELECT count(*) FROM digests").fetchone()[0]

    received = {who: Counter(box.message_ids(who)) for who in recipients}
    dupes: Counter[str] = Counter()
    losses: Counter[str] = Counter()
    not_sent = [r for r in rows if r[3] != "sent"]
    for _name, who, message_id, _status in rows:
        got = received[who][message_id]
        if got == 0:
            losses[who] += 1
        elif got > 1:
            dupes[who] += got - 1
    extra = sum(
        n
        for who in recipients
        for mid, n in received[who].items()
        if mid not in {r[2] for r in rows}
    )

    out = sys.stdout
    out.write(
        f"{args.kills} runs, {killed} killed before the end ({in_window} left a 'sending' row),"
        f" {digests} digests, {len(recipients)} recipients, rcpt delay {args.rcpt_delay}s,"
        f" ack delay {args.ack_delay}s\n"
    )
    for who in recipients:
        total = sum(received[who].values())
        out.write(
            f"  {who}: received {total}, expected {sum(1 for r in rows if r[1] == who)},"
            f" duplicates {dupes[who]}, losses {losses[who]}\n"
        )
    out.write(
        f"total: duplicates {sum(dupes.values())}, losses {sum(losses.values())},"
        f" unexpected messages {extra}, deliveries not 'sent' {len(not_sent)}\n"
    )
    return 1 if sum(losses.values()) or not_sent else 0


if __name__ == "__main__":
    sys.exit(main())
