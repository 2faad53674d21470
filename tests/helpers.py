"""Shared test data and helpers: a valid config in a temp folder, article files, a fixed clock.

Tests import these as `from helpers import ...`; conftest.py holds only fixtures. (Importing
conftest by name loads it a second time, as `conftest` and as `tests.conftest`.)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

REPO = Path(__file__).resolve().parents[1]
SEED = next((REPO / "seeds").glob("*.txt"))
LONDON = ZoneInfo("Europe/London")
# A fixed "now" (passed in, never patched): Tuesday 24 November 2026, 07:00 in London.
NOW = datetime(2026, 11, 24, 7, 0, tzinfo=LONDON)

# What the shipped seed article must never let through to a digest (issue 2's acceptance list).
SEED_BOILERPLATE = (
    "Subscribe to The Week",
    "SUBSCRIBE & SAVE",
    "Sign up",
    "From our morning news briefing",
    "Explore More",
    "Escape your echo chamber",
    "https://cdn.mos.cms.futurecdn.net/flexiimages/jacafc5zvs1692883516.jpg",
    "Image credit",
)

# A clean, realistic article written for the tests (not copied from any publisher).
HARBOUR_ARTICLE = """City council approves harbour flood barrier

The council voted 31 to 9 on Tuesday to build a flood barrier across the harbour mouth, ending a decade of debate over how to protect the low-lying old town.

The barrier will cost an estimated 240 million pounds and is due to be completed in 2031, according to the council's infrastructure committee.

Engineers say the structure will close automatically when tides rise more than two metres above the normal level, which happened eleven times last winter.

"This is the most important decision this chamber has taken in a generation," said council leader Maria Okafor after the vote.

Opponents argued the money would be better spent on raising homes and improving drainage, and warned that the barrier could harm fishing in the bay.

Construction is expected to begin next spring once the national environment agency has reviewed the final design.
"""

LIBRARY_ARTICLE = """Central library to open on Sunday afternoons

The central library will open from noon to five on Sundays from January, after a survey found that weekend opening was the change readers most wanted.

The trial will run for six months and cost about 90,000 pounds, paid for by savings from moving the mobile library service to a smaller van.

Staff will work the extra hours on a voluntary rota, the library's manager said, and no other branch will lose opening time to pay for it.

"Families told us that Sunday is the only day they can come in together," said head librarian Tom Reyes.

If visitor numbers pass 400 a week, the council will consider opening two more branches on Sundays next year.
"""


# `state:` of write_config(): a file, or (in a both_backends test) a PostgreSQL URL (conftest).
DEFAULT_STATE = "state/state.db"


def write_config(tmp_path: Path, **overrides) -> Path:
    """Write a valid config.yaml into tmp_path (with an `articles/` folder source)."""
    (tmp_path / "articles").mkdir(exist_ok=True)
    raw = {
        "title": "Morning Brief",
        "timezone": "Europe/London",
        "sources": [{"name": "Local", "type": "folder", "path": "articles"}],
        "output": {"dir": "digests", "formats": ["html", "txt", "json"]},
        "state": DEFAULT_STATE,
    }
    raw.update(overrides)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def add_article(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def query(location, sql: str, **params) -> list[tuple]:
    """Rows of `sql` (with :named parameters) on the state at `location`, SQLite or PostgreSQL:
    what a user would see with sqlite3 or psql."""
    from sqlalchemy import text

    from digest.store.engine import engine_for

    with engine_for(location).connect() as db:
        return [tuple(row) for row in db.execute(text(sql), params)]


def execute(location, sql: str, **params) -> None:
    """Change the state at `location` behind digest's back (a test's stand-in for history)."""
    from sqlalchemy import text

    from digest.store.engine import engine_for

    with engine_for(location).begin() as db:
        db.execute(text(sql), params)


@contextmanager
def remote_state(location) -> Iterator:
    """A RemoteState on an open state (a source reader's view of the web_sources table)."""
    from digest.sources.remote import RemoteState
    from digest.state import State

    with State(location) as state:
        yield RemoteState(state)
