"""A lost, damaged or full state: one line saying what to do, exit 1, and nothing sent twice.

Each test runs `digest run` through the CLI against a real SMTP server on loopback and a real
SQLite file, damaged the way a user's would be (truncated, deleted, overwritten, disk full).
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

import pytest
from helpers import HARBOUR_ARTICLE, LIBRARY_ARTICLE, add_article, write_config
from mailserver import Mailboxes, smtp_server

from digest.cli import main
from digest.config import load_config
from digest.state import State

READERS = ("alice@example.org", "bob@example.org")


def setup(tmp_path: Path, port: int) -> Path:
    (tmp_path / "articles").mkdir(exist_ok=True)
    add_article(tmp_path / "articles", "harbour.txt", HARBOUR_ARTICLE)
    return write_config(
        tmp_path,
        email={
            "enabled": True,
            "from": "brief@example.org",
            "recipients": list(READERS),
            "smtp": {"host": "127.0.0.1", "port": port, "security": "none", "retry_wait": 0},
        },
    )


def run(path: Path, capsys, *extra: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["run", "-c", str(path), *extra])
    return code, capsys.readouterr().err


def received(box: Mailboxes) -> list[int]:
    return [len(box[r]) for r in READERS]


def digest_files(path: Path) -> list[str]:
    return sorted(p.name for p in (path.parent / "digests").glob("digest-*.html"))


def one_error(stderr: str) -> str:
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("ERROR")]
    assert len(errors) == 1, stderr
    return errors[0]


@pytest.mark.parametrize("damage", ["truncated", "deleted"])
def test_a_lost_state_is_refused_until_new_state_is_asked_for(tmp_path, capsys, damage):
    box = Mailboxes()
    with smtp_server(box) as server:
        path = setup(tmp_path, server.port)
        assert run(path, capsys)[0] == 0
        config = load_config(path)
        first = digest_files(path)
        index = (config.output.dir / "index.html").read_bytes()
        if damage == "truncated":
            os.truncate(config.state, 0)  # what a crashed editor or a bad restore leaves
        else:
            config.state.unlink()
        add_article(tmp_path / "articles", "library.txt", LIBRARY_ARTICLE)

        code, stderr = run(path, capsys)
        assert code == 1
        error = one_error(stderr)
        assert f"state database {config.state} " in error
        assert f"but {config.output.dir} holds 1 digest (newest {first[0][:-5]})" in error
        assert "run once with --new-state" in error
        # Nothing was sent twice, nothing written, and the archive still lists the old digest.
        assert received(box) == [1, 1]
        assert digest_files(path) == first
        assert (config.output.dir / "index.html").read_bytes() == index

        code, stderr = run(path, capsys)  # refused again: the refusal left no state behind
        assert code == 1 and "--new-state" in one_error(stderr)
        assert main(["status", "-c", str(path)]) == 0
        assert f"{config.state} holds nothing, but " in capsys.readouterr().out

        code, stderr = run(path, capsys, "--new-state")
        assert code == 0, stderr
        assert "Starting a new state at" in stderr

    # The user asked for it: both articles are new again, in a new digest beside the old one.
    assert received(box) == [2, 2]
    assert len(digest_files(path)) == 2
    index = (config.output.dir / "index.html").read_text("utf-8")
    for name in digest_files(path):
        assert f'href="{name}"' in index
    # The old digest, unknown to the new state, is described from its own JSON file.
    assert index.count("1 article from 1 source") == 1
    assert index.count("2 articles from 1 source") == 1


def test_new_state_keeps_a_state_that_holds_digests(tmp_path, capsys):
    box = Mailboxes()
    with smtp_server(box) as server:
        path = setup(tmp_path, server.port)
        assert run(path, capsys)[0] == 0
        code, stderr = run(path, capsys, "--new-state")
    assert code == 0
    assert "already holds digests; it is kept" in stderr
    assert received(box) == [1, 1]


def _overwrite_page_of(state: Path, table: str) -> None:
    with sqlite3.connect(state) as db:
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        (root,) = db.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,))
    with open(state, "r+b") as fh:
        fh.seek((root[0] - 1) * page_size)
        fh.write(b"garbage!" * (page_size // 8))


def test_a_damaged_state_is_reported_with_its_path_before_anything_is_written(tmp_path, capsys):
    box = Mailboxes()
    with smtp_server(box) as server:
        path = setup(tmp_path, server.port)
        assert run(path, capsys)[0] == 0
        config = load_config(path)
        _overwrite_page_of(config.state, "articles")
        damaged = config.state.read_bytes()
        first = digest_files(path)
        index = (config.output.dir / "index.html").read_bytes()
        add_article(tmp_path / "articles", "library.txt", LIBRARY_ARTICLE)

        code, stderr = run(path, capsys)

    assert code == 1
    error = one_error(stderr)
    assert error.startswith(f"ERROR: state database {config.state} is damaged: ")
    assert f"mv {config.state} {config.state}.damaged" in error
    assert received(box) == [1, 1]
    assert digest_files(path) == first
    assert (config.output.dir / "index.html").read_bytes() == index
    assert config.state.read_bytes() == damaged  # not written to, so nothing more is lost


def test_a_full_disk_under_the_state_is_one_line_and_the_next_run_sends_once(
    tmp_path, capsys, monkeypatch
):
    box = Mailboxes()
    with smtp_server(box) as server:
        path = setup(tmp_path, server.port)
        assert run(path, capsys)[0] == 0
        add_article(tmp_path / "articles", "library.txt", LIBRARY_ARTICLE)
        # SQLite's own limit stands in for a full disk: the file may not grow (state.py).
        monkeypatch.setattr(State, "max_page_count", 1)
        code, stderr = run(path, capsys)
        assert code == 1
        error = one_error(stderr)
        assert "cannot write the state database" in error
        assert "database or disk is full" in error and "free space on it and run again" in error
        assert received(box) == [1, 1]

        monkeypatch.setattr(State, "max_page_count", None)  # space freed
        code, stderr = run(path, capsys)
        assert code == 0, stderr

    assert received(box) == [2, 2]
    assert len(digest_files(path)) == 2


def test_a_full_disk_under_output_is_one_line_and_the_next_run_writes_it(
    tmp_path, capsys, monkeypatch
):
    # A full disk cannot be made here without root: fsync is where a full disk (or quota)
    # shows on filesystems that allocate late, so it raises ENOSPC as the kernel would.
    real_fsync = os.fsync

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    box = Mailboxes()
    with smtp_server(box) as server:
        path = setup(tmp_path, server.port)
        monkeypatch.setattr(os, "fsync", full)
        code, stderr = run(path, capsys)
        assert code == 1
        error = one_error(stderr)
        assert "No space left on device" in error
        assert "the disk holding output.dir is full: free space and run again" in error
        assert digest_files(path) == [] and received(box) == [0, 0]

        monkeypatch.setattr(os, "fsync", real_fsync)
        code, stderr = run(path, capsys)
        assert code == 0, stderr
        assert "interrupted before it was written" in stderr

    assert len(digest_files(path)) == 1
    assert received(box) == [1, 1]
