"""Every table of the state, as SQLAlchemy Core tables in one MetaData.

Times are ISO 8601 text with their UTC offset, as the first release stored them (so a state
file it made reads the same), except `signatures.sent_at`, Unix seconds, one time line whatever
offset the text carries. The same definitions make the SQLite and the PostgreSQL schema.

To add a table: define it here, then append a migration to migrations.MIGRATIONS that creates
it (see the docstring of digest/store/__init__.py).
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
)

metadata = MetaData()

DELIVERY_STATUSES = "status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')"

# The version of the schema in the state, one row (migrations.py). A state file made before the
# store existed has no such table: it is version 0, the first release's tables.
schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, nullable=False),
)

digests = Table(
    "digests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False, unique=True),  # digest-2026-11-24, digest-2026-11-24-2
    Column("created_at", Text, nullable=False),  # configured time zone
    Column("slot", Text),  # the scheduled time this digest was built for, if any
    Column("status", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("html", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("json", Text, nullable=False),
    Column("articles", Integer, nullable=False),
    Column("sources", Integer, nullable=False),
    CheckConstraint("status IN ('pending', 'written')", name="digests_status"),
)

# Every item a digest claimed: included, or skipped with the reason (a bad item, shown once in
# that digest's footer; or a repeat, with the digest_id of the digest that carried the story).
articles = Table(
    "articles",
    metadata,
    Column("uid", Text, primary_key=True),
    Column("digest_id", Integer, ForeignKey("digests.id"), nullable=False),
    Column("source", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("title", Text),
    Column("status", Text, nullable=False),
    Column("reason", Text),
    CheckConstraint("status IN ('included', 'skipped')", name="articles_status"),
)

# Only articles of recent digests (Store.prune_signatures): a later copy of the story is a repeat.
signatures = Table(
    "signatures",
    metadata,
    Column("uid", Text, ForeignKey("articles.uid"), primary_key=True),
    Column("digest_id", Integer, ForeignKey("digests.id"), nullable=False),
    Column("sent_at", Float, nullable=False),
    Column("minhash", LargeBinary, nullable=False),  # dedupe.to_bytes(): tag, version, values
    Index("signatures_by_time", "sent_at"),
)

# Facts about the state itself: 'started_new' = when `--new-state` accepted it as a new start.
state_info = Table(
    "state_info",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

# Items a `serve` collect job fetched, kept until a digest holds them (staging.py).
staged_items = Table(
    "staged_items",
    metadata,
    Column("uid", Text, primary_key=True),
    Column("source", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("content_type", Text, nullable=False),
    Column("url", Text),
    Column("title", Text),
    Column("published", Text),
    Column("staged_at", Text, nullable=False),
)

# A scheduled slot that ran (schedule.py): with the digest it built, or NULL when nothing was new.
slot_runs = Table(
    "slot_runs",
    metadata,
    Column("slot", Text, primary_key=True),  # same text as digests.slot
    Column("ran_at", Text, nullable=False),
    Column("digest", Text),
)

# Per configured source, after every collect (health.py); `digest status` shows it.
source_health = Table(
    "source_health",
    metadata,
    Column("source", Text, primary_key=True),
    Column("last_run", Text, nullable=False),
    Column("last_success", Text),
    Column("last_failure", Text),
    Column("consecutive_failures", Integer, nullable=False, server_default="0"),
    Column("last_error", Text),  # kept after a recovery: what went wrong last time
    Column("last_items", Integer, nullable=False, server_default="0"),
)

# The email copy of a digest (size-guarded: cut at a whole item if needed), stored with it.
email_copies = Table(
    "email_copies",
    metadata,
    Column("digest_id", Integer, ForeignKey("digests.id"), primary_key=True),
    Column("html", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("shown", Integer, nullable=False),  # stories in the email ...
    Column("total", Integer, nullable=False),  # ... of those in the digest
)

# One row per digest and recipient: pending -> sending -> sent | failed (deliver.py).
deliveries = Table(
    "deliveries",
    metadata,
    Column("digest_id", Integer, ForeignKey("digests.id"), primary_key=True),
    Column("recipient", Text, primary_key=True),  # normalised address
    Column("name", Text),
    Column("message_id", Text, nullable=False),  # fixed when the row is made: a re-send reuses it
    Column("status", Text, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text),
    Column("updated_at", Text, nullable=False),
    # Which copy of the digest this reader gets: '' the full email copy, else a reader_copies
    # row (subscribers.Choice.key). Added by migration 2.
    Column("choice", Text, nullable=False, server_default=""),
    # 'cancelled': the reader left (or paused) before it was sent (migration 2).
    CheckConstraint(DELIVERY_STATUSES, name="deliveries_status"),
)

# Readers who chose some sections or fewer sentences: one email copy per distinct choice,
# stored with the digest like the full one (migration 2).
reader_copies = Table(
    "reader_copies",
    metadata,
    Column("digest_id", Integer, ForeignKey("digests.id"), primary_key=True),
    Column("choice", Text, primary_key=True),
    Column("html", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("shown", Integer, nullable=False),
    Column("total", Integer, nullable=False),
)

# Readers (digest/subscribers.py): confirmed on the web, added by the operator, or imported from
# email.recipients. Leaving is a status, kept so an import does not subscribe them again.
subscribers = Table(
    "subscribers",
    metadata,
    Column("email", Text, primary_key=True),  # normalised address
    Column("name", Text),
    Column("status", Text, nullable=False),
    Column("topics", Text, nullable=False, server_default="[]"),  # JSON list; [] = everything
    Column("sentences", Integer),  # NULL: summary.sentences
    Column("origin", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    CheckConstraint("status IN ('active', 'paused', 'left')", name="subscribers_status"),
    CheckConstraint("origin IN ('web', 'cli', 'config')", name="subscribers_origin"),
)

# Per web URL (sources/remote.py): conditional-GET validators, and whether it answered 410.
web_sources = Table(
    "web_sources",
    metadata,
    Column("source", Text, primary_key=True),
    Column("url", Text, primary_key=True),  # as configured: a changed URL starts afresh
    Column("etag", Text),
    Column("last_modified", Text),
    Column("gone_since", Text),  # UTC; set when the URL answered 410 Gone
    Column("last_result", Text),  # 'ok', 'not modified', or the last failure's reason
    Column("checked_at", Text),  # UTC
)

# Queue mode (digest/queue/): an article cleaned and summarised by a worker, keyed by a hash of
# what the result depends on, so a story is done once for every digest that carries it.
prepared = Table(
    "prepared",
    metadata,
    Column("key", Text, primary_key=True),  # sha256 hex (digest/queue/prepare.py)
    Column("result", LargeBinary, nullable=False),  # pickled Article/Brief/Skipped (+ signature)
    Column("made_at", Text, nullable=False),
)

# Queue mode: a job that failed on every try, parked with its reason for `digest status`.
parked_jobs = Table(
    "parked_jobs",
    metadata,
    Column("job_id", Integer, primary_key=True),  # procrastinate's job id
    Column("task", Text, nullable=False),
    Column("args", Text, nullable=False),  # JSON, as deferred
    Column("attempts", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("parked_at", Text, nullable=False),
)

# The first release's tables, in an order that satisfies their foreign keys: what migration 1
# creates where missing, and what `digest migrate` copies (with any table added since).
RELEASE_TABLES = (
    digests,
    articles,
    signatures,
    state_info,
    staged_items,
    slot_runs,
    source_health,
    email_copies,
    deliveries,
    web_sources,
)
