"""Fixtures only. Shared constants and helpers live in tests/helpers.py: import them from
there, never from conftest (pytest loads conftest itself; importing it again by name runs it
twice, once as `conftest` and once as `tests.conftest`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import write_config

from digest.config import Config, load_config


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write_config(tmp_path)


@pytest.fixture
def config(config_path: Path) -> Config:
    return load_config(config_path)


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir(exist_ok=True)
    return folder
