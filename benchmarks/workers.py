"""Queue mode over several worker processes: wall time per stage, speed-up, and a crash loop.

    DIGEST_DATA_DIR=/work/shared/data python benchmarks/workers.py \
        --postgres postgresql://USER:PASSWORD@127.0.0.1/postgres \
        [--feeds 2000] [--items 5] [--readers 20000] [--workers 1 2 4] [--crash-every 3] \
        [--no-crash | --crash-only]

A loopback HTTP server serves `--feeds` RSS feeds of `--items` new stories each (distinct real
text from ../shared/data, as benchmarks/end_to_end.py makes them: full stories, so no page is
fetched), and a real SMTP server (aiosmtpd) on loopback takes the mail of `--readers` readers.
For each `--workers` count, a fresh PostgreSQL database (dropped afterwards), that many
`digest worker` processes, and one slot deferred as `digest serve` defers it; the stages are
timed from the state (each stage ends when its last job is done):

    fetch     every fetch_source job done (items staged)
    prepare   every prepare job done (cleaned and summarised, by content hash)
    assemble  the digest stored and written (one pipeline run over the prepared results)
    mail      every delivery sent (250 from the server)

Then the crash loop, with the largest worker count: a random worker is SIGKILLed every
`--crash-every` seconds for the whole cycle and started again at once. Every mailbox is then
checked: no reader without the digest, duplicates no more than kills during the mail stage
(the SMTP window deliver.py documents: a message the server took just before the kill, its
'sent' not yet stored, is sent again with the same Message-ID), one digest for the slot, and
every item of every feed recorded in exactly one digest.

Skips with a message without the data folder or a PostgreSQL server (--postgres, or
$DIGEST_TEST_POSTGRES). On a small shared machine, scale down with --feeds/--readers.
"""

from __future__ import annotations

import argparse
import html
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from end_to_end import DATA, backend, emit, mixed_stories, real_stories  # noqa: E402
from mailserver import smtp_server  # noqa: E402

HANG = 1800.0  # seconds: bounds a stage that never ends (a bug), not a speed


# --- the loopback servers ----------------------------------------------------------------


def feed_xml(base: str, feed: int, stories: list[tuple[str, str]]) -> bytes:
    items = []
    for k, (title, body) in enumerate(stories):
        paras = "".join(f"<p>{html.escape(p)}</p>" for p in body.split("\n\n"))
        items.append(
            f"<item><title>{html.escape(title)}</title>"
            f"<link>{base}/story/{feed}/{k}</link><guid>{base}/story/{feed}/{k}</guid>"
            f"<pubDate>Tue, 24 Nov 2026 06:{k:02d}:00 GMT</pubDate>"
            f"<description>{html.escape(paras)}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Feed {feed}</title><link>{base}/</link><description>bench</description>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def serve_feeds(feeds: dict[str, bytes]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = feeds.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Boxes:
    """aiosmtpd handler counting messages (and their Message-IDs) per recipient."""

    def __init__(self) -> None:
        self.ids: dict[str, list[str]] = {}
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        # The headers only: parsing 20,000 whole messages here would make this one thread,
        # not digest, the bottleneck being measured.
        head = re.split(rb"\r?\n\r?\n", envelope.content, maxsplit=1)[0]
        msg = message_from_bytes(head, policy=policy.compat32)
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.ids.setdefault(rcpt, []).append(msg["Message-ID"])
        return "250 OK"


# --- one cycle ---------------------------------------------------------------------------


def write_config(root: Path, state: str, feeds_url: str, feeds: int, readers: int, port: int):
    lines = [
        "title: Workers benchmark",
        "timezone: UTC",
        "sources:",
        *(f"  - {{name: feed{i}, type: feed, url: '{feeds_url}/feed/{i}'}}" for i in range(feeds)),
        "output: {dir: digests, formats: [html, json]}",
        f"state: {state}",
        "queue: {enabled: true, stalled_after: 3, attempts: 5, retry_wait: 1}",
        "email:",
        "  enabled: true",
        "  from: Bench <bench@example.org>",
        f"  smtp: {{host: 127.0.0.1, port: {port}, security: none}}",
        "  recipients:",
        *(f"    - r{i}@example.org" for i in range(readers)),
    ]
    (root / "config.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root / "config.yaml"


class Workers:
    def __init__(self, config: Path, env: dict[str, str], count: int) -> None:
        self.config, self.env = config, {**os.environ, **env, "PYTHONPATH": str(REPO)}
        self.log = (config.parent / "workers.log").open("ab")
        self.procs = [self.start() for _ in range(count)]
        self.kills = 0

    def start(self) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "digest", "worker", "--config", str(self.config)],
            cwd=self.config.parent, env=self.env, stdout=subprocess.DEVNULL, stderr=self.log,
        )  # fmt: skip

    def kill_one(self) -> None:
        i = random.randrange(len(self.procs))
        self.procs[i].send_signal(signal.SIGKILL)
        self.procs[i].wait()
        self.kills += 1
        self.procs[i] = self.start()

    def stop(self) -> None:
        for p in self.procs:
            p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
        self.log.close()


def stage_probe(state: str, env: dict[str, str]):
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    os.environ.update(env)
    engine = create_engine(state.replace("postgresql://", "postgresql+psycopg://", 1),
                           poolclass=NullPool)  # fmt: skip

    def left(task: str) -> int:
        with engine.connect() as db:
            return db.execute(
                text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = :t"
                     " AND status IN ('todo', 'doing')"), {"t": f"digest:{task}"}
            ).scalar()  # fmt: skip

    def scalar(sql: str) -> int:
        with engine.connect() as db:
            return db.execute(text(sql)).scalar()

    return left, scalar, engine


def cycle(root: Path, spec: str, stories, args, workers: int, crash: bool) -> dict:
    feeds = {
        f"/feed/{i}": b"" for i in range(args.feeds)
    }  # filled once the server's port is known (links carry it)
    server = serve_feeds(feeds)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    for i in range(args.feeds):
        feeds[f"/feed/{i}"] = feed_xml(base, i, stories[i * args.items : (i + 1) * args.items])
    boxes = Boxes()
    mail = smtp_server(boxes)
    port = mail.__enter__().port
    result: dict = {}
    try:
        with backend(spec) as (_label, state, env):
            config = write_config(root, state, base, args.feeds, args.readers, port)
            os.environ.update(env)
            pool = Workers(config, env, workers)
            try:
                from digest.config import load_config
                from digest.queue.app import ensure_schema
                from digest.queue.scheduler import queued_digest_job

                cfg = load_config(config)
                ensure_schema(cfg)
                left, scalar, engine = stage_probe(state, env)
                started = time.monotonic()
                from datetime import datetime, timezone

                queued_digest_job(cfg, now=datetime(2026, 11, 24, 7, 0, tzinfo=timezone.utc))
                marks: dict[str, float] = {}
                next_kill = started + args.crash_every
                checks = [
                    ("fetch", lambda: scalar("SELECT count(*) FROM procrastinate_jobs") > 0
                     and left("build_slot") == 0 and left("fetch_source") == 0),
                    ("prepare", lambda: left("prepare") == 0),
                    ("assemble", lambda: scalar(
                        "SELECT count(*) FROM digests WHERE status = 'written'") == 1),
                    ("mail", lambda: scalar(
                        "SELECT count(*) FROM deliveries WHERE status = 'sent'") == args.readers),
                ]  # fmt: skip
                kills_in_mail = 0
                for name, done in checks:
                    while not done():
                        if time.monotonic() - started > HANG:
                            raise SystemExit(f"stage {name} did not end in {HANG:.0f}s")
                        if crash and time.monotonic() >= next_kill:
                            pool.kill_one()
                            kills_in_mail += name == "mail"
                            next_kill = time.monotonic() + args.crash_every
                        time.sleep(0.1)
                    marks[name] = time.monotonic() - started
                result = {"marks": marks, "kills": pool.kills, "kills_in_mail": kills_in_mail}
                if crash:
                    result.update(check(scalar, engine, boxes, args, kills_in_mail))
                engine.dispose()
            finally:
                pool.stop()
    finally:
        mail.__exit__(None, None, None)
        server.shutdown()
    return result


def check(scalar, engine, boxes: Boxes, args, kills_in_mail: int) -> dict:
    from sqlalchemy import text

    counts = {f"r{i}@example.org": len(boxes.ids.get(f"r{i}@example.org", []))
              for i in range(args.readers)}  # fmt: skip
    lost = sum(1 for c in counts.values() if c == 0)
    duplicates = sum(c - 1 for c in counts.values() if c > 1)
    same_id = all(len(set(ids)) == 1 for ids in boxes.ids.values())
    with engine.connect() as db:
        uids = Counter(r[0] for r in db.execute(text("SELECT uid FROM articles")))
    expected = args.feeds * args.items
    return {
        "lost": lost,
        "duplicates": duplicates,
        "same_message_id": same_id,
        "digests": scalar("SELECT count(*) FROM digests"),
        "articles_recorded": len(uids),
        "articles_expected": expected,
        "in_two_digests": sum(1 for c in uids.values() if c > 1),
        "ok": lost == 0
        and duplicates <= kills_in_mail
        and same_id
        and scalar("SELECT count(*) FROM digests") == 1
        and len(uids) == expected,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", default=os.environ.get("DIGEST_TEST_POSTGRES"))
    parser.add_argument("--feeds", type=int, default=2000)
    parser.add_argument("--items", type=int, default=5)
    parser.add_argument("--readers", type=int, default=20000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--crash-every", type=float, default=3.0)
    parser.add_argument("--no-crash", action="store_true")
    parser.add_argument("--crash-only", action="store_true", help="the crash loop alone")
    args = parser.parse_args()
    if not DATA.is_dir():
        emit(f"skipped: evaluation data not found in {DATA} (set DIGEST_DATA_DIR)")
        return
    if not args.postgres:
        emit("skipped: no PostgreSQL server (give --postgres or set DIGEST_TEST_POSTGRES)")
        return
    base = real_stories()
    need = args.feeds * args.items
    stories = (base + mixed_stories(base, max(0, need - len(base))))[:need]
    emit(f"{args.feeds} feeds x {args.items} items = {need} stories, {args.readers} readers;"
         f" {os.cpu_count()} CPUs")  # fmt: skip
    # The machine may be shared: the 1-minute load average before and after each cycle.
    emit("| workers | fetch s | prepare s | assemble s | mail s | mail ms/message | total s"
         " | speed-up | load before/after |")  # fmt: skip
    emit("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    first = None
    for count in [] if args.crash_only else args.workers:
        load = os.getloadavg()[0]
        with tempfile.TemporaryDirectory(prefix="digest-workers-") as tmp:
            r = cycle(Path(tmp), args.postgres, stories, args, count, crash=False)
        m = r["marks"]
        first = first or m["mail"]
        mail = m["mail"] - m["assemble"]
        emit(f"| {count} | {m['fetch']:.1f} | {m['prepare'] - m['fetch']:.1f}"
             f" | {m['assemble'] - m['prepare']:.1f} | {mail:.1f}"
             f" | {1000 * mail / args.readers:.1f} | {m['mail']:.1f} | {first / m['mail']:.2f}x"
             f" | {load:.1f}/{os.getloadavg()[0]:.1f} |")  # fmt: skip
    if args.no_crash:
        return
    count = max(args.workers)
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="digest-crash-") as tmp:
        r = cycle(Path(tmp), args.postgres, stories, args, count, crash=True)
    emit(
        f"\nCrash loop, {count} workers, SIGKILL every {args.crash_every:g}s: {r['kills']} kills"
        f" ({r['kills_in_mail']} while mailing) in {r['marks']['mail']:.1f}s;"
        f" {r['lost']} readers without the digest, {r['duplicates']} duplicates"
        f" (same Message-ID: {r['same_message_id']}), {r['digests']} digest(s),"
        f" {r['articles_recorded']}/{r['articles_expected']} items recorded,"
        f" {r['in_two_digests']} in two digests: {'PASS' if r['ok'] else 'FAIL'}"
        f" (load {load:.1f}/{os.getloadavg()[0]:.1f})"
    )


if __name__ == "__main__":
    main()
