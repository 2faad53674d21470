"""Size of the email for a 50-article digest, before and after the size guard.

    python benchmarks/email_size.py [--articles 50] [--sentences 3]

Builds the digest through the real pipeline (folder source -> extract -> summarise -> render ->
email copy) from generated articles, then reports the HTML size the guard sees, how many
stories fit, and the size of the whole MIME message as sent.
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys
import tempfile
from datetime import datetime
from email import message_from_bytes, policy
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from digest.config import load_config
from digest.deliver import Delivery, Outbox
from digest.mail import _STYLE, MAX_HTML_BYTES, MAX_STYLE_BYTES
from digest.pipeline import run_once
from digest.state import State

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from stories import story  # noqa: E402

ALICE = "alice@example.org"
NOW = datetime(2026, 11, 24, 7, 0, tzinfo=ZoneInfo("Europe/London"))


def write_articles(folder: Path, n: int) -> None:
    """n distinct ten-paragraph stories: identical ones would be folded into one item."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        title, _, body = story(i).partition("\n")
        more = story(i + 100_000).partition("\n")[2]
        (folder / f"{i:03d}.txt").write_text(f"{title}\n{body}\n{more}", encoding="utf-8")


def measure(n: int, sentences: int, archive: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        write_articles(base / "articles", n)
        raw = {
            "title": "Morning Brief",
            "timezone": "Europe/London",
            "sources": [{"name": "Local news", "type": "folder", "path": "articles"}],
            "summary": {"method": "lead", "sentences": sentences},
            "output": {"dir": "out"}
            | ({"archive_url": "https://example.org/digests/"} if archive else {}),
            "state": "state.db",
            "email": {
                "enabled": False,  # build the email copy, send nothing
                "from": "Morning Brief <brief@example.org>",
                "unsubscribe_url": "https://example.org/unsubscribe",
            },
        }
        (base / "config.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
        config = load_config(base / "config.yaml")
        run_once(config, now=NOW)
        with State(config.state) as state:
            record = state.written()[0]
            outbox = Outbox(config, state)
            copy = outbox.copy(record.id)
            to = Delivery(record.id, record.name, record.rendered.subject, ALICE, None, "", "")
            msg = outbox.message(to, copy, message_id="<x@example.org>")
        with sqlite3.connect(config.state) as db:
            stored = db.execute("SELECT html FROM digests").fetchone()[0]
        return {
            "articles": n,
            "full_html": len(stored.encode()),
            "email_html": len(copy.html.encode()),
            "style": sum(len(b.encode()) for b in _STYLE.findall(copy.html)),
            "shown": copy.shown,
            "total": copy.total,
            "message": len(msg),
            "bytes": msg,
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=50)
    parser.add_argument("--sentences", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    out = sys.stdout
    out.write(
        f"limits: HTML part as sent < {MAX_HTML_BYTES} bytes, <style> <= {MAX_STYLE_BYTES} bytes\n"
    )
    for archive in (True, False):
        r = measure(args.articles, args.sentences, archive)
        parsed = message_from_bytes(r["bytes"], policy=policy.default)
        html_part = next(p for p in parsed.walk() if p.get_content_type() == "text/html")
        encoded = len(html_part.get_payload(decode=False).encode())
        out.write(
            f"{r['articles']} articles, {args.sentences} sentences, archive_url "
            f"{'set' if archive else 'unset'}: digest file HTML {r['full_html']:,} B;"
            f" email HTML {r['email_html']:,} B ({r['shown']}/{r['total']} stories),"
            f" <style> {r['style']:,} B; HTML part as sent"
            f" ({html_part['Content-Transfer-Encoding']}) {encoded:,} B;"
            f" whole message {r['message']:,} B\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
