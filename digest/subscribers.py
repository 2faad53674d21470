"""Readers: who gets the digest, of what, and how long. Kept in the state (digest/store/).

A subscriber is an address that confirmed (double opt-in on the web), or that the operator
added (`digest subscribers add`, or `email.recipients` in config.yaml, imported at every run).
Nobody is stored before confirming: the confirmation link itself carries the address and the
topics chosen, signed (digest/web/tokens.py).

Topics are what a reader can choose among: the configured `sections` (plus "More" when some
sources are in none), or else the sources. An empty choice means everything, so a digest that
gains a source or section reaches readers who never chose.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from digest.config import Config, _check_address
from digest.errors import DigestError

ACTIVE, PAUSED, LEFT = "active", "paused", "left"
STATUSES = (ACTIVE, PAUSED, LEFT)
# Where a subscriber came from: the web (confirmed), the CLI, or email.recipients in config.yaml.
ORIGINS = ("web", "cli", "config")


@dataclass(frozen=True)
class Subscriber:
    email: str  # normalised (email-validator)
    status: str = ACTIVE
    topics: tuple[str, ...] = ()  # empty: everything
    sentences: int | None = None  # None: summary.sentences
    name: str | None = None
    origin: str = "web"
    created_at: str = ""  # ISO 8601, configured time zone
    updated_at: str = ""

    @property
    def receives(self) -> bool:
        return self.status == ACTIVE


@dataclass(frozen=True)
class Choice:
    """What one reader's copy of a digest holds: a key shared by every reader who chose alike."""

    topics: tuple[str, ...]  # sorted; empty: everything
    sentences: int  # at most summary.sentences

    @property
    def key(self) -> str:
        """Stored with the email copy: '' for the full digest, else e.g. 'Sport|Tech;2'."""
        if self == Choice((), 0):
            return ""
        return "|".join(self.topics) + f";{self.sentences}"


def topics(config: Config) -> tuple[str, ...]:
    """What readers choose among: section names (and OTHER_SECTION), or source names."""
    from digest.render import OTHER_SECTION  # jinja2: not for `digest status`

    if config.sections:
        listed = {s for section in config.sections for s in section.sources}
        rest = any(source.name not in listed for source in config.sources)
        return tuple(s.name for s in config.sections) + ((OTHER_SECTION,) if rest else ())
    return tuple(source.name for source in config.sources)


def topic_label(config: Config) -> str:
    return "Sections" if config.sections else "Sources"


def topic_of(config: Config) -> dict[str, str]:
    """source name -> the topic its stories belong to."""
    from digest.render import OTHER_SECTION

    if not config.sections:
        return {s.name: s.name for s in config.sources}
    home = {src: section.name for section in config.sections for src in section.sources}
    return {s.name: home.get(s.name, OTHER_SECTION) for s in config.sources}


def clean_topics(config: Config, chosen: Iterable[str]) -> tuple[str, ...]:
    """Keep the known topics, in config order; all of them chosen is stored as everything (())."""
    offered = topics(config)
    picked = set(chosen)
    kept = tuple(t for t in offered if t in picked)
    return () if set(kept) == set(offered) else kept


def choice_for(config: Config, subscriber: Subscriber) -> Choice:
    """The reader's copy: topics still offered (a removed section is dropped), and sentences
    capped at summary.sentences (a brief is cut from the digest's, never summarised again)."""
    full = config.summary.sentences
    kept = tuple(sorted(t for t in subscriber.topics if t in topics(config)))
    if subscriber.topics and not kept:
        kept = ()  # every topic they chose is gone: send everything rather than nothing
    sentences = min(subscriber.sentences or full, full)
    if not kept and sentences == full:
        return Choice((), 0)
    return Choice(kept, sentences)


def normalise(address: str) -> str:
    """The address as stored (email-validator's normal form). Raises DigestError naming it."""
    if not isinstance(address, str) or len(address) > 254:
        raise DigestError("not an email address (longer than 254 characters)")
    try:
        return _check_address(address.strip())
    except ValueError as exc:
        raise DigestError(str(exc)) from None


def describe(subscribers: Sequence[Subscriber]) -> list[str]:
    """`digest subscribers list`: one line each."""
    lines = []
    for s in subscribers:
        chosen = ", ".join(s.topics) if s.topics else "everything"
        length = f", {s.sentences} sentences" if s.sentences else ""
        lines.append(f"{s.email}\t{s.status}\t{chosen}{length}\t{s.origin}\tsince {s.created_at}")
    return lines


CSV_FIELDS = ("email", "name", "status", "topics", "sentences", "origin", "created_at",
              "updated_at")  # fmt: skip


def to_csv(subscribers: Sequence[Subscriber]) -> str:
    """`digest subscribers export`: CSV with a header; topics joined by '|'."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for s in subscribers:
        writer.writerow(
            [s.email, s.name or "", s.status, "|".join(s.topics), s.sentences or "", s.origin,
             s.created_at, s.updated_at]
        )  # fmt: skip
    return out.getvalue()
