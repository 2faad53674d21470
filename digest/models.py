"""The values passed between stages: SourceItem -> Article -> Brief -> Digest -> RenderedDigest."""

from __future__ import annotations

from dataclasses import dataclass, field
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

    @property
    def word_count(self) -> int:
        return len(self.text.split())


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


@dataclass(frozen=True)
class RunReport:
    """What one run did, for the one-line summary and for tests."""

    digest_name: str | None
    articles: int
    sources: int
    skipped: tuple[Skipped, ...] = ()
    files: tuple[str, ...] = field(default_factory=tuple)
    repeats: tuple[Skipped, ...] = ()  # stories a recent digest carried: logged, not a problem

    @property
    def wrote_digest(self) -> bool:
        return self.digest_name is not None
