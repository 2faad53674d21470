"""A story a recent digest carried is left out of the next ones: real folders, SQLite and files.

Folder sources stand in for feeds: a copy of a story in another folder (or under another file
name) is a new item, exactly like a feed republishing a wire story under a new guid.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from helpers import HARBOUR_ARTICLE, LIBRARY_ARTICLE, NOW, add_article, query, write_config
from stories import story

from digest.config import Config, load_config
from digest.dedupe import (
    REPEAT_WINDOW,
    THRESHOLD,
    find_repeats,
    from_bytes,
    merge_duplicates,
    signature,
    signatures,
    similar_pairs,
    similarity,
    to_bytes,
)
from digest.models import Article, Sent
from digest.pipeline import run_once
from digest.state import State

RELEASE_STATE = Path(__file__).parent / "data" / "state-0.1.0.db"
X = story(1)  # "Vertalmo school approved over a data breach"
X_TITLE = X.partition("\n")[0]
Y = story(2)
Y_TITLE = Y.partition("\n")[0]

# The same event a few days on, mostly new text (one quote kept, as updates do): not a repeat.
X_UPDATE = """Vertalmo school contract back on after breach inquiry

Vertalmo officials restored the school contract on Friday, four days after a data breach had put 236 million pounds of prison work on hold.

An inquiry found that no personal records had left the council's systems, and the contract with Penwickost was signed again at a short evening meeting.

Penwickost said the 335 stadium jobs in Vertalmo were safe and that work on the tram would restart next month.

"Vertalmo cannot wait for the contract forever," said Dorlanwick, who cleared the prison review in 2027.

Dorlanwick now expects the first school buildings to open in autumn 2029, and said the council would publish the inquiry's report in full.
"""  # noqa: E501


def wire_copy(text: str, desk: str = "agency") -> str:
    """The story as another paper prints it: own headline, lede line, sign-off, a word added."""
    title, _, body = text.partition("\n\n")
    body = body.replace(" on ", " late on ", 1)
    return f"{title}, officials say\n\nFrom the {desk} wire.\n\n{body}\nReporting by the {desk} desk.\n"


def two_feeds(tmp_path: Path) -> Config:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
    return load_config(
        write_config(
            tmp_path,
            sources=[
                {"name": "Feed A", "type": "folder", "path": "a"},
                {"name": "Feed B", "type": "folder", "path": "b"},
            ],
        )
    )


def titles(config: Config, name: str) -> list[str]:
    data = json.loads((config.output.dir / f"{name}.json").read_text("utf-8"))
    return [item["title"] for item in data["items"]]


def signature_rows(config: Config) -> list[tuple[str, str]]:
    return query(
        config.state,
        "SELECT d.name, a.title FROM signatures s JOIN digests d ON d.id = s.digest_id"
        " JOIN articles a ON a.uid = s.uid ORDER BY s.digest_id, a.title",
    )


def test_copy_from_another_source_next_day_is_left_out_and_the_log_names_both(tmp_path, caplog):
    config = two_feeds(tmp_path)
    add_article(tmp_path / "a", "x.txt", X)
    assert run_once(config, now=NOW).digest_name == "digest-2026-11-24"

    add_article(tmp_path / "b", "wire-copy.txt", wire_copy(X))
    add_article(tmp_path / "b", "other.txt", Y)
    with caplog.at_level(logging.INFO, logger="digest"):
        report = run_once(config, now=NOW + timedelta(days=1))

    assert report.digest_name == "digest-2026-11-25"
    assert titles(config, "digest-2026-11-25") == [Y_TITLE]
    line = (
        f'Left out "{X_TITLE}, officials say" (Feed B): already in digest-2026-11-24 as "{X_TITLE}"'
    )
    assert line in caplog.messages
    assert [(r.source, r.name) for r in report.repeats] == [("Feed B", "wire-copy.txt")]
    # Not an error: the footer of the digest does not list it.
    text = (config.output.dir / "digest-2026-11-25.txt").read_text("utf-8")
    assert "wire-copy.txt" not in text and "officials say" not in text
    assert report.skipped == ()
    assert any("1 repeat left out" in m for m in caplog.messages)


def test_a_different_story_and_an_update_with_new_text_still_go_out(tmp_path):
    config = two_feeds(tmp_path)
    add_article(tmp_path / "a", "x.txt", X)
    run_once(config, now=NOW)

    add_article(tmp_path / "b", "y.txt", Y)
    add_article(tmp_path / "b", "x-update.txt", X_UPDATE)
    report = run_once(config, now=NOW + timedelta(days=1))

    assert report.repeats == ()
    assert sorted(titles(config, report.digest_name)) == sorted(
        ["Vertalmo school contract back on after breach inquiry", Y_TITLE]
    )
    # The update shares a quote and some facts with the story: below the threshold, by margin.
    update = signature(X_UPDATE.partition("\n\n")[2])
    assert similarity(update, signature(X.partition("\n\n")[2])) < THRESHOLD - 0.2


def test_a_copy_is_left_out_within_the_window_and_goes_out_after_it(tmp_path):
    config = two_feeds(tmp_path)
    add_article(tmp_path / "a", "x.txt", X)
    run_once(config, now=NOW)
    assert REPEAT_WINDOW == timedelta(days=7)

    add_article(tmp_path / "b", "copy-1.txt", wire_copy(X, "agency"))
    within = run_once(config, now=NOW + timedelta(days=6, hours=23))
    assert not within.wrote_digest and [r.name for r in within.repeats] == ["copy-1.txt"]

    add_article(tmp_path / "b", "copy-2.txt", wire_copy(X, "news"))
    after = run_once(config, now=NOW + timedelta(days=7, hours=1))
    assert after.repeats == ()
    assert titles(config, after.digest_name) == [f"{X_TITLE}, officials say"]
    # Signatures past the window are pruned: only the new digest's article is left.
    assert signature_rows(config) == [(after.digest_name, f"{X_TITLE}, officials say")]


def test_a_run_whose_only_new_item_is_a_repeat_writes_nothing_and_records_it(tmp_path, caplog):
    config = two_feeds(tmp_path)
    add_article(tmp_path / "a", "x.txt", X)
    run_once(config, now=NOW)
    before = {p.name: p.stat().st_mtime_ns for p in config.output.dir.iterdir()}

    add_article(tmp_path / "b", "wire-copy.txt", wire_copy(X))
    with caplog.at_level(logging.INFO, logger="digest"):
        report = run_once(config, now=NOW + timedelta(hours=3))

    # What a run with nothing new does: no digest, no files touched, one line saying so.
    assert not report.wrote_digest and len(report.repeats) == 1
    assert {p.name: p.stat().st_mtime_ns for p in config.output.dir.iterdir()} == before
    assert "No new articles (1 repeat left out); nothing written" in caplog.messages
    # Recorded as handled, against the digest that carried the story: not read again.
    with State(config.state) as state:
        assert state.is_seen(report.repeats[0].uid)
    assert query(
        config.state,
        "SELECT d.name, a.reason FROM articles a JOIN digests d ON d.id = a.digest_id"
        " WHERE a.uid = :uid",
        uid=report.repeats[0].uid,
    ) == [("digest-2026-11-24", f'already in digest-2026-11-24 as "{X_TITLE}"')]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="digest"):
        again = run_once(config, now=NOW + timedelta(hours=4))
    assert again.repeats == () and "No new articles; nothing written" in caplog.messages


def test_copies_within_one_run_are_still_folded_and_a_later_copy_is_a_repeat(tmp_path):
    config = two_feeds(tmp_path)
    add_article(tmp_path / "a", "x.txt", X)
    add_article(tmp_path / "b", "wire-copy.txt", wire_copy(X))
    first = run_once(config, now=NOW)

    data = json.loads((config.output.dir / f"{first.digest_name}.json").read_text("utf-8"))
    assert [(i["title"], i["source"], i["also_in"]) for i in data["items"]] == [
        (X_TITLE, "Feed A", ["Feed B"])
    ]
    assert first.repeats == ()
    # Both copies went into the digest, so both are remembered.
    assert [title for _, title in signature_rows(config)] == [X_TITLE, f"{X_TITLE}, officials say"]

    add_article(tmp_path / "a", "copy-again.txt", wire_copy(X, "news"))
    later = run_once(config, now=NOW + timedelta(days=1))
    assert not later.wrote_digest and [r.name for r in later.repeats] == ["copy-again.txt"]


# The schema as the code before the `signatures` table created it (digest/state.py at 64a6843).
STATE_BEFORE_SIGNATURES = """
CREATE TABLE digests (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    slot        TEXT,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'written')),
    subject     TEXT NOT NULL,
    html        TEXT NOT NULL,
    text        TEXT NOT NULL,
    json        TEXT NOT NULL,
    articles    INTEGER NOT NULL,
    sources     INTEGER NOT NULL
);
CREATE TABLE articles (
    uid        TEXT PRIMARY KEY,
    digest_id  INTEGER NOT NULL REFERENCES digests(id),
    source     TEXT NOT NULL,
    name       TEXT NOT NULL,
    title      TEXT,
    status     TEXT NOT NULL CHECK (status IN ('included', 'skipped')),
    reason     TEXT
);
"""


def test_a_state_file_from_before_signatures_gains_the_table_and_keeps_its_history(
    config, articles
):
    config.state.parent.mkdir(parents=True)
    harbour_uid = "sha256:" + hashlib.sha256(HARBOUR_ARTICLE.encode()).hexdigest()
    with sqlite3.connect(config.state) as db:
        db.executescript(STATE_BEFORE_SIGNATURES)
        db.execute(
            "INSERT INTO digests VALUES (1, 'digest-2026-11-23', ?, NULL, 'written', 's', 'h',"
            " 't', '{}', 1, 1)",
            ((NOW - timedelta(days=1)).isoformat(),),
        )
        db.execute(
            "INSERT INTO articles VALUES (?, 1, 'Local', 'harbour.txt', 'Harbour', 'included',"
            " NULL)",
            (harbour_uid,),
        )
    add_article(articles, "harbour.txt", HARBOUR_ARTICLE)
    add_article(articles, "library.txt", LIBRARY_ARTICLE)

    report = run_once(config, now=NOW)

    # Old history still counts (harbour.txt is not new); the new digest's article is remembered.
    assert report.digest_name == "digest-2026-11-24" and report.articles == 1
    assert signature_rows(config) == [
        ("digest-2026-11-24", "Central library to open on Sunday afternoons")
    ]
    add_article(articles, "library-copy.txt", wire_copy(LIBRARY_ARTICLE))
    assert [r.name for r in run_once(config, now=NOW + timedelta(days=1)).repeats] == [
        "library-copy.txt"
    ]
    # Digests stored before the upgrade have no signatures (their texts were never kept), so
    # a copy of one of their stories still goes out, once.
    add_article(articles, "harbour-copy.txt", wire_copy(HARBOUR_ARTICLE))
    assert run_once(config, now=NOW + timedelta(days=1, hours=1)).articles == 1


def test_a_crash_before_the_digest_is_stored_remembers_nothing(tmp_path, monkeypatch):
    import digest.pipeline as pipeline

    config = two_feeds(tmp_path)
    add_article(tmp_path / "a", "x.txt", X)

    def failing_recorder(*args, **kwargs):
        def store(db, digest_id):
            raise RuntimeError("crash inside the store transaction")

        return store

    monkeypatch.setattr(pipeline, "recorder", failing_recorder)
    with pytest.raises(RuntimeError):
        run_once(config, now=NOW)
    monkeypatch.undo()
    assert signature_rows(config) == []

    # The digest was never stored, so the copy that arrives meanwhile is no repeat of it.
    add_article(tmp_path / "b", "wire-copy.txt", wire_copy(X))
    report = run_once(config, now=NOW + timedelta(hours=1))
    assert report.repeats == () and report.digest_name == "digest-2026-11-24"
    assert titles(config, report.digest_name) == [X_TITLE]


def test_a_digest_stored_but_not_written_still_makes_a_later_copy_a_repeat(tmp_path, monkeypatch):
    import digest.pipeline as pipeline
    from digest.errors import DeliveryError

    config = two_feeds(tmp_path)
    add_article(tmp_path / "a", "x.txt", X)

    def disk_full(*args, **kwargs):
        raise DeliveryError("disk full")

    monkeypatch.setattr(pipeline, "write_digest", disk_full)
    with pytest.raises(DeliveryError):
        run_once(config, now=NOW)
    monkeypatch.undo()

    # The next run first finishes the stored digest, then finds the copy a repeat of it.
    add_article(tmp_path / "b", "wire-copy.txt", wire_copy(X))
    report = run_once(config, now=NOW + timedelta(hours=1))
    assert titles(config, "digest-2026-11-24") == [X_TITLE]
    assert not report.wrote_digest and [r.name for r in report.repeats] == ["wire-copy.txt"]


def article(uid: str, text: str) -> Article:
    return Article(uid=uid, source="S", name=uid, title=uid, text=text)


def test_find_repeats_names_the_most_similar_sent_story_and_ignores_foreign_signatures(tmp_path):
    body = X.partition("\n\n")[2]
    copy = wire_copy(X).partition("\n\n")[2]
    # Stored by the release before rensa (datasketch's layout, from the 0.1.0 state file): it
    # cannot be compared with a signature made now, so it is left alone, not an error.
    release = shutil.copy(RELEASE_STATE, tmp_path / "state.db")  # opening it may upgrade it
    [(datasketch_blob,)] = query(release, "SELECT minhash FROM signatures LIMIT 1")
    assert from_bytes(datasketch_blob) is None
    sent = [
        Sent("u0", 3, "digest-2026-11-26", "Foreign", datasketch_blob),
        Sent("u1", 2, "digest-2026-11-25", "Other", to_bytes(signature(Y))),
        Sent("u2", 1, "digest-2026-11-24", "Original", to_bytes(signature(body))),
    ]
    articles = [article("copy", copy), article("new", story(3))]
    fresh, repeats = find_repeats(articles, signatures(articles), sent)
    assert [a.uid for a in fresh] == ["new"]
    assert [(r.article.uid, r.reason) for r in repeats] == [
        ("copy", 'already in digest-2026-11-24 as "Original"')
    ]
    # Stored bytes give back the same signature.
    assert similarity(from_bytes(to_bytes(signature(body))), signature(body)) == 1.0


def test_a_repeat_of_two_sent_copies_names_the_newest_digest():
    body = X.partition("\n\n")[2]
    sent = [
        Sent("u1", 2, "digest-2026-11-25", "Again", to_bytes(signature(body))),
        Sent("u2", 1, "digest-2026-11-24", "First", to_bytes(signature(body))),
    ]
    articles = [article("copy", body)]
    fresh, repeats = find_repeats(articles, signatures(articles), sent)
    assert fresh == [] and [r.reason for r in repeats] == [
        'already in digest-2026-11-25 as "Again"'
    ]


def test_the_scheduled_jobs_line_counts_the_repeats_it_left_out(tmp_path, caplog):
    from digest.schedule import digest_job

    config = two_feeds(tmp_path)
    add_article(tmp_path / "a", "x.txt", X)
    assert digest_job(config, now=NOW).report.wrote_digest

    add_article(tmp_path / "b", "wire-copy.txt", wire_copy(X))
    add_article(tmp_path / "b", "other.txt", Y)
    caplog.clear()  # the first job's lines are captured too when an earlier test set INFO
    with caplog.at_level(logging.INFO, logger="digest"):
        due = digest_job(config, now=NOW + timedelta(days=1))

    assert due.report.digest_name == "digest-2026-11-25"
    [line] = [m for m in caplog.messages if m.startswith("Digest job for")]
    assert "digest-2026-11-25 with 1 article, 1 repeat left out" in line


def edited(text: str, rng, share: float) -> str:
    """`text` with about `share` of its words replaced: near the threshold, both sides of it."""
    words = text.split()
    for k in rng.sample(range(len(words)), int(len(words) * share)):
        words[k] = f"edit{rng.randrange(10**6)}"
    return " ".join(words)


def test_folding_finds_the_copies_an_all_pairs_comparison_finds():
    import random

    rng = random.Random(7)
    texts = []
    for n in range(60):
        base = story(n)
        texts.append(base)
        # Copies from barely touched to well past the threshold, so the banding is tested where
        # it decides: pairs of copies land in some bands and not in others.
        texts += [
            edited(base, rng, rng.choice((0.0, 0.05, 0.09, 0.1, 0.11, 0.12, 0.13, 0.3)))
            for _ in range(n % 5)
        ]
    rng.shuffle(texts)
    articles = [Article(f"u{i}", "S", f"{i}.txt", f"T{i}", t) for i, t in enumerate(texts)]
    sigs = signatures(articles)
    hashes = [sigs[a.uid] for a in articles]

    # Every pair at or over the threshold, by comparing each with each: banding may miss a
    # pair near the threshold (it is a candidate with probability 0.55 there), never one of
    # clear copies, and it never reports a pair under the threshold.
    over = {
        (i, j): similarity(hashes[i], hashes[j])
        for i in range(len(hashes))
        for j in range(i + 1, len(hashes))
        if similarity(hashes[i], hashes[j]) >= THRESHOLD
    }
    found = {(min(i, j), max(i, j)) for i, j in similar_pairs(hashes)}
    assert found <= set(over)
    assert {pair for pair, s in over.items() if s >= 0.7} <= found
    expected = found
    assert 50 < len(expected)  # the test has copies to find, and some edits went too far:
    assert len(expected) < sum(n % 5 * (n % 5 + 1) // 2 for n in range(60))

    # One brief per group of copies linked by those pairs, led by its first article.
    leader = list(range(len(articles)))
    for i, j in sorted(expected):
        a, b = sorted((leader[i], leader[j]))
        leader = [a if x == b else x for x in leader]
    folded = merge_duplicates(articles, sigs)
    assert [a.uid for a in folded.kept] == [f"u{i}" for i in sorted(set(leader))]
