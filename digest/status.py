"""`digest status`: when the next digest is due, what the last one held, how each source is.

Read-only apart from bringing the state's schema up to date, and safe to run while `digest
serve` is running (SQLite WAL lets a reader in beside the writer; PostgreSQL is a server).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, tzinfo

from apscheduler.triggers.interval import IntervalTrigger

from digest.config import Config
from digest.deliver import deliveries_of, failed_before
from digest.health import read_health
from digest.schedule import last_slot_run, next_run
from digest.staging import waiting
from digest.state import State, digests_on_disk
from digest.store.location import describe
from digest.triggers import collect_trigger, cron_trigger


def status_lines(config: Config, *, now: datetime) -> list[str]:
    now = now.astimezone(config.tz)
    tz = config.tz
    digest_next = next_run(cron_trigger(config.schedule.digest, config.tz), now)
    lines = [
        f"Schedule  digest {config.schedule.digest!r} ({config.timezone}):"
        f" next {_fmt(digest_next, tz)}",
    ]
    collect = config.schedule.collect
    trigger = collect_trigger(collect, tz) if collect else None
    if isinstance(trigger, IntervalTrigger):
        # An interval counts from when `serve` started, which only that process knows.
        lines.append(f"          collect every {collect} while `digest serve` runs")
    elif trigger:
        collect_next = next_run(trigger, now)
        lines.append(f"          collect {collect!r}: next {_fmt(collect_next, tz)}")
    else:
        lines.append("          collect: only when the digest is built")

    with State(config.state) as state:
        last = state.last_digest()
        recipients = [r.email for r in config.email.recipients]
        deliveries = deliveries_of(state, last.id, recipients) if last else []
        earlier_failures = failed_before(state, last.id) if last else []
        left_out = state.skipped_of(last.id) if last else []
        pending = state.pending()
        slot_run = last_slot_run(state)
        staged = waiting(state)
        health = read_health(state)
        lost = state.holds_nothing() and digests_on_disk(config.output.dir)
        readers = Counter(s.status for s in state.subscribers())
        parked = state.parked_jobs() if config.queue.enabled else []

    if lost:
        lines.append(
            f"State        {describe(config.state)} holds nothing, but {config.output.dir} holds"
            f" {len(lost)} digests: runs refuse to start (README: A lost or damaged state)"
        )
    if last is None:
        lines.append("Last digest  none yet")
    else:
        noun = "article" if last.articles == 1 else "articles"
        sources = "source" if last.sources == 1 else "sources"
        lines.append(
            f"Last digest  {last.name} ({last.status}) built {_fmt(last.created_at, tz)}:"
            f" {last.articles} {noun} from {last.sources} {sources}"
            + (f"; for the slot at {_fmt(last.slot, tz)}" if last.slot else "")
        )
        if not deliveries:
            lines.append("  delivered  not by email (email is off, or had no recipients)")
        for recipient, status, updated, error in deliveries:
            when = _fmt(updated, tz)
            lines.append(f"  {status:<10} {recipient} ({when})" + (f": {error}" if error else ""))
        for name, recipient, updated, error in earlier_failures:
            lines.append(f"  failed     {name} to {recipient} ({_fmt(updated, tz)}): {error}")
        # What readers were not told: items the digest left out (failed sources: see Sources).
        for name, source, reason in left_out:
            lines.append(f"  left out   {name} ({source}): {reason}")
    if pending:
        lines.append(f"  pending    {', '.join(r.name for r in pending)} (finished on next run)")
    if readers:
        counts = ", ".join(f"{readers[k]} {k}" for k in ("active", "paused", "left") if readers[k])
        lines.append(f"Readers      {counts} (`digest subscribers list`)")
    if slot_run:
        slot, ran_at, name = slot_run
        lines.append(
            f"Last slot    {_fmt(slot, tz)}, run {_fmt(ran_at, tz)}: {name or 'nothing new'}"
        )
    lines.append(f"Staged       {staged} {'item' if staged == 1 else 'items'} waiting")
    if parked:
        # Queue mode: jobs that failed every try (newest first); the rows they were for wait.
        lines.append("Parked jobs  (failed every try; fix the cause, the next slot tries again)")
        for job in parked:
            lines.append(
                f"  {job.task} {job.args} ({_fmt(job.parked_at, tz)}, {job.attempts} tries):"
                f" {job.reason}"
            )

    lines.append("Sources")
    known = {h.source: h for h in health}
    for source in config.sources:
        h = known.get(source.name)
        if h is None:
            lines.append(f"  {source.name}: not read yet")
        elif h.ok:
            earlier = f" (last error {_fmt(h.last_failure, tz)}: {h.last_error})"
            lines.append(
                f"  {source.name}: ok; last success {_fmt(h.last_success, tz)},"
                f" {h.last_items} new" + (earlier if h.last_error else "")
            )
        else:
            lines.append(
                f"  {source.name}: FAILING, {h.consecutive_failures} in a row;"
                f" last success {_fmt(h.last_success, tz)}; last error: {h.last_error}"
            )
    return lines


def _fmt(value: datetime | str | None, tz: tzinfo) -> str:
    """Stored times are ISO text with an offset; shown in the configured zone (GMT/BST)."""
    if not value:
        return "never"
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return f"{when.astimezone(tz):%a %d %b %Y %H:%M:%S %Z}"
