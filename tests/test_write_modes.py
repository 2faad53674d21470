"""Digest files and index.html get the mode any program's new file gets: 0666 less the umask."""

from __future__ import annotations

import os
import stat

import pytest
from helpers import HARBOUR_ARTICLE, NOW, add_article, write_config

from digest.config import load_config
from digest.pipeline import run_once
from digest.write import atomic_write


@pytest.fixture
def umask():
    previous = os.umask(0o022)
    try:
        yield os.umask
    finally:
        os.umask(previous)


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_written_files_follow_the_umask(tmp_path, umask, mask, mode):
    config = load_config(write_config(tmp_path))
    add_article(tmp_path / "articles", "harbour.txt", HARBOUR_ARTICLE)
    umask(mask)
    report = run_once(config, now=NOW)

    written = sorted(p.name for p in config.output.dir.iterdir())
    assert written == [f"{report.digest_name}.{ext}" for ext in ("html", "json", "txt")] + [
        "index.html"
    ]  # no temporary file left behind either
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in config.output.dir.iterdir()}
    assert modes == dict.fromkeys(written, mode)


def test_a_rewrite_gets_the_umask_too(tmp_path, umask):
    path = tmp_path / "index.html"
    path.write_text("old", encoding="utf-8")
    path.chmod(0o600)
    umask(0o022)
    atomic_write(path, "new")
    assert path.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
