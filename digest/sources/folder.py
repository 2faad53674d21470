"""A folder of article files: .txt and .md (first line is the title) and .html.

Identity is the SHA-256 of the file's bytes, so a renamed file is not new and an edited one is.

A text file saved without a title line starts with a paragraph; taking that as the headline
would print a whole paragraph in bold. A first line that is too long for a headline, or ends
with a full stop, is therefore kept in the body and the item gets no title here: extract.py
then uses the article's first sentence and logs a warning naming the file. (There, not here:
a folder is read whole every run, but only new files are extracted, so the warning comes once.)
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from digest.errors import ExtractionError, SourceError
from digest.models import Skipped, SourceItem

logger = logging.getLogger(__name__)

CONTENT_TYPES = {
    ".txt": "text/plain",
    ".text": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".html": "text/html",
    ".htm": "text/html",
}

# The two signs that a first line is a paragraph, not a headline (benchmarks/title_lines.py):
# - longer than any headline: of 1,224 real titles (BBC, 92 news sites) the longest has 118
#   characters, 99% have at most 85; news sites cut titles at 60 to 110 for search results.
TITLE_MAX_CHARS = 150
# - it ends with a full stop, as headlines almost never do (1 of those 1,224 titles): one
#   period after a word, then any closing quotes or brackets. Not an ellipsis ("Marley...",
#   "Marley…"), nor an abbreviation with inner dots ("the U.S."). ? and ! end headlines often.
_ENDS_WITH_FULL_STOP = re.compile(r"(?<![.\s])(?<!\.[^\W\d_])\.[\"'”’»)\]]*$")


def read(source, **_context) -> Iterator[SourceItem | Skipped]:
    folder: Path = source.path
    if not folder.is_dir():
        raise SourceError(f"folder {folder} does not exist", hint=f"check {source.name}'s path")
    files = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and p.suffix.lower() in CONTENT_TYPES
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )
    for path in files:
        yield read_file(path, source=source.name, max_bytes=source.max_bytes)


def read_file(path: Path, *, source: str, max_bytes: int) -> SourceItem | Skipped:
    """One file -> SourceItem, or Skipped with a reason that names the file."""
    name = path.name
    try:
        size = path.stat().st_size
        if size > max_bytes:
            # Hash only the head: reading a huge file whole just to skip it wastes memory.
            with path.open("rb") as fh:
                uid = "sha256:" + hashlib.sha256(fh.read(65536) + str(size).encode()).hexdigest()
            raise ExtractionError(f"too large: {size:,} bytes > {max_bytes:,}")
        data = path.read_bytes()
    except OSError as exc:
        return Skipped(source, f"path:{path}", name, f"cannot read: {exc.strerror or exc}")
    except ExtractionError as exc:
        return Skipped(source, uid, name, str(exc))
    uid = "sha256:" + hashlib.sha256(data).hexdigest()
    try:
        text = decode(data)
    except ExtractionError as exc:
        return Skipped(source, uid, name, str(exc))
    content_type = CONTENT_TYPES[path.suffix.lower()]
    title = None
    if content_type != "text/html":
        first, _, rest = text.strip().partition("\n")
        first = first.strip()
        if first.startswith("#") or not not_a_title(first):
            title, text = first.lstrip("#").strip() or None, rest
        else:  # no title line: extract.py takes the first sentence (and says so, once)
            text = text.strip()
    modified = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
    return SourceItem(
        source=source,
        uid=uid,
        name=name,
        body=text,
        content_type=content_type,
        title=title,
        published=modified,
    )


def not_a_title(line: str) -> str | None:
    """Why a text file's first line reads as a paragraph, not a headline; None if it does not."""
    if len(line) > TITLE_MAX_CHARS:
        return f"has {len(line)} characters"
    if _ENDS_WITH_FULL_STOP.search(line):
        return "ends with a full stop"
    return None


def decode(data: bytes) -> str:
    """Bytes -> text, or ExtractionError saying why not (empty, binary, unknown encoding)."""
    if not data.strip():
        raise ExtractionError("empty file")
    if b"\x00" in data[:8192]:
        raise ExtractionError("binary file (contains NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Not UTF-8: let charset-normalizer (already needed by trafilatura) guess, and trust it
    # only when the guess is clean; a wrong guess would put mojibake into a brief.
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.chaos > 0.1:
        raise ExtractionError("cannot decode: not UTF-8 and no clear text encoding")
    return str(best)
