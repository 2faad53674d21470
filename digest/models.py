"""The values passed between stages: SourceItem -> Article -> Brief -> Digest -> RenderedDigest."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime


@dataclass(frozen=True)
class SourceItem:
    """One raw item as read from a file or fetched from the web."""

    source: str  # the source's name in config.yaml
    uid: str  # stable identity: content hash for files, guid/link for feeds
    name: str  # what to call it in messages: a file name or URL
    body: str
    content_type: str  # "text/plain" | "text/markdown" | "text/html"
    url: str | None = None
    title: str | None = None
    published: datetime | None = None


@dataclass(frozen=True)
class Article:
    """Cleaned article text plus metadata."""

    uid: str
    source: str
    name: str
    title: str
    text: str  # paragraphs separated by blank lines, boilerplate removed
    url: str | None = None
    published: datetime | None = None
    author: str | None = None  # when the page names one (HTML only)
    # The text's word count, kept when the text itself is let go once the article is
    # summarised (pipeline.summarise_all): a digest of thousands holds only what it shows.
    words: int | None = None
    # Paragraphs of `text` (0-based, blank-line separated) kept for reading that the cleaner is
    # not sure are the article's (digest.clean's ASIDE), in tiers, likelier article first: a
    # brief quotes a tier only when the paragraphs before it have no usable sentence.
    # Indices, so what crosses the process pool stays small.
    aside: tuple[tuple[int, ...], ...] = ()

    @property
    def word_count(self) -> int:
        return self.words if self.words is not None else len(self.text.split())

    def without_text(self) -> Article:
        """This article with its text let go and its word count kept."""
        return replace(self, text="", words=self.word_count, aside=())


@dataclass(frozen=True)
class Brief:
    article: Article
    sentences: tuple[str, ...]
    method: str
    also_in: tuple[str, ...] = ()  # other sources that carried the same story

    @property
    def reading_minutes(self) -> int:
        # 230 words a minute is the usual adult silent-reading figure for non-fiction.
        return max(1, round(self.article.word_count / 230))


@dataclass(frozen=True)
class Skipped:
    """An item left out of a digest, and why: told to the operator (never readers), never lost."""

    source: str
    uid: str
    name: str
    reason: str


@dataclass(frozen=True)
class Sent:
    """An article a recent digest carried, as the state remembers it to spot repeats."""

    uid: str
    digest_id: int
    digest: str  # the digest's name, e.g. "digest-2026-11-23"
    title: str
    signature: bytes  # serialised MinHash of its text (dedupe.to_bytes)


@dataclass(frozen=True)
class Repeat:
    """A new item whose story a recent digest already carried: left out, and not an error."""

    article: Article
    earlier: Sent

    @property
    def reason(self) -> str:
        return f'already in {self.earlier.digest} as "{self.earlier.title}"'

    def as_skipped(self) -> Skipped:
        return Skipped(self.article.source, self.article.uid, self.article.name, self.reason)


@dataclass(frozen=True)
class Digest:
    title: str
    generated_at: datetime  # tz-aware, in the configured time zone
    briefs: tuple[Brief, ...]
    skipped: tuple[Skipped, ...] = ()

    @property
    def source_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(b.article.source for b in self.briefs))


@dataclass(frozen=True)
class DigestSection:
    """A heading and its stories, in the order shown; `start` numbers its first story (1-based),
    so templates can give every story one anchor (#story-N) across sections."""

    name: str | None  # None: no heading (no sections configured)
    briefs: tuple[Brief, ...]
    start: int = 1


@dataclass(frozen=True)
class SubjectDate:
    """The date in an email subject. `{date}` reads like the digest's own date line ("Tuesday 1
    December", no zero-padded day); `{date:%a %d %b}` is strftime, as the user wrote it."""

    value: datetime

    def __format__(self, spec: str) -> str:
        if not spec:
            return f"{self.value:%A} {self.value.day} {self.value:%B}"
        return format(self.value, spec)


@dataclass(frozen=True)
class RenderedDigest:
    """Everything a writer or mailer needs, as text: what was rendered is what is kept."""

    name: str  # "digest-2026-11-24" or "digest-2026-11-24-2"
    subject: str
    html: str
    text: str
    json: str


# Exit codes of `digest run` (README, "Exit codes"), derived from its RunReport, so cron and
# systemd can alert on a run that wrote or sent less than it should have.
EXIT_OK = 0  # all done, including "nothing new"
EXIT_USER_ERROR = 1  # bad config, unreadable file, ...: one line on stderr (cli.py)
EXIT_PARTIAL = 2  # some sources failed, or some email was left pending or failed
EXIT_NOTHING_READ = 3  # every source failed


@dataclass(frozen=True)
class RunReport:
    """What one run did, for the one-line summary, the exit code and tests."""

    digest_name: str | None
    articles: int
    sources: int
    skipped: tuple[Skipped, ...] = ()  # bad items and failed sources, as the footer lists them
    files: tuple[str, ...] = field(default_factory=tuple)
    repeats: tuple[Skipped, ...] = ()  # stories a recent digest carried: logged, not a problem
    configured_sources: int = 0  # sources in config.yaml
    failed_sources: tuple[str, ...] = ()  # names of the sources that could not be read at all
    mail_sent: int = 0  # deliveries this run made, retries of earlier digests included
    mail_failed: int = 0
    mail_pending: int = 0  # left for the next run (server down, 4xx)

    @property
    def wrote_digest(self) -> bool:
        return self.digest_name is not None

    @property
    def exit_code(self) -> int:
        if self.configured_sources and len(self.failed_sources) >= self.configured_sources:
            return EXIT_NOTHING_READ
        if self.failed_sources or self.mail_failed or self.mail_pending:
            return EXIT_PARTIAL
        return EXIT_OK

    def details(self) -> str:
        """The tail of the run's one-line summary: what was left out, what failed, the mail."""
        items = len(self.skipped) - len(self.failed_sources)
        parts = [f"{items} skipped"] if items > 0 else []
        if self.repeats:
            parts.append(f"{_count(len(self.repeats), 'repeat')} left out")
        if self.failed_sources:
            total = _count(self.configured_sources, "source")
            parts.append(f"{len(self.failed_sources)} of {total} failed")
        mail = {
            "sent": self.mail_sent,
            "failed": self.mail_failed,
            "left pending": self.mail_pending,
        }
        if any(mail.values()):
            parts.append("email " + ", ".join(f"{n} {what}" for what, n in mail.items() if n))
        return "".join(f", {p}" for p in parts)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
