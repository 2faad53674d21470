"""A folder of article files: .txt and .md (first line is the title) and .html.

Identity is the SHA-256 of the file's bytes, so a renamed file is not new and an edited one is.
"""

from __future__ import annotations

import hashlib
import logging
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
        title, _, text = text.strip().partition("\n")
        title = title.strip().lstrip("#").strip() or None
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
