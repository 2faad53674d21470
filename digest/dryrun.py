"""`digest run --dry-run`: build the digest a run would make now, and say what it would write
and send, changing nothing: no file, no state row, no mail, no stored feed validator.

It is the real run's own steps (pipeline.gather, then pipeline.render_all), so what it shows is
what `digest run` would do. Reading the sources records as it goes (source health, feed
validators, staged items, pruned signatures), so the whole run works on a private copy of the
state, a SQLite file copied from it in one read transaction (consistent even while `digest
serve` writes, on either backend) and deleted afterwards. The web is read as a real run reads
it; nothing is written to it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from digest.config import Config
from digest.models import Digest, Skipped
from digest.pipeline import gather, render_all
from digest.render import environment
from digest.state import State
from digest.store.location import Location, is_server


@dataclass(frozen=True)
class Plan:
    """What a run would do now."""

    unfinished: tuple[str, ...]  # digests a crash left unwritten: a run finishes them first
    retries: int  # email deliveries left pending by earlier runs: a run retries them first
    digest: Digest | None  # None: nothing new
    name: str | None
    subject: str | None
    files: tuple[Path, ...]  # the digest's files, then index.html
    recipients: tuple[str, ...]  # who would get it (empty when email is off)
    email_shown: int  # stories that fit in the email
    left_out: tuple[Skipped, ...]  # bad items, failed sources, repeats of recent digests


def dry_run(config: Config, *, now: datetime | None = None) -> Plan:
    """What `run_once(config)` would write and send now, with nothing written, stored or sent."""
    now = (now or datetime.now(config.tz)).astimezone(config.tz)
    env = environment(config.output.templates)
    with state_copy(config.state) as copy, State(copy) as state:
        unfinished = tuple(record.name for record in state.pending())
        readers = _readers(state, config, now)
        retries = sum(1 for recipient in state.due_recipients() if recipient in readers)
        found = gather(config.model_copy(update={"state": copy}), state, now=now)
        left_out = found.skipped + found.failed_sources
        left_out += tuple(r.as_skipped() for r in found.repeats)
        if not found.briefs:
            return Plan(unfinished, retries, None, None, None, (), (), 0, left_out)
        digest = Digest(config.title, now, found.briefs, found.skipped + found.failed_sources)
        rendered, email = render_all(digest, state, config, env)
    out = config.output.dir
    files = tuple(out / f"{rendered.name}.{fmt}" for fmt in config.output.formats)
    recipients = readers
    return Plan(
        unfinished,
        retries,
        digest,
        rendered.name,
        rendered.subject,
        (*files, out / "index.html"),
        recipients,
        email.shown,
        left_out,
    )


@contextmanager
def state_copy(location: Location) -> Iterator[Path]:
    """A throwaway SQLite copy of the state (an empty one if there is none yet)."""
    from digest.store.copy import copy_state

    with tempfile.TemporaryDirectory(prefix="digest-dry-run-") as tmp:
        copy = Path(tmp) / "state.db"
        if is_server(location) or Path(location).is_file():
            with State(location) as source, State(copy) as target:
                copy_state(source, target)
        yield copy


def _readers(state: State, config: Config, now: datetime) -> tuple[str, ...]:
    """Who would get it: the active subscribers, email.recipients synced in as a run does
    (on the throwaway copy)."""
    if not config.email.enabled:
        return ()
    state.sync_recipients(config.email.recipients, now)
    return tuple(s.email for s in state.subscribers(status=["active"]))


def describe(plan: Plan) -> str:
    """The plan as the lines `digest run --dry-run` prints."""
    lines = ["Dry run: nothing is written, stored or sent."]
    for name in plan.unfinished:
        lines.append(f"Would first finish {name}, interrupted before it was written.")
    if plan.retries:
        lines.append(f"Would retry {_count(plan.retries, 'email delivery')} left pending.")
    if plan.digest is None:
        lines.append("No new articles: no digest would be written.")
        lines += _left_out(plan)
        return "\n".join(lines)
    digest = plan.digest
    sources = len(digest.source_names)
    lines.append(
        f"Would write {plan.name} with {_count(len(digest.briefs), 'article')}"
        f" from {_count(sources, 'source')}:"
    )
    lines += [f"  {path}" for path in plan.files]
    lines.append("Briefs:")
    for i, brief in enumerate(digest.briefs, 1):
        also = f"; also in {', '.join(brief.also_in)}" if brief.also_in else ""
        lines.append(
            f"  {i}. {brief.article.title} ({brief.article.source}):"
            f" {_count(len(brief.sentences), 'sentence')}{also}"
        )
    lines += _left_out(plan)
    if plan.recipients:
        fit = (
            ""
            if plan.email_shown == len(digest.briefs)
            else f"; {plan.email_shown} of {len(digest.briefs)} stories fit in the email"
        )
        lines.append(f'Would send "{plan.subject}" to {", ".join(plan.recipients)}{fit}')
    else:
        lines.append("Would send no email (email.enabled is false).")
    return "\n".join(lines)


def _left_out(plan: Plan) -> list[str]:
    lines = [f"  {s.name} ({s.source}): {s.reason}" for s in plan.left_out]
    return ["Left out:", *lines] if lines else []


def _count(n: int, noun: str) -> str:
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{n} {noun if n == 1 else plural}"
