"""`digest run --dry-run` says what a run would write and send, and changes nothing: the files,
the state database, the feed validators and the mailboxes are compared before and after."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from pathlib import Path

from helpers import HARBOUR_ARTICLE, LIBRARY_ARTICLE, NOW, add_article, write_config
from mailserver import Mailboxes, closed_port, smtp_server
from webdata import WIRE_BODY, rss, story
from werkzeug import Response

from digest.cli import main
from digest.config import load_config
from digest.dryrun import describe, dry_run
from digest.pipeline import run_once

FEED_XML = "application/rss+xml"
ALICE, BOB = "alice@example.org", "bob@example.org"
VALIDATORS = {"ETag": '"v1"', "Last-Modified": "Mon, 23 Nov 2026 08:00:00 GMT"}
WIRE = {
    "title": "Winter sea ice at a forty-year low",
    "link": "https://courier.example/science/sea-ice-low",
    "date": "Fri, 20 Nov 2026 09:00:00 GMT",
    "html": story(WIRE_BODY),
}


def serve_feeds(httpserver) -> None:
    def feed(request):
        if request.headers.get("If-None-Match") == VALIDATORS["ETag"]:
            return Response(status=304)
        return Response(rss([WIRE], title="Courier"), content_type=FEED_XML, headers=VALIDATORS)

    httpserver.expect_request("/rss").respond_with_handler(feed)
    httpserver.expect_request("/broken").respond_with_data("oops", status=500)


def make_config(tmp_path: Path, httpserver, smtp_port: int) -> Path:
    (tmp_path / "articles").mkdir()
    add_article(tmp_path / "articles", "harbour.txt", HARBOUR_ARTICLE)
    return write_config(
        tmp_path,
        sources=[
            {"name": "Local", "type": "folder", "path": "articles"},
            {"name": "Courier", "type": "feed", "url": httpserver.url_for("/rss")},
            {"name": "Broken", "type": "feed", "url": httpserver.url_for("/broken")},
        ],
        fetch={"timeout": 5},
        email={
            "enabled": True,
            "from": "brief@example.org",
            "recipients": [ALICE, BOB],
            "smtp": {"host": "127.0.0.1", "port": smtp_port, "security": "none", "timeout": 5}
            | {"attempts": 1},
        },
    )


def files(root: Path) -> dict[str, bytes | None]:
    """Every file under root; contents too, except the state database's (compared by rows)."""
    return {
        str(p.relative_to(root)): None if p.name.startswith("state.db") else p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def state_rows(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as db:
        return list(db.iterdump())


def test_dry_run_on_a_new_setup_writes_creates_and_sends_nothing(tmp_path, httpserver, capsys):
    serve_feeds(httpserver)
    box = Mailboxes()
    with smtp_server(box) as server:
        path = make_config(tmp_path, httpserver, server.port)
        before = files(tmp_path)

        assert main(["run", "--dry-run", "--config", str(path)]) == 0

        assert files(tmp_path) == before  # no digests/, no state/, no lock file
        assert box.connections == 0
        out = capsys.readouterr().out
        name = re.search(
            r"Would write (digest-\d{4}-\d\d-\d\d) with 2 articles from 2 sources:", out
        )
        assert name, out
        digests = tmp_path / "digests"
        assert out.splitlines()[:8] == [
            "Dry run: nothing is written, stored or sent.",
            name.group(0),
            f"  {digests / name.group(1)}.html",
            f"  {digests / name.group(1)}.txt",
            f"  {digests / name.group(1)}.json",
            f"  {digests / 'index.html'}",
            "Briefs:",
            "  1. City council approves harbour flood barrier (Local): 3 sentences",
        ]
        assert "  2. Winter sea ice at a forty-year low (Courier): 3 sentences" in out
        assert "Left out:\n  all items (Broken): server error (HTTP 500)" in out
        assert 'Would send "Morning Brief for ' in out and f"to {ALICE}, {BOB}\n" in out

        # The real run after it asks for the feed without validators: the dry run kept none.
        report = run_once(load_config(path), now=NOW)
        assert report.articles == 2
        sent = [r.headers.get("If-None-Match") for r, _ in httpserver.log if r.path == "/rss"]
        assert sent == [None, None]
    assert box.connections == 1 and len(box[ALICE]) == len(box[BOB]) == 1


def test_dry_run_after_real_runs_predicts_the_next_one_and_changes_nothing(tmp_path, httpserver):
    serve_feeds(httpserver)
    box = Mailboxes()
    with smtp_server(box) as server:
        config = load_config(make_config(tmp_path, httpserver, server.port))
        run_once(config, now=NOW)
        add_article(tmp_path / "articles", "library.txt", LIBRARY_ARTICLE)
        before, rows = files(tmp_path), state_rows(config.state)
        connections = box.connections

        plan = dry_run(config, now=NOW)

        assert files(tmp_path) == before
        assert state_rows(config.state) == rows  # health, validators, signatures: all as they were
        assert box.connections == connections and len(box[ALICE]) == 1
        assert plan.name == "digest-2026-11-24-2"
        assert [b.article.title for b in plan.digest.briefs] == [
            "Central library to open on Sunday afternoons"
        ]
        assert plan.recipients == (ALICE, BOB)
        assert "Would write digest-2026-11-24-2 with 1 article from 1 source:" in describe(plan)

        report = run_once(config, now=NOW)
        assert report.digest_name == plan.name
        assert report.files == tuple(map(str, plan.files[:-1]))
    assert len(box[ALICE]) == 2


def test_dry_run_with_nothing_new(tmp_path, capsys):
    path = write_config(tmp_path)
    assert main(["run", "--dry-run", "-c", str(path)]) == 0
    assert capsys.readouterr().out == (
        "Dry run: nothing is written, stored or sent.\n"
        "No new articles: no digest would be written.\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["articles", "config.yaml"]


def test_dry_run_says_what_a_run_would_retry_first(tmp_path, httpserver):
    serve_feeds(httpserver)
    with closed_port() as port:  # no server there
        config = load_config(make_config(tmp_path, httpserver, port))
        run_once(config, now=NOW)  # written, but both deliveries left pending
    rows = state_rows(config.state)

    text = describe(dry_run(config, now=NOW))

    assert "Would retry 2 email deliveries left pending." in text
    assert "No new articles: no digest would be written." in text
    assert state_rows(config.state) == rows
