"""The main job, top to bottom: collect -> extract -> summarise -> render -> store -> write.

Nothing is written until the whole digest is rendered and stored in the state (see state.py
for why that makes a crash at any point safe to re-run).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from digest.config import Config
from digest.dedupe import (
    REPEAT_WINDOW,
    find_repeats,
    from_bytes,
    merge_duplicates,
    to_bytes,
)
from digest.deliver import DeliveryReport, Outbox, recorder
from digest.health import record_health
from digest.mail import render_email, subject_for
from digest.malloc import release_free_memory
from digest.models import Article, Brief, Digest, Repeat, RunReport, Skipped, SourceItem
from digest.progress import progress
from digest.render import environment, render, render_index, templates_use_text
from digest.sentences import split_sentences
from digest.shutdown import critical
from digest.sources import Collected, collect
from digest.sources.remote import RemoteState
from digest.staging import merge as merge_staged
from digest.state import (
    DigestRecord,
    State,
    digest_order,
    digests_on_disk,
    exclusive_run,
    refuse_lost_state,
    storage_errors,
)
from digest.tasks import extract_one, summarise_one
from digest.workers import Workers
from digest.write import atomic_write, write_digest

if TYPE_CHECKING:
    from digest.dedupe import Signature
    from digest.mail import EmailCopy
    from digest.models import RenderedDigest

logger = logging.getLogger(__name__)


def run_once(
    config: Config,
    *,
    now: datetime | None = None,
    slot: str | None = None,
    log_summary: bool = True,
    queued: bool = False,
) -> RunReport:
    """Build and write one digest of everything new. Safe to call again after a crash.

    Logs one summary line, unless `log_summary` is off (`digest serve` logs its own per job).
    `queued`: a queue worker assembles the digest (digest/queue/): the sources were read and
    the articles prepared by other jobs, and mail is sent by other jobs too.
    """
    started = time.monotonic()
    # storage_errors: a damaged or full state stops the run with one line, wherever it shows.
    with exclusive_run(config.state), storage_errors(config.state):
        report = _run_once(config, now=now, slot=slot, queued=queued)
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


def _run_once(
    config: Config, *, now: datetime | None, slot: str | None, queued: bool = False
) -> RunReport:
    now = (now or datetime.now(config.tz)).astimezone(config.tz)
    env = environment(config.output.templates)
    with State(config.state) as state, Outbox(config, state) as outbox:
        refuse_lost_state(state, config.output.dir)
        mail = [finish_interrupted(state, outbox, config, env, send=not queued)]
        found = gather(config, state, now=now, queued=queued)
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
            if all(uid in handled for uid in found.uids):
                found.remote.commit()  # nothing new came with these validators: keep them
            outbox.report_problems(found.skipped + found.failed_sources, digest_name=None, when=now)
            return RunReport(None, 0, 0, **outcome, **_mail_counts(mail))

        digest = Digest(config.title, now, found.briefs, found.skipped + found.failed_sources)
        record = store(digest, found, state, config, env, slot=slot)
        files = publish(record, state, config, env)
        mail.append(DeliveryReport() if queued else outbox.send_pending())
        # After the readers' mail: the operator's report never holds it up.
        outbox.report_problems(digest.skipped, digest_name=record.name, when=now)

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


def finish_interrupted(
    state: State, outbox: Outbox, config: Config, env, *, send: bool = True
) -> DeliveryReport:
    """Finish what a crash left half done, before anything new is built."""
    # A digest stored but not fully written: finished first, so its articles are not collected
    # again as new.
    for record in state.pending():
        logger.warning("Finishing %s, interrupted before it was written", record.name)
        publish(record, state, config, env)
    # Deliveries left over (server down, crash).
    return outbox.send_pending() if send else DeliveryReport()


@dataclass(frozen=True)
class Gathered:
    """What one run found: briefs to publish, and everything left out (with reasons)."""

    uids: tuple[str, ...]  # every item read this run
    briefs: tuple[Brief, ...]
    folded: tuple[Article, ...]  # near-duplicates folded into a brief: seen, not shown
    repeats: tuple[Repeat, ...]  # stories a recent digest carried: logged, recorded, not shown
    signatures: Mapping[str, Signature]  # each article's MinHash by uid, stored with the digest
    skipped: tuple[Skipped, ...]  # bad items: shown once, then remembered
    failed_sources: tuple[Skipped, ...]  # whole sources: shown in every digest until fixed
    remote: RemoteState  # feed validators, kept only once the items they cover are stored


def gather(config: Config, state: State, *, now: datetime, queued: bool = False) -> Gathered:
    """Collect new items from every source, clean each, leave out stories a recent digest
    carried, fold near-duplicates, and summarise the stories that are left.

    `queued`: fetch jobs staged the items and prepare jobs cleaned and summarised them; this
    reads what they stored (digest/queue/prepare.py)."""
    remote = RemoteState(state)
    if queued:
        from digest.queue.prepare import Prepared

        collected, pool = Collected((), (), ()), Prepared(state)
    else:
        with _fetcher(config) as fetcher:
            collected = collect(config.sources, seen=state.seen, fetch=fetcher, remote=remote)
        # Health from this fresh read; then items a `serve` collect job staged earlier that
        # this read did not return (a feed that timed out now, or rotated them out).
        record_health(state, config.sources, collected, now=now)
        pool = Workers(config.workers)
    collected = merge_staged(state, collected)
    uids = tuple(item.uid for item in collected.items)
    content_types = {item.uid: item.content_type for item in collected.items}
    # The raw bodies (a page's whole HTML) are handed over to extract_all, which lets each go
    # once it is extracted: the articles' text then takes their place in memory, not theirs
    # plus its own, and nothing holds them to the end of the run.
    items, collected = list(collected.items), replace(collected, items=())
    with pool as workers:
        articles, sigs, failed = extract_all(items, workers)
        # Repeats first, each on its own: every copy of an old story is named in the log, and
        # a new story is not lost by being folded into a copy of an old one. Both before
        # summarising, so only the stories that will be shown are summarised.
        articles, repeats = skip_repeats(articles, sigs, state, now=now)
        stories = merge_duplicates(articles, sigs)
        del articles  # summarise_all lets each text go once it is summarised: none held here
        briefs, unsummarised = summarise_all(
            stories.kept,
            config,
            workers,
            also_in=stories.also_in,
            content_types=content_types,
            keep_texts=templates_use_text(config.output.templates),
        )
    return Gathered(
        uids=uids,
        briefs=tuple(briefs),
        # Copies are stored by name only: their text is not needed past folding.
        folded=tuple(a.without_text() for a in stories.folded),
        repeats=tuple(repeats),
        signatures=sigs,
        skipped=collected.skipped + failed + unsummarised,
        failed_sources=tuple(
            Skipped(name, f"source:{name}", "all items", reason)
            for name, reason in collected.failed_sources
        ),
        remote=remote,
    )


def _fetcher(config: Config):
    """The run's HTTP client; none when every source is a folder, which spares importing httpx
    and loading the certificate store (0.1 s of a run that reads no web source)."""
    if all(source.type == "folder" for source in config.sources):
        return nullcontext(None)
    from digest.fetch import Fetcher

    return Fetcher(config.fetch)


def skip_repeats(
    articles: list[Article], sigs: Mapping[str, Signature], state: State, *, now: datetime
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
    rendered, email = render_all(digest, state, config, env)
    name = rendered.name
    # The email copy (cut to fit if large) is stored with the digest, so any later run can send
    # it; its delivery rows are created in the same transaction (deliver.py).
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
        on_store=recorder(
            email, config, name=name, created_at=digest.generated_at, digest=digest, env=env
        ),
    )
    # Only now are the feeds' validators kept; kept earlier, a crash in between would turn the
    # next conditional GET into a 304 and lose the items.
    found.remote.commit()
    return record


def render_all(
    digest: Digest, state: State, config: Config, env
) -> tuple[RenderedDigest, EmailCopy]:
    """The digest's next free name, its files' contents and its email copy (cut to fit if large)."""
    day = f"{digest.generated_at:%Y-%m-%d}"
    # Digest files already in output.dir (e.g. from a deleted state) are never overwritten.
    name = state.next_name(day, digests_on_disk(config.output.dir))
    subject = subject_for(
        config.email.subject, title=config.title, date=digest.generated_at, name=name
    )
    rendered = render(
        digest,
        name=name,
        subject=subject,
        env=env,
        unsubscribe_url=config.email.unsubscribe_url,
        sections=config.sections,
    )
    return rendered, render_email(digest, name=name, env=env, config=config)


def extract_all(
    items: list[SourceItem | None], workers: Workers
) -> tuple[list[Article], dict[str, Signature], tuple[Skipped, ...]]:
    """Clean every item (on every core) and sign its text; a bad item is skipped with its reason.

    Each entry of `items` is set to None once its result is in, so a body the caller no longer
    holds is freed as the work goes.
    """
    articles: list[Article] = []
    sigs: dict[str, Signature] = {}
    skipped: list[Skipped] = []
    # Results come back in the items' order, so the log and the digest read the same each run.
    with progress("Cleaning", total=len(items), unit="article") as bar:
        for n, (result, sig) in enumerate(workers.map(extract_one, items)):
            item, items[n] = items[n], None
            bar.update()
            if isinstance(result, Skipped):
                logger.warning("Skipped %s (%s): %s", item.name, item.source, result.reason)
                skipped.append(result)
                continue
            articles.append(result)
            # None also for a signature a prepare job stored before an upgrade of rensa: that
            # article is then compared with nothing, which folds nothing into it wrongly.
            if sig is not None and (signed := from_bytes(sig)) is not None:
                sigs[result.uid] = signed
    release_free_memory()  # the raw bodies' pages, freed one by one above
    return articles, sigs, tuple(skipped)


def summarise_all(
    articles: list[Article | None],
    config: Config,
    workers: Workers,
    also_in: Mapping[str, tuple[str, ...]],
    content_types: Mapping[str, str],
    *,
    keep_texts: bool = True,
) -> tuple[list[Brief], tuple[Skipped, ...]]:
    """Summarise each story (on every core); one that cannot be is skipped with its reason.

    Unless `keep_texts` (templates that show an article's text), each brief's article keeps
    its word count but not its text, and each entry of `articles` is set to None once its
    result is in: a digest of 10,000 stories then holds their briefs, not 40 MB of text.
    """
    task = partial(summarise_one, method=config.summary.method, sentences=config.summary.sentences)
    briefs: list[Brief] = []
    skipped: list[Skipped] = []
    with progress("Summarising", total=len(articles), unit="article") as bar:
        for n, result in enumerate(workers.map(task, articles)):
            article = articles[n]
            if not keep_texts:
                articles[n] = None
            bar.update()
            if isinstance(result, Skipped):
                logger.warning("Skipped %s (%s): %s", article.name, article.source, result.reason)
                skipped.append(result)
                continue
            brief = Brief(
                article=article,
                sentences=result,
                method=config.summary.method,
                also_in=also_in.get(article.uid, ()),
            )
            if logger.isEnabledFor(logging.DEBUG):
                _log_brief(article, brief, how=content_types.get(article.uid))
            briefs.append(brief if keep_texts else replace(brief, article=article.without_text()))
    release_free_memory()  # the texts' pages, freed one by one above (unless kept)
    return briefs, tuple(skipped)


# How each content type is cleaned (digest/extract.py), for the per-item debug line.
_EXTRACTION_PATHS = {
    "text/html": "HTML via trafilatura",
    "text/markdown": "Markdown via the text cleaner",
    "text/plain": "text via the text cleaner",
}


def _log_brief(article: Article, brief: Brief, *, how: str | None) -> None:
    """`--verbose`: where an item's brief came from, to tell a bad source from a bad pick."""
    paragraphs = [p for p in article.text.split("\n\n") if p.strip()]
    sentences = split_sentences(article.text)
    positions = [sentences.index(s) + 1 for s in brief.sentences if s in sentences]
    logger.debug(
        '%s (%s): %s; "%s"; %d paragraphs kept, %d words; %s chose sentences %s of %d',
        article.name,
        article.source,
        _EXTRACTION_PATHS.get(how or "", how or "unknown"),
        article.title,
        len(paragraphs),
        article.word_count,
        brief.method,
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
    """index.html lists the digests whose files are in output.dir, newest first: those the
    state knows, and those it does not (written before a --new-state), so none drops out."""
    ext = "html" if "html" in config.output.formats else config.output.formats[0]
    out = config.output.dir
    known = {r.name: r for r in state.written(content=False)}
    names = [n for n in digests_on_disk(out) if (out / f"{n}.{ext}").exists()]
    entries = []
    for name in sorted(names, key=digest_order, reverse=True):
        record = known.get(name)
        created_at, articles, sources = (
            (record.created_at, record.articles, record.sources)
            if record
            else _described_by_files(out, name, config)
        )
        entries.append(
            {
                "href": f"{name}.{ext}",
                "created_at": created_at,
                "suffix": name.rsplit("-", 1)[1] if name.count("-") == 4 else "",
                "articles": articles,
                "sources": sources,
            }
        )
    atomic_write(out / "index.html", render_index(config.title, entries, env=env))


def _described_by_files(
    out: Path, name: str, config: Config
) -> tuple[datetime, int | None, int | None]:
    """When, and how many articles and sources, for a digest the state does not know: from its
    JSON file if there is one, else the date in its name (counts unknown)."""
    try:
        data = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
        items = data["items"]
        return (
            datetime.fromisoformat(data["generated_at"]),
            len(items),
            len({item["source"] for item in items}),
        )
    except (OSError, ValueError, KeyError, TypeError):
        day = digest_order(name)[0]
        return datetime.fromisoformat(day).replace(tzinfo=config.tz), None, None


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
