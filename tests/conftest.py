"""Fixtures only. Shared constants and helpers live in tests/helpers.py: import them from
there, never from conftest (pytest loads conftest itself; importing it again by name runs it
twice, once as `conftest` and once as `tests.conftest`).

Both backends. A module marked `pytestmark = pytest.mark.both_backends` runs each test twice:
on a SQLite file and on a fresh PostgreSQL database of its own, which write_config() puts in
`state:` for it. The server is named by DIGEST_TEST_POSTGRES (README, "Tests"); without it the
PostgreSQL cases skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import helpers
import pytest
from helpers import write_config

from digest.config import Config, load_config

POSTGRES_ENV = "DIGEST_TEST_POSTGRES"
BACKENDS = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "both_backends: run on SQLite and on PostgreSQL")
    config.addinivalue_line("markers", "sqlite_only: about the SQLite file itself")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    node = metafunc.definition
    if "state_url" not in metafunc.fixturenames or not node.get_closest_marker("both_backends"):
        return
    backends = ("sqlite",) if node.get_closest_marker("sqlite_only") else BACKENDS
    metafunc.parametrize("state_url", backends, indirect=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The admin URL of the test server (it may hold a password: it is no config file)."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        reason = f"no PostgreSQL server for the tests: set {POSTGRES_ENV} (README, Tests)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    password = urlsplit(url).password
    with pytest.MonkeyPatch.context() as mp:
        if password:  # what digest reads, as a user's libpq would: never from config.yaml
            mp.setenv("PGPASSWORD", password)
        yield url


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A new, empty database for this test only (unique name), dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from digest.store import engine as store_engine

    name = f"digest_test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(
        postgres_server.replace("postgresql://", "postgresql+psycopg://", 1),
        poolclass=NullPool,
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as db:
        db.execute(text(f'CREATE DATABASE "{name}"'))
    parts = urlsplit(postgres_server)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    url = urlunsplit(parts._replace(netloc=netloc, path=f"/{name}"))
    try:
        yield url
    finally:
        store_engine._servers.pop(url, None)
        with admin.connect() as db:
            db.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def state_url(request: pytest.FixtureRequest) -> str:
    """`state:` for this test: a file under its tmp_path, or a PostgreSQL database URL."""
    if getattr(request, "param", "sqlite") == "postgresql":
        return request.getfixturevalue("postgres_url")
    return "state/state.db"


@pytest.fixture(autouse=True)
def _state_backend(state_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # write_config() puts this in `state:`, so every test of a both_backends module runs on
    # the backend it is parametrised with, without naming it.
    monkeypatch.setattr(helpers, "DEFAULT_STATE", state_url)


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
