"""How tests/data/state-0.1.0.db was made: this script, run with the code of main at db5a78d
(the release before digest/store/), so every table of that schema holds rows.

    .venv/bin/python tests/data/make_state_0_1_0.py /tmp/v0 && cp /tmp/v0/state/state.db tests/data/state-0.1.0.db

Kept for the record: it imports modules that no longer exist as they were."""

import shutil
import sqlite3
import sys
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from helpers import HARBOUR_ARTICLE, LIBRARY_ARTICLE, LONDON, SEED, add_article, write_config
from mailserver import Mailboxes, smtp_server
from pytest_httpserver import HTTPServer
from webdata import WIRE_BODY, rss, story

from digest.config import load_config
from digest.schedule import run_due
from digest.staging import stage
from digest.state import start_new_state

root = Path(sys.argv[1])
shutil.rmtree(root, ignore_errors=True)
root.mkdir(parents=True)
http = HTTPServer(host="127.0.0.1", port=0)
http.start()
feed = rss(
    [
        {
            "title": "Sea ice at a record low",
            "link": "https://example.org/ice",
            "guid": "ice-1",
            "date": "Mon, 23 Nov 2026 06:00:00 GMT",
            "html": story(WIRE_BODY),
        }
    ]
)
http.expect_request("/feed.xml").respond_with_data(
    feed, content_type="application/rss+xml", headers={"ETag": '"v1"'}
)
box = Mailboxes()
with smtp_server(box) as server:
    (root / "articles").mkdir()
    shutil.copy(SEED, root / "articles" / SEED.name)
    add_article(root / "articles", "harbour.txt", HARBOUR_ARTICLE)
    (root / "articles" / "empty.txt").write_text("\n", encoding="utf-8")  # a skipped item
    path = write_config(
        root,
        schedule={"digest": "0 7 * * *"},
        sources=[
            {"name": "Local", "type": "folder", "path": "articles"},
            {"name": "Wire", "type": "feed", "url": http.url_for("/feed.xml")},
        ],
        email={
            "enabled": True,
            "from": "Morning Brief <brief@example.org>",
            "recipients": ["alice@example.org", {"email": "bob@example.org", "name": "Bob"}],
            "smtp": {
                "host": "127.0.0.1",
                "port": server.port,
                "security": "none",
                "timeout": 5,
                "retry_wait": 0,
            },
        },
    )
    config = load_config(path)
    now = datetime(2026, 11, 24, 7, 0, tzinfo=LONDON)
    assert start_new_state(config.state)  # state_info
    stage(config, now=now - timedelta(minutes=30))  # staged_items, web_sources, health
    due = run_due(config, now=now)  # digest, articles, signatures,
    print(due.reason, due.report)  # copies, deliveries, slot_runs  # noqa: T201
    add_article(root / "articles", "library.txt", LIBRARY_ARTICLE)
    stage(config, now=now + timedelta(hours=1))  # one item left waiting
    print({a: len(box[a]) for a in ("alice@example.org", "bob@example.org")})  # noqa: T201
http.stop()
db = sqlite3.connect(config.state)
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
db.execute("PRAGMA journal_mode=DELETE")
for (t,) in db.execute(
    "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"
).fetchall():
    print(t, db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0])  # noqa: T201
db.close()
