"""The public archive: the digests in output.dir, each shown as readers see it, and an Atom feed.

A digest page is rendered again from the digest's JSON (its stories, sections and counts), with
no operator note: the archive copy on disk (digest-DAY.html) carries "For the operator: ..."
at its foot, and readers never see the operator's problems.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from digest.config import Config
from digest.models import Article, Brief, Digest

DIGEST_NAME = re.compile(r"digest-(\d{4}-\d{2}-\d{2})(?:-(\d+))?")
FEED_ENTRIES = 50  # newest digests in /feed.xml; the archive page lists them all
MAX_JSON_BYTES = 20_000_000  # a digest's JSON larger than this is not ours


@dataclass(frozen=True)
class Entry:
    name: str
    created_at: datetime
    suffix: str
    articles: int | None
    headlines: tuple[str, ...]


@dataclass(frozen=True)
class _ArchivedBrief(Brief):
    """A brief read back from JSON: the article's text is not kept, its reading time is."""

    minutes: int = 1

    @property
    def reading_minutes(self) -> int:
        return self.minutes


@dataclass(frozen=True)
class _Section:
    name: str
    sources: tuple[str, ...]


def names(out_dir: Path) -> list[str]:
    """Digests with a .json in output.dir, newest first."""
    if not out_dir.is_dir():
        return []
    found = [m for p in out_dir.glob("digest-*.json") if (m := DIGEST_NAME.fullmatch(p.stem))]
    found.sort(key=lambda m: (m[1], int(m[2] or 1)), reverse=True)
    return [m[0] for m in found]


def load(out_dir: Path, name: str) -> dict | None:
    """The digest's JSON, or None when there is no such digest (or it cannot be read)."""
    if not DIGEST_NAME.fullmatch(name):
        return None
    path = out_dir / f"{name}.json"
    try:
        if path.stat().st_size > MAX_JSON_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("items"), list) else None


def entries(config: Config, *, limit: int | None = None) -> list[Entry]:
    out = []
    for name in names(config.output.dir):
        if limit is not None and len(out) >= limit:
            break
        data = load(config.output.dir, name)
        if data is None:
            continue
        try:
            created = datetime.fromisoformat(data["generated_at"])
        except (KeyError, TypeError, ValueError):
            continue
        items = data["items"]
        suffix = DIGEST_NAME.fullmatch(name)[2] or ""
        titles = tuple(str(i.get("title", "")) for i in items if isinstance(i, dict))
        out.append(Entry(name, created, suffix, len(items), titles))
    return out


def digest_of(data: dict) -> tuple[Digest, tuple[_Section, ...]]:
    """Digest and sections back from a digest's JSON, as the templates take them."""
    briefs, homes = [], {}
    for i, item in enumerate(data["items"]):
        published = item.get("published")
        article = Article(
            uid=f"archived-{i}",
            source=item["source"],
            name=item["title"],
            title=item["title"],
            text="",
            url=item.get("url"),
            published=datetime.fromisoformat(published) if published else None,
        )
        briefs.append(
            _ArchivedBrief(
                article,
                tuple(item["sentences"]),
                item.get("method", ""),
                tuple(item.get("also_in", ())),
                minutes=int(item.get("reading_minutes") or 1),
            )
        )
        if item.get("section"):
            homes.setdefault(item["section"], []).append(item["source"])
    sections = tuple(_Section(n, tuple(dict.fromkeys(s))) for n, s in homes.items())
    digest = Digest(data["title"], datetime.fromisoformat(data["generated_at"]), tuple(briefs))
    return digest, sections


def atom(config: Config, base: str) -> bytes:
    """Atom 1.0 (RFC 4287), one entry per digest, newest first, built by feedgen (lxml)."""
    from feedgen.feed import FeedGenerator

    from digest.render import longdate

    found = entries(config, limit=FEED_ENTRIES)
    fg = FeedGenerator()
    fg.id(f"{base}/")
    fg.title(config.title)
    fg.author({"name": config.title})
    fg.link(href=f"{base}/", rel="alternate")
    fg.link(href=f"{base}/feed.xml", rel="self")
    fg.generator("digest")
    fg.updated(found[0].created_at if found else datetime(2000, 1, 1).astimezone())
    # feedgen writes entries in the reverse order of add_entry(): add the oldest first.
    for entry in reversed(found):
        fe = fg.add_entry()
        fe.id(f"{base}/{entry.name}.html")
        suffix = f" ({entry.suffix})" if entry.suffix else ""
        fe.title(f"{config.title}: {longdate(entry.created_at)}{suffix}")
        fe.link(href=f"{base}/{entry.name}.html", rel="alternate")
        fe.updated(entry.created_at)
        fe.published(entry.created_at)
        fe.summary(_clean("; ".join(entry.headlines)) or "No stories.")
    return fg.atom_str(pretty=True)


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    """lxml refuses control characters, which XML 1.0 cannot carry at all."""
    return _XML_ILLEGAL.sub("", text)
