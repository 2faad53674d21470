"""The seed digest, byte for byte, against files committed in tests/golden/.

A change to the cleaner, splitter, summariser or templates shows up here as a readable diff.
Regenerate on purpose, never silently:  DIGEST_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from helpers import NOW, SEED, write_config

from digest.config import load_config
from digest.pipeline import run_once

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("ext", ["html", "txt", "json"])
def test_seed_digest_matches_golden(tmp_path, ext):
    config = load_config(write_config(tmp_path))
    copy = config.sources[0].path / SEED.name
    shutil.copy(SEED, copy)
    os.utime(copy, (NOW.timestamp(), NOW.timestamp()))  # the file date is shown: pin it
    run_once(config, now=NOW)

    produced = (config.output.dir / f"digest-2026-11-24.{ext}").read_text("utf-8")
    golden = GOLDEN / f"seed-digest.{ext}"
    if os.environ.get("DIGEST_UPDATE_GOLDEN") == "1":
        golden.write_text(produced, "utf-8")
    assert produced == golden.read_text("utf-8")
