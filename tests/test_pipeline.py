"""The main job end to end over a real folder, real SQLite and real files."""

from __future__ import annotations

import json
import logging
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from helpers import (
    HARBOUR_ARTICLE,
    LIBRARY_ARTICLE,
    NOW,
    SEED,
    SEED_BOILERPLATE,
    add_article,
    write_config,
)

from digest.config import load_config
from digest.errors import DeliveryError
from digest.pipeline import run_once
from digest.state import start_new_state

pytestmark = pytest.mark.both_backends


def outputs(config, name: str) -> dict[str, str]:
    return {
        ext: (config.output.dir / f"{name}.{ext}").read_text("utf-8")
        for ext in ("html", "txt", "json")
    }


def test_seed_digest_has_the_story_and_none_of_the_boilerplate(tmp_path):
    config = load_config(write_config(tmp_path))
    shutil.copy(SEED, config.sources[0].path / SEED.name)

    report = run_once(config, now=NOW)

    assert report.digest_name == "digest-2026-11-24" and report.articles == 1
    files = outputs(config, "digest-2026-11-24")
    item = json.loads(files["json"])["items"][0]
    assert item["title"] == "Iraqi military enters Kirkuk"
    assert any("Kirkuk" in s for s in item["sentences"])
    for text in files.values():
        for phrase in SEED_BOILERPLATE:
            assert phrase.lower() not in text.lower(), phrase


def test_second_run_same_day_finds_nothing_and_writes_nothing(config, articles, caplog):
    add_article(articles, "harbour.txt", HARBOUR_ARTICLE)
    first = run_once(config, now=NOW)
    before = {p.name: p.stat().st_mtime_ns for p in config.output.dir.iterdir()}

    with caplog.at_level(logging.INFO, logger="digest"):
        second = run_once(config, now=NOW + timedelta(hours=1))

    assert first.wrote_digest and not second.wrote_digest
    assert {p.name: p.stat().st_mtime_ns for p in config.output.dir.iterdir()} == before
    assert "No new articles; nothing written" in caplog.messages


def test_new_file_later_the_same_day_gets_its_own_numbered_digest(config, articles):
    add_article(articles, "harbour.txt", HARBOUR_ARTICLE)
    run_once(config, now=NOW)
    # A different story: a near-copy of the harbour one would be left out as a repeat.
    add_article(articles, "library.txt", LIBRARY_ARTICLE)

    report = run_once(config, now=NOW + timedelta(hours=2))
    third = run_once(config, now=NOW + timedelta(hours=3))

    assert report.digest_name == "digest-2026-11-24-2"
    items = json.loads(outputs(config, "digest-2026-11-24-2")["json"])["items"]
    assert [i["title"] for i in items] == ["Central library to open on Sunday afternoons"]
    assert not third.wrote_digest


def test_renamed_file_is_not_new(config, articles):
    path = add_article(articles, "harbour.txt", HARBOUR_ARTICLE)
    run_once(config, now=NOW)
    path.rename(articles / "harbour-renamed.txt")
    assert not run_once(config, now=NOW + timedelta(hours=1)).wrote_digest


def test_edited_file_is_new_though_a_light_edit_is_a_repeat_of_its_story(config, articles):
    path = add_article(articles, "harbour.txt", HARBOUR_ARTICLE)
    run_once(config, now=NOW)
    path.write_text(HARBOUR_ARTICLE + "\nThe vote was welcomed by local businesses.\n", "utf-8")
    light = run_once(config, now=NOW + timedelta(hours=1))
    assert not light.wrote_digest and [r.name for r in light.repeats] == ["harbour.txt"]
    path.write_text(LIBRARY_ARTICLE, "utf-8")
    assert run_once(config, now=NOW + timedelta(hours=2)).wrote_digest


def test_digest_is_dated_in_the_configured_time_zone(tmp_path):
    config = load_config(write_config(tmp_path, timezone="Pacific/Auckland"))
    add_article(config.sources[0].path, "harbour.txt", HARBOUR_ARTICLE)
    # 23:30 UTC on the 24th is already the 25th in Auckland.
    report = run_once(config, now=datetime(2026, 11, 24, 23, 30, tzinfo=ZoneInfo("UTC")))
    assert report.digest_name == "digest-2026-11-25"


def test_bad_files_are_skipped_with_reasons_and_the_rest_goes_out(tmp_path):
    config = load_config(
        write_config(
            tmp_path,
            sources=[{"name": "Local", "type": "folder", "path": "articles", "max_bytes": 20_000}],
        )
    )
    folder = config.sources[0].path
    add_article(folder, "harbour.txt", HARBOUR_ARTICLE)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10)
    (folder / "huge.txt").write_text("Big story\n\n" + "Words go here. " * 5000, "utf-8")
    (folder / "title-only.txt").write_text("Just a headline\n", "utf-8")
    (folder / "undecodable.txt").write_bytes(bytes(range(1, 256)) * 4)

    report = run_once(config, now=NOW)

    reasons = {s.name: s.reason for s in report.skipped}
    assert reasons == {
        "binary.txt": "binary file (contains NUL bytes), not text",
        "empty.txt": "empty file",
        "huge.txt": "too large: 75,011 bytes > 20,000",
        "title-only.txt": "no article text left after removing boilerplate",
        "undecodable.txt": "cannot decode: not UTF-8 and no clear text encoding",
    }
    assert report.articles == 1
    files = outputs(config, report.digest_name)
    assert "City council approves harbour flood barrier" in files["html"]
    for name, reason in reasons.items():
        assert f"{name} (Local): {reason}" in files["txt"]
        assert name in files["html"]
    # Shown once: the next digest does not list them again.
    add_article(folder, "later.txt", LIBRARY_ARTICLE)
    later = run_once(config, now=NOW + timedelta(hours=1))
    assert later.wrote_digest and later.skipped == ()


def test_only_bad_files_writes_no_digest_and_keeps_them_for_the_next_one(config, articles):
    (articles / "empty.txt").write_bytes(b"")
    first = run_once(config, now=NOW)
    assert not first.wrote_digest and [s.name for s in first.skipped] == ["empty.txt"]
    add_article(articles, "harbour.txt", HARBOUR_ARTICLE)
    second = run_once(config, now=NOW + timedelta(hours=1))
    assert second.wrote_digest and [s.name for s in second.skipped] == ["empty.txt"]


def test_briefs_keep_source_order(config, articles):
    add_article(articles, "b.txt", LIBRARY_ARTICLE)
    add_article(articles, "a.txt", HARBOUR_ARTICLE)
    run_once(config, now=NOW)
    items = json.loads(outputs(config, "digest-2026-11-24")["json"])["items"]
    assert [i["title"] for i in items] == [
        "City council approves harbour flood barrier",
        "Central library to open on Sunday afternoons",
    ]


def test_index_lists_every_digest_newest_first(config, articles):
    add_article(articles, "a.txt", HARBOUR_ARTICLE)
    run_once(config, now=NOW)
    add_article(articles, "b.txt", LIBRARY_ARTICLE)
    run_once(config, now=NOW + timedelta(days=1))
    index = (config.output.dir / "index.html").read_text("utf-8")
    assert index.index("digest-2026-11-25.html") < index.index("digest-2026-11-24.html")


def test_crash_before_files_are_written_is_finished_next_run_not_doubled(
    config, articles, monkeypatch
):
    add_article(articles, "harbour.txt", HARBOUR_ARTICLE)
    import digest.pipeline as pipeline

    real = pipeline.write_digest

    def crash(*args, **kwargs):
        raise DeliveryError("disk full")

    monkeypatch.setattr(pipeline, "write_digest", crash)
    with pytest.raises(DeliveryError):
        run_once(config, now=NOW)
    assert not (config.output.dir / "digest-2026-11-24.html").exists()

    monkeypatch.setattr(pipeline, "write_digest", real)
    report = run_once(config, now=NOW + timedelta(hours=1))

    # The interrupted digest is written under its own name; no second digest is made.
    assert not report.wrote_digest
    assert (config.output.dir / "digest-2026-11-24.html").exists()
    assert sorted(p.name for p in config.output.dir.glob("digest-*.json")) == [
        "digest-2026-11-24.json"
    ]


@pytest.mark.sqlite_only  # deletes the state file
def test_existing_files_are_never_overwritten_even_without_state(config, articles):
    add_article(articles, "harbour.txt", HARBOUR_ARTICLE)
    run_once(config, now=NOW)
    Path(config.state).unlink()
    start_new_state(config.state)  # `--new-state`: without it the run refuses (test_state_damage)
    report = run_once(config, now=NOW + timedelta(hours=1))
    assert report.digest_name == "digest-2026-11-24-2"


def test_a_second_run_on_the_same_state_waits_for_the_first(config, articles):
    # A manual `digest run` while `digest serve` builds a digest must not race it for the
    # same articles: runs on one state file take turns.
    import threading

    from digest.state import exclusive_run

    add_article(articles, "harbour.txt", HARBOUR_ARTICLE)
    reports = []
    with exclusive_run(config.state):
        worker = threading.Thread(target=lambda: reports.append(run_once(config, now=NOW)))
        worker.start()
        worker.join(timeout=1.0)
        assert worker.is_alive() and reports == []  # waiting for the lock
    worker.join(timeout=30)
    assert reports and reports[0].articles == 1


def test_a_run_that_cannot_get_the_lock_says_so(config, monkeypatch):
    from digest.errors import DigestError
    from digest.state import exclusive_run

    with exclusive_run(config.state), pytest.raises(DigestError, match="has not finished after 0s"):
        with exclusive_run(config.state, wait=0):
            pass
