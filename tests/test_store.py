"""digest/store on both backends: the rules of the state, upgrades of a release's state file,
`digest migrate`, locks, and a state that cannot be reached."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from helpers import HARBOUR_ARTICLE, LIBRARY_ARTICLE, NOW, SEED, add_article, query, write_config
from mailserver import closed_port

from digest.cli import main
from digest.config import load_config
from digest.errors import ConfigError, DigestError, StateError
from digest.models import RenderedDigest
from digest.pipeline import run_once
from digest.state import State, exclusive_run
from digest.store import migrations, serve_lock

pytestmark = pytest.mark.both_backends

RELEASE_STATE = Path(__file__).parent / "data" / "state-0.1.0.db"
# What tests/data/make_state_0_1_0.py left in it: every table holds rows.
RELEASE_ROWS = {
    "digests": 1,
    "articles": 4,
    "signatures": 3,
    "state_info": 1,
    "staged_items": 1,
    "slot_runs": 1,
    "source_health": 2,
    "email_copies": 1,
    "deliveries": 2,
    "web_sources": 1,
}


def rows(location) -> dict[str, int]:
    return {t: query(location, f"SELECT COUNT(*) FROM {t}")[0][0] for t in RELEASE_ROWS}


def rendered(name: str) -> RenderedDigest:
    return RenderedDigest(name=name, subject="s", html="<p>h</p>", text="t", json="{}")


def release_setup(tmp_path: Path) -> Path:
    """A config over a copy of the release's state file, and the seed article it already holds."""
    (tmp_path / "state").mkdir()
    shutil.copy(RELEASE_STATE, tmp_path / "state" / "state.db")
    path = write_config(tmp_path, state="state/state.db")
    shutil.copy(SEED, tmp_path / "articles" / SEED.name)
    return path


def test_a_new_state_has_every_table_at_the_latest_version(config):
    with State(config.state) as state:
        assert state.holds_nothing()
    assert query(config.state, "SELECT version FROM schema_version") == [(migrations.LATEST,)]
    assert rows(config.state) == dict.fromkeys(RELEASE_ROWS, 0)


@pytest.mark.sqlite_only
def test_a_state_file_of_the_release_upgrades_in_place_and_keeps_its_history(tmp_path):
    path = release_setup(tmp_path)
    config = load_config(path)
    add_article(tmp_path / "articles", "library.txt", LIBRARY_ARTICLE)

    report = run_once(config, now=NOW + timedelta(days=1))

    assert query(config.state, "SELECT version FROM schema_version") == [(migrations.LATEST,)]
    # The seed article was in the release's digest: not new. The library story was staged by
    # the release's collect job and is on disk: in the new digest once.
    assert report.digest_name == "digest-2026-11-25" and report.articles == 1
    after = rows(config.state)
    assert after["digests"] == 2 and after["slot_runs"] == 1 and after["web_sources"] == 1
    with State(config.state) as state:
        assert [r.name for r in state.written()] == ["digest-2026-11-25", "digest-2026-11-24"]
        assert state.last_slot_run()[2] == "digest-2026-11-24"
        assert [h.source for h in state.read_health()] == ["Local", "Wire"]
        assert state.staged_count(waiting=True) == 0  # the new digest holds the staged item


def test_a_digest_whose_transaction_fails_leaves_nothing_behind(config):
    def fail(state, digest_id):
        raise RuntimeError("crash while storing")

    with State(config.state) as state, pytest.raises(RuntimeError):
        state.add_pending(
            rendered("digest-2026-11-24"),
            created_at=NOW,
            included=[("uid-1", "Local", "a.txt", "A")],
            skipped=(),
            sources=1,
            signatures=[("uid-1", b"\x00" * 8)],
            on_store=fail,
        )
    assert rows(config.state) == dict.fromkeys(RELEASE_ROWS, 0)


def test_digests_articles_and_deliveries_round_trip(config):
    from digest.store import NewDelivery

    def deliveries(state, digest_id):
        new = [
            NewDelivery("b@example.org", "B", "<2@x>"),
            NewDelivery("a@example.org", None, "<1@x>"),
        ]
        state.add_email(digest_id, ("<p>e</p>", "e", 1, 1), new, when=NOW.isoformat())

    with State(config.state) as state:
        record = state.add_pending(
            rendered(state.next_name("2026-11-24")),
            created_at=NOW,
            included=[("uid-1", "Local", "a.txt", "A")],
            skipped=(),
            sources=1,
            signatures=[("uid-1", b"\x01\x02")],
            on_store=deliveries,
        )
        assert state.due_deliveries() == []  # only written digests are sent
        state.mark_written(record.id)
        assert state.is_seen("uid-1") and not state.is_seen("uid-2")
        assert state.next_name("2026-11-24") == "digest-2026-11-24-2"
        assert [d.recipient for d in state.due_deliveries()] == ["a@example.org", "b@example.org"]
        assert state.email_copy(record.id) == ("<p>e</p>", "e", 1, 1)
        state.delivery_sending(record.id, "a@example.org", when="now")
        state.delivery_outcome(record.id, "a@example.org", "sent", None, when="later")
        assert [d.recipient for d in state.due_deliveries()] == ["b@example.org"]
        [sent] = state.recent_signatures(NOW - timedelta(days=1))
        assert (sent.digest, sent.title, sent.signature) == (record.name, "A", b"\x01\x02")
        assert state.prune_signatures(NOW + timedelta(seconds=1)) == 1


def test_seen_answers_for_a_whole_batch_past_each_backends_parameter_limit(config):
    from digest.models import Skipped

    # More uids than one statement may bind on either backend (PostgreSQL: 65,535; SQLite:
    # 32,766 by default, 250,000 as Debian builds it), so the store must ask in chunks.
    asked = [f"new-{n}" for n in range(250_001)]
    with State(config.state) as state:
        assert state.seen(asked) == set()
        state.add_pending(  # left pending: its articles count as seen all the same
            rendered(state.next_name("2026-11-24")),
            created_at=NOW,
            included=[("shown", "Local", "a.txt", "A"), ("new-250000", "Local", "b.txt", "B")],
            skipped=[Skipped("Local", "bad", "c.txt", "empty")],
            sources=1,
        )
        asked += ["shown", "bad", "shown"]  # a uid asked twice is answered once
        assert state.seen(asked) == {"shown", "bad", "new-250000"}
        assert state.seen(iter(["bad", "nowhere"])) == {"bad"}  # any iterable, read once
        assert state.seen([]) == set()


@pytest.mark.sqlite_only  # from SQLite to PostgreSQL: both in every case
def test_migrate_copies_the_release_state_and_the_next_run_goes_on_from_it(
    tmp_path, postgres_url, capsys
):
    path = release_setup(tmp_path)
    sqlite_state = tmp_path / "state" / "state.db"

    assert main(["migrate", "-c", str(path), "--to", postgres_url]) == 0

    assert rows(postgres_url) == RELEASE_ROWS == rows(sqlite_state)
    assert "every table's row count matches" in capsys.readouterr().err
    # Same bytes in a BLOB and the same text in every digest, whatever the backend.
    for sql in ("SELECT uid, minhash FROM signatures ORDER BY uid", "SELECT * FROM digests"):
        assert query(postgres_url, sql) == query(sqlite_state, sql)
    # The copy is a working state: nothing already done is done again, and new ids follow on.
    config = load_config(write_config(tmp_path, state=postgres_url))
    add_article(tmp_path / "articles", "library.txt", LIBRARY_ARTICLE)
    report = run_once(config, now=NOW + timedelta(days=1))
    assert report.digest_name == "digest-2026-11-25" and report.articles == 1
    assert query(postgres_url, "SELECT id, name FROM digests ORDER BY id") == [
        (1, "digest-2026-11-24"),
        (2, "digest-2026-11-25"),
    ]


@pytest.mark.sqlite_only
def test_migrate_refuses_a_database_that_holds_rows(tmp_path, postgres_url, capsys):
    path = release_setup(tmp_path)
    assert main(["migrate", "-c", str(path), "--to", postgres_url]) == 0
    capsys.readouterr()

    assert main(["migrate", "-c", str(path), "--to", postgres_url]) == 1

    [error] = capsys.readouterr().err.splitlines()
    assert "is not empty: it holds rows in digests (1)" in error
    assert "give an empty database" in error
    assert rows(postgres_url) == RELEASE_ROWS  # nothing copied twice


def test_a_state_of_a_newer_version_is_refused(config):
    State(config.state).close()
    from helpers import execute

    execute(config.state, "UPDATE schema_version SET version = 99")
    with pytest.raises(StateError, match="made by a newer version of digest"):
        State(config.state)


def test_one_run_and_one_serve_per_state(config):
    with exclusive_run(config.state):
        with pytest.raises(DigestError, match="has not finished after 0s"):
            with exclusive_run(config.state, wait=0):
                pass
    with exclusive_run(config.state, wait=0):  # free again
        pass
    first = serve_lock(config.state)
    with pytest.raises(DigestError, match="another `digest serve` is already running"):
        serve_lock(config.state)
    first.release()
    serve_lock(config.state).release()


@pytest.mark.sqlite_only  # no server involved
def test_a_password_in_the_state_url_is_a_config_error(tmp_path):
    path = write_config(tmp_path, state="postgresql://digest:s3cret@db.example.org/digest")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert "state: holds a password" in str(err.value) and "PGPASSWORD" in str(err.value)
    assert "s3cret" not in str(err.value)


@pytest.mark.sqlite_only  # no server involved
def test_a_server_that_does_not_answer_is_one_line(tmp_path, capsys):
    with closed_port() as port:
        path = write_config(tmp_path, state=f"postgresql://digest@127.0.0.1:{port}/digest")
        assert main(["run", "-c", str(path)]) == 1
    [error] = capsys.readouterr().err.splitlines()
    assert f"cannot use the state database postgresql://digest@127.0.0.1:{port}/digest" in error
    assert "that the PostgreSQL server is running" in error and "PGPASSWORD" in error


def test_a_dry_run_changes_nothing_in_the_state(tmp_path, config, articles, capsys):
    add_article(articles, "harbour.txt", HARBOUR_ARTICLE)
    run_once(config, now=NOW)
    add_article(articles, "library.txt", LIBRARY_ARTICLE)
    before = {t: query(config.state, f"SELECT * FROM {t} ORDER BY 1") for t in RELEASE_ROWS}
    capsys.readouterr()

    assert main(["run", "--dry-run", "-c", str(tmp_path / "config.yaml")]) == 0

    # It saw the state (the harbour story is done), on either backend, and changed none of it.
    assert "with 1 article from 1 source:" in capsys.readouterr().out
    after = {t: query(config.state, f"SELECT * FROM {t} ORDER BY 1") for t in RELEASE_ROWS}
    assert after == before
