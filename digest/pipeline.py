"""The main job, top to bottom: collect -> extract -> summarise -> render -> store -> write.

Nothing is written until the whole digest is rendered and stored in the state (see state.py
for why that makes a crash at any point safe to re-run).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from digest.config import Config
from digest.dedupe import REPEAT_WINDOW, find_repeats, merge_duplicates, signatures, to_bytes
from digest.deliver import DeliveryReport, Outbox, recorder
from digest.errors import ExtractionError
from digest.extract import extract
from digest.fetch import Fetcher
from digest.health import record_health
from digest.mail import render_email
from digest.models import Article, Brief, Digest, Repeat, RunReport, Skipped, SourceItem
from digest.progress import progress
from digest.render import environment, render, render_index
from digest.sentences import split_sentences
from digest.shutdown import critical
from digest.sources import collect
from digest.sources.remote import RemoteState
from digest.staging import merge as merge_staged
from digest.state import DigestRecord, State, exclusive_run
from digest.summarise import summarize
from digest.write import atomic_write, write_digest

if TYPE_CHECKING:
    from datasketch import LeanMinHash

logger = logging.getLogger(__name__)


def run_once(
    config: Config,
    *,
    now: datetime | None = None,
    slot: str | None = None,
    log_summary: bool = True,
) -> RunReport:
    """Build and write one digest of everything new. Safe to call again after a crash.

    Logs one summary line, unless `log_summary` is off (`digest serve` logs its own per job).
    """
    started = time.monotonic()
    with exclusive_run(config.state):
        report = _run_once(config, now=now, slot=slot)
    if log_summary:
        if report.wrote_digest:
            logger.info(
                "Done: %s with %s from %s%s in %.1fs",
                report.files[0] if report.files else report.digest_name,
                _count(report.articles, "article"),
                _count(report.sources, "source"),
                report.details(),
                time.monotonic() - started,
            )
        else:
            logger.info("No new articles%s; nothing written", _left_out(report))
    return report


def _left_out(report: RunReport) -> str:
    details = report.details()
    return f" ({details.removeprefix(', ')})" if details else ""


def _run_once(config: Config, *, now: datetime | None, slot: str | None) -> RunReport:
    now = (now or datetime.now(config.tz)).astimezone(config.tz)
    env = environment(config.output.templates)
    with State(config.state) as state, Outbox(config, state) as outbox:
        mail = [finish_interrupted(state, outbox, config, env)]
        found = gather(config, state, now=now)
        repeats = tuple(r.as_skipped() for r in found.repeats)
        outcome = {
            "skipped": found.skipped + found.failed_sources,
            "repeats": repeats,
            "configured_sources": len(config.sources),
            "failed_sources": tuple(s.source for s in found.failed_sources),
        }
        if not found.briefs:
            # No digest to store them with: repeats are recorded now, so they are not read and
            # summarised again every run (bad items are not: the next digest's footer shows them).
            state.add_repeats(found.repeats)
            handled = {r.article.uid for r in found.repeats}
            if all(item.uid in handled for item in found.items):
                found.remote.commit()  # nothing new came with these validators: keep them
            return RunReport(None, 0, 0, **outcome, **_mail_counts(mail))

        digest = Digest(config.title, now, found.briefs, found.skipped + found.failed_sources)
        record = store(digest, found, state, config, env, slot=slot)
        files = publish(record, state, config, env)
        mail.append(outbox.send_pending())

    return RunReport(
        record.name,
        len(digest.briefs),
        len(digest.source_names),
        files=tuple(map(str, files)),
        **outcome,
        **_mail_counts(mail),
    )


def _mail_counts(reports: list[DeliveryReport]) -> dict[str, int]:
    # Each pass sends what is due then, so a delivery left pending by the first pass (leftovers)
    # is due again in the second (the new digest's): pending is what the last pass left.
    return {
        "mail_sent": sum(r.sent for r in reports),
        "mail_failed": sum(r.failed for r in reports),
        "mail_pending": reports[-1].pending,
    }


def finish_interrupted(state: State, outbox: Outbox, config: Config, env) -> DeliveryReport:
    """Finish what a crash left half done, before anything new is built."""
    # A digest stored but not fully written: finished first, so its articles are not collected
    # again as new.
    for record in state.pending():
        logger.warning("Finishing %s, interrupted before it was written", record.name)
        publish(record, state, config, env)
    # Deliveries left over (server down, crash).
    return outbox.send_pending()


@dataclass(frozen=True)
class Gathered:
    """What one run found: briefs to publish, and everything left out (with reasons)."""

    items: tuple[SourceItem, ...]
    briefs: tuple[Brief, ...]
    folded: tuple[Article, ...]  # near-duplicates folded into a brief: seen, not shown
    repeats: tuple[Repeat, ...]  # stories a recent digest carried: logged, recorded, not shown
    signatures: Mapping[str, LeanMinHash]  # each brief's MinHash by uid, stored with the digest
    skipped: tuple[Skipped, ...]  # bad items: shown once, then remembered
    failed_sources: tuple[Skipped, ...]  # whole sources: shown in every digest until fixed
    remote: RemoteState  # feed validators, kept only once the items they cover are stored


def gather(config: Config, state: State, *, now: datetime) -> Gathered:
    """Collect new items from every source, summarise each, leave out stories a recent digest
    carried, fold near-duplicates."""
    remote = RemoteState(config.state)
    with Fetcher(config.fetch) as fetcher:
        collected = collect(config.sources, is_seen=state.is_seen, fetch=fetcher, remote=remote)
    # Health from this fresh read; then items a `serve` collect job staged earlier that this
    # read did not return (a feed that timed out now, or rotated them out).
    record_health(state, config.sources, collected, now=now)
    collected = merge_staged(state, collected)
    briefs, failed = summarise_all(collected.items, config)
    # Repeats first, each on its own: every copy of an old story is named in the log, and a
    # new story is not lost by being folded into a copy of an old one.
    sigs = signatures(briefs)
    briefs, repeats = skip_repeats(briefs, sigs, state, now=now)
    briefs, folded = merge_duplicates(briefs, sigs)
    return Gathered(
        items=collected.items,
        briefs=tuple(briefs),
        folded=tuple(folded),
        repeats=tuple(repeats),
        signatures=sigs,
        skipped=collected.skipped + failed,
        failed_sources=tuple(
            Skipped(name, f"source:{name}", "all items", reason)
            for name, reason in collected.failed_sources
        ),
        remote=remote,
    )


def skip_repeats(
    briefs: list[Brief], sigs: Mapping[str, LeanMinHash], state: State, *, now: datetime
) -> tuple[list[Brief], list[Repeat]]:
    """Leave out stories a digest of the last REPEAT_WINDOW already carried, one log line each."""
    since = now - REPEAT_WINDOW
    state.prune_signatures(before=since)
    if not briefs:
        return briefs, []
    # An LSH index over the window's signatures, built per run: 3,000 take about 0.2 s.
    briefs, repeats = find_repeats(briefs, sigs, state.recent_signatures(since))
    for r in repeats:
        logger.info('Left out "%s" (%s): %s', r.article.title, r.article.source, r.reason)
    return briefs, repeats


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


def summarise_all(
    items: Iterable[SourceItem], config: Config
) -> tuple[list[Brief], tuple[Skipped, ...]]:
    """Each item on its own: one bad article is skipped with its reason, the rest go on."""
    items = list(items)
    briefs: list[Brief] = []
    skipped: list[Skipped] = []
    with progress("Summarising", total=len(items), unit="article") as bar:
        for item in items:
            try:
                briefs.append(make_brief(item, config))
            except ExtractionError as exc:
                logger.warning("Skipped %s (%s): %s", item.name, item.source, exc)
                skipped.append(Skipped(item.source, item.uid, item.name, str(exc)))
            except Exception as exc:  # a bug on one article must not sink the whole digest
                logger.exception("Skipped %s (%s): unexpected error", item.name, item.source)
                skipped.append(
                    Skipped(item.source, item.uid, item.name, f"internal error: {exc!r}")
                )
            bar.update()
    return briefs, tuple(skipped)


# How each content type is cleaned (digest/extract.py), for the per-item debug line.
_EXTRACTION_PATHS = {
    "text/html": "HTML via trafilatura",
    "text/markdown": "Markdown via the text cleaner",
    "text/plain": "text via the text cleaner",
}


def make_brief(item: SourceItem, config: Config) -> Brief:
    article = extract(item)
    sentences = summarize(
        article.text,
        sentences=config.summary.sentences,
        method=config.summary.method,
        title=article.title,
    )
    if not sentences:
        raise ExtractionError("no sentences to summarise")
    if logger.isEnabledFor(logging.DEBUG):
        _log_brief(item, article, sentences, config.summary.method)
    return Brief(article=article, sentences=tuple(sentences), method=config.summary.method)


def _log_brief(item: SourceItem, article: Article, chosen: list[str], method: str) -> None:
    """`--verbose`: where an item's brief came from, to tell a bad source from a bad pick."""
    paragraphs = [p for p in article.text.split("\n\n") if p.strip()]
    sentences = split_sentences(article.text)
    positions = [sentences.index(s) + 1 for s in chosen if s in sentences]
    logger.debug(
        '%s (%s): %s; "%s"; %d paragraphs kept, %d words; %s chose sentences %s of %d',
        item.name,
        item.source,
        _EXTRACTION_PATHS.get(item.content_type, item.content_type),
        article.title,
        len(paragraphs),
        article.word_count,
        method,
        ", ".join(map(str, positions)) or "-",
        len(sentences),
    )


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
