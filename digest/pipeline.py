"""The main job, top to bottom: collect -> extract -> summarise -> render -> store -> write.

Nothing is written until the whole digest is rendered and stored in the state (see state.py
for why that makes a crash at any point safe to re-run).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from digest.config import Config
from digest.dedupe import (
    REPEAT_WINDOW,
    find_repeats,
    from_bytes,
    merge_duplicates,
    signature,
    to_bytes,
)
from digest.deliver import Outbox, recorder
from digest.errors import ExtractionError
from digest.extract import extract
from digest.fetch import Fetcher
from digest.health import record_health
from digest.mail import render_email
from digest.models import Article, Brief, Digest, Repeat, RunReport, Skipped, SourceItem
from digest.render import environment, render, render_index
from digest.shutdown import critical
from digest.sources import collect
from digest.sources.remote import RemoteState
from digest.staging import merge as merge_staged
from digest.state import DigestRecord, State, exclusive_run
from digest.summarise import summarize
from digest.workers import Workers
from digest.write import atomic_write, write_digest

if TYPE_CHECKING:
    from datasketch import LeanMinHash

logger = logging.getLogger(__name__)


def run_once(config: Config, *, now: datetime | None = None, slot: str | None = None) -> RunReport:
    """Build and write one digest of everything new. Safe to call again after a crash."""
    with exclusive_run(config.state):
        return _run_once(config, now=now, slot=slot)


def _run_once(config: Config, *, now: datetime | None, slot: str | None) -> RunReport:
    started = time.monotonic()
    now = (now or datetime.now(config.tz)).astimezone(config.tz)
    env = environment(config.output.templates)
    with State(config.state) as state, Outbox(config, state) as outbox:
        finish_interrupted(state, outbox, config, env)
        found = gather(config, state, now=now)
        repeats = tuple(r.as_skipped() for r in found.repeats)
        if not found.briefs:
            # No digest to store them with: repeats are recorded now, so they are not read and
            # summarised again every run (bad items are not: the next digest's footer shows them).
            state.add_repeats(found.repeats)
            handled = {r.article.uid for r in found.repeats}
            if all(item.uid in handled for item in found.items):
                found.remote.commit()  # nothing new came with these validators: keep them
            left_out = [f"{len(found.skipped)} skipped"] if found.skipped else []
            left_out += [_count(len(repeats), "repeat")] if repeats else []
            logger.info(
                "No new articles%s; nothing written",
                f" ({', '.join(left_out)}, listed above)" if left_out else "",
            )
            return RunReport(None, 0, 0, found.skipped + found.failed_sources, repeats=repeats)

        digest = Digest(config.title, now, found.briefs, found.skipped + found.failed_sources)
        record = store(digest, found, state, config, env, slot=slot)
        files = publish(record, state, config, env)
        outbox.send_pending()

    sources = len(digest.source_names)
    logger.info(
        "Done: %s with %d %s from %d %s%s%s in %.1fs",
        files[0] if files else record.name,
        len(digest.briefs),
        "article" if len(digest.briefs) == 1 else "articles",
        sources,
        "source" if sources == 1 else "sources",
        f", {len(digest.skipped)} skipped" if digest.skipped else "",
        f", {_count(len(repeats), 'repeat')} left out" if repeats else "",
        time.monotonic() - started,
    )
    return RunReport(
        record.name,
        len(digest.briefs),
        sources,
        digest.skipped,
        tuple(map(str, files)),
        repeats=repeats,
    )


def finish_interrupted(state: State, outbox: Outbox, config: Config, env) -> None:
    """Finish what a crash left half done, before anything new is built."""
    # A digest stored but not fully written: finished first, so its articles are not collected
    # again as new.
    for record in state.pending():
        logger.warning("Finishing %s, interrupted before it was written", record.name)
        publish(record, state, config, env)
    # Deliveries left over (server down, crash).
    outbox.send_pending()


@dataclass(frozen=True)
class Gathered:
    """What one run found: briefs to publish, and everything left out (with reasons)."""

    items: tuple[SourceItem, ...]
    briefs: tuple[Brief, ...]
    folded: tuple[Article, ...]  # near-duplicates folded into a brief: seen, not shown
    repeats: tuple[Repeat, ...]  # stories a recent digest carried: logged, recorded, not shown
    signatures: Mapping[str, LeanMinHash]  # each article's MinHash by uid, stored with the digest
    skipped: tuple[Skipped, ...]  # bad items: shown once, then remembered
    failed_sources: tuple[Skipped, ...]  # whole sources: shown in every digest until fixed
    remote: RemoteState  # feed validators, kept only once the items they cover are stored


def gather(config: Config, state: State, *, now: datetime) -> Gathered:
    """Collect new items from every source, clean each, leave out stories a recent digest
    carried, fold near-duplicates, and summarise the stories that are left."""
    remote = RemoteState(config.state)
    with Fetcher(config.fetch) as fetcher:
        collected = collect(config.sources, is_seen=state.is_seen, fetch=fetcher, remote=remote)
    # Health from this fresh read; then items a `serve` collect job staged earlier that this
    # read did not return (a feed that timed out now, or rotated them out).
    record_health(state, config.sources, collected, now=now)
    collected = merge_staged(state, collected)
    with Workers(config.workers) as workers:
        articles, sigs, failed = extract_all(collected.items, workers)
        # Repeats first, each on its own: every copy of an old story is named in the log, and
        # a new story is not lost by being folded into a copy of an old one. Both before
        # summarising, so only the stories that will be shown are summarised.
        articles, repeats = skip_repeats(articles, sigs, state, now=now)
        stories = merge_duplicates(articles, sigs)
        briefs, unsummarised = summarise_all(stories.kept, config, workers, stories.also_in)
    return Gathered(
        items=collected.items,
        briefs=tuple(briefs),
        folded=tuple(stories.folded),
        repeats=tuple(repeats),
        signatures=sigs,
        skipped=collected.skipped + failed + unsummarised,
        failed_sources=tuple(
            Skipped(name, f"source:{name}", "all items", reason)
            for name, reason in collected.failed_sources
        ),
        remote=remote,
    )


def skip_repeats(
    articles: list[Article], sigs: Mapping[str, LeanMinHash], state: State, *, now: datetime
) -> tuple[list[Article], list[Repeat]]:
    """Leave out stories a digest of the last REPEAT_WINDOW already carried, one log line each."""
    since = now - REPEAT_WINDOW
    state.prune_signatures(before=since)
    if not articles:
        return articles, []
    # An LSH index over the window's signatures, built per run: 3,000 take about 0.2 s.
    articles, repeats = find_repeats(articles, sigs, state.recent_signatures(since))
    for r in repeats:
        logger.info('Left out "%s" (%s): %s', r.article.title, r.article.source, r.reason)
    return articles, repeats


def store(
    digest: Digest, found: Gathered, state: State, config: Config, env, *, slot: str | None
) -> DigestRecord:
    """Render every output and store it, with the articles it claims, in one transaction."""
    day = f"{digest.generated_at:%Y-%m-%d}"
    name = state.next_name(day, _names_on_disk(config, day))
    subject = config.email.subject.format(title=config.title, date=digest.generated_at)
    rendered = render(
        digest, name=name, subject=subject, env=env, unsubscribe_url=config.email.unsubscribe_url
    )
    # The email copy (cut to fit if large) is stored with the digest, so any later run can send
    # it; its delivery rows are created in the same transaction (deliver.py).
    email = render_email(digest, name=name, subject=subject, env=env, config=config)
    articles = [b.article for b in digest.briefs] + list(found.folded)
    # Folded copies too: a later copy may be closer to one of them than to the kept brief.
    sigs = found.signatures
    sent = [(a.uid, to_bytes(sigs[a.uid])) for a in articles if a.uid in sigs]
    record = state.add_pending(
        rendered,
        created_at=digest.generated_at,
        included=[(a.uid, a.source, a.name, a.title) for a in articles],
        skipped=found.skipped,
        sources=len(digest.source_names),
        slot=slot,
        signatures=sent,
        repeats=found.repeats,
        on_store=recorder(email, config, name=name, created_at=digest.generated_at),
    )
    # Only now are the feeds' validators kept; kept earlier, a crash in between would turn the
    # next conditional GET into a 304 and lose the items.
    found.remote.commit()
    return record


def extract_all(
    items: Sequence[SourceItem], workers: Workers
) -> tuple[list[Article], dict[str, LeanMinHash], tuple[Skipped, ...]]:
    """Clean every item (on every core) and sign its text; a bad item is skipped with its reason."""
    articles: list[Article] = []
    sigs: dict[str, LeanMinHash] = {}
    skipped: list[Skipped] = []
    # Results come back in the items' order, so the log and the digest read the same each run.
    for item, (result, sig) in zip(items, workers.map(extract_one, items), strict=True):
        if isinstance(result, Skipped):
            logger.warning("Skipped %s (%s): %s", item.name, item.source, result.reason)
            skipped.append(result)
            continue
        articles.append(result)
        if sig is not None:
            sigs[result.uid] = from_bytes(sig)
    return articles, sigs, tuple(skipped)


def summarise_all(
    articles: Sequence[Article],
    config: Config,
    workers: Workers,
    also_in: Mapping[str, tuple[str, ...]],
) -> tuple[list[Brief], tuple[Skipped, ...]]:
    """Summarise each story (on every core); one that cannot be is skipped with its reason."""
    task = partial(summarise_one, method=config.summary.method, sentences=config.summary.sentences)
    briefs: list[Brief] = []
    skipped: list[Skipped] = []
    for article, result in zip(articles, workers.map(task, articles), strict=True):
        if isinstance(result, Skipped):
            logger.warning("Skipped %s (%s): %s", article.name, article.source, result.reason)
            skipped.append(result)
        else:
            briefs.append(replace(result, also_in=also_in.get(article.uid, ())))
    return briefs, tuple(skipped)


# The two tasks below run in worker processes: plain functions of picklable values, which
# return a Skipped (with the reason) instead of raising, so one bad article stays one.


def extract_one(item: SourceItem) -> tuple[Article | Skipped, bytes | None]:
    """One item -> its Article and the MinHash signature of its text (as bytes)."""
    try:
        article = extract(item)
    except ExtractionError as exc:
        return Skipped(item.source, item.uid, item.name, str(exc)), None
    except Exception as exc:  # a bug on one article must not sink the whole digest
        logger.exception("Unexpected error extracting %s (%s)", item.name, item.source)
        return Skipped(item.source, item.uid, item.name, f"internal error: {exc!r}"), None
    sig = signature(article.text)
    return article, (to_bytes(sig) if sig is not None else None)


def summarise_one(article: Article, *, method: str, sentences: int) -> Brief | Skipped:
    try:
        chosen = summarize(article.text, sentences=sentences, method=method, title=article.title)
        if not chosen:
            raise ExtractionError("no sentences to summarise")
    except ExtractionError as exc:
        return Skipped(article.source, article.uid, article.name, str(exc))
    except Exception as exc:  # a bug on one article must not sink the whole digest
        logger.exception("Unexpected error summarising %s (%s)", article.name, article.source)
        return Skipped(article.source, article.uid, article.name, f"internal error: {exc!r}")
    return Brief(article=article, sentences=tuple(chosen), method=method)


def publish(record: DigestRecord, state: State, config: Config, env) -> list:
    """Write a stored digest's files and the archive index, then mark it written."""
    # One step for `digest serve` shutdown: it waits for this rather than cut it (shutdown.py).
    with critical():
        files = write_digest(record.rendered, config.output.dir, config.output.formats)
        state.mark_written(record.id)
        write_index(state, config, env)
    return files


def write_index(state: State, config: Config, env) -> None:
    ext = "html" if "html" in config.output.formats else config.output.formats[0]
    entries = [
        {
            "href": f"{r.name}.{ext}",
            "created_at": r.created_at,
            "suffix": r.name.rsplit("-", 1)[1] if r.name.count("-") == 4 else "",
            "articles": r.articles,
            "sources": r.sources,
        }
        for r in state.written()
    ]
    atomic_write(config.output.dir / "index.html", render_index(config.title, entries, env=env))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _names_on_disk(config: Config, day: str) -> set[str]:
    """Digest files already in output.dir (e.g. from a deleted state) are never overwritten."""
    if not config.output.dir.is_dir():
        return set()
    return {p.name.split(".", 1)[0] for p in config.output.dir.glob(f"digest-{day}*.*")}
