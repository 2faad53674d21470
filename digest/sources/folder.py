"""A folder of article files: .txt and .md (first line is the title) and .html.

Identity is the SHA-256 of the file's bytes, so a renamed file is not new and an edited one is.
Only regular files inside the folder are read: a symbolic link could point anywhere on the
machine (the service often runs with more rights than whoever can write to the folder), so it
is skipped with a reason unless the source says `follow_symlinks: true`.

A text file saved without a title line starts with a paragraph; taking that as the headline
would print a whole paragraph in bold. A first line that is too long for a headline, or ends
with a full stop, is therefore kept in the body and the item gets no title here: extract.py
then uses the article's first sentence and logs a warning naming the file. (There, not here:
a folder is read whole every run, but only new files are extracted, so the warning comes once.)
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
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
_SYMLINK_HINT = "set follow_symlinks: true on the source to read it"

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
    follow = source.follow_symlinks
    for path in article_files(folder, follow_symlinks=follow):
        yield read_file(
            path, source=source.name, max_bytes=source.max_bytes, follow_symlinks=follow
        )


def article_files(folder: Path, *, follow_symlinks: bool) -> list[Path]:
    """Files with an article suffix under `folder`, sorted; hidden files and folders left out.

    Symbolic links to folders are descended only when following links, and then each real
    folder once, so a link to a parent cannot loop.
    """
    found: list[Path] = []
    seen_dirs: set[tuple[int, int]] = set()
    for top, dirs, files in os.walk(folder, followlinks=follow_symlinks):
        here = os.stat(top)
        if (here.st_dev, here.st_ino) in seen_dirs:
            dirs[:] = []
            continue
        seen_dirs.add((here.st_dev, here.st_ino))
        if not follow_symlinks:
            for name in dirs:
                if os.path.islink(os.path.join(top, name)) and not name.startswith("."):
                    logger.warning(
                        "Not reading folder %s: a symbolic link (%s)",
                        os.path.join(top, name),
                        _SYMLINK_HINT,
                    )
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += (
            Path(top, name)
            for name in files
            if not name.startswith(".") and Path(name).suffix.lower() in CONTENT_TYPES
        )
    return sorted(found)


def read_file(
    path: Path, *, source: str, max_bytes: int, follow_symlinks: bool = True
) -> SourceItem | Skipped:
    """One file -> SourceItem, or Skipped with a reason that names the file.

    A file named on the command line is the user's own choice, so links are followed by
    default; a folder source passes its own setting.
    """
    name = path.name
    try:
        data, mtime = _read_regular(path, max_bytes, follow_symlinks=follow_symlinks)
    except OSError as exc:
        return Skipped(source, f"path:{path}", name, f"cannot read: {exc.strerror or exc}")
    except _TooLarge as exc:
        return Skipped(source, exc.uid, name, str(exc))
    except ExtractionError as exc:
        return Skipped(source, f"path:{path}", name, str(exc))
    uid = "sha256:" + hashlib.sha256(data).hexdigest()
    try:
        text = decode(data)
    except ExtractionError as exc:
        return Skipped(source, uid, name, str(exc))
    content_type = CONTENT_TYPES.get(path.suffix.lower(), "text/plain")
    title = None
    if content_type != "text/html":
        first, _, rest = text.strip().partition("\n")
        first = first.strip()
        if first.startswith("#") or not not_a_title(first):
            title, text = first.lstrip("#").strip() or None, rest
        else:  # no title line: extract.py takes the first sentence (and says so, once)
            text = text.strip()
    return SourceItem(
        source=source,
        uid=uid,
        name=name,
        body=text,
        content_type=content_type,
        title=title,
        published=datetime.fromtimestamp(mtime, tz=timezone.utc),
    )


class _TooLarge(ExtractionError):
    def __init__(self, size: int, max_bytes: int, head: bytes) -> None:
        super().__init__(f"too large: {size:,} bytes > {max_bytes:,}")
        # Identity from the head and size only: reading a huge file whole to skip it wastes memory.
        self.uid = "sha256:" + hashlib.sha256(head[:65536] + str(size).encode()).hexdigest()


def _read_regular(path: Path, max_bytes: int, *, follow_symlinks: bool) -> tuple[bytes, float]:
    """The bytes of a regular file and its mtime, checked on the open file itself.

    O_NOFOLLOW closes the gap between listing the folder and opening the file (a file swapped
    for a link meanwhile is refused), and O_NONBLOCK keeps a FIFO named like an article from
    blocking the run; the fstat then refuses anything that is not a regular file.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if not follow_symlinks and path.is_symlink():
            raise ExtractionError(f"symbolic link; {_SYMLINK_HINT}") from exc
        raise
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ExtractionError("not a regular file")
        if info.st_size > max_bytes:
            raise _TooLarge(info.st_size, max_bytes, fh.read(65536))
        # Read one byte past the limit: a file that grew since the fstat is still bounded.
        data = fh.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise _TooLarge(len(data), max_bytes, data)
    return data, info.st_mtime


def not_a_title(line: str) -> str | None:
    """Why a text file's first line reads as a paragraph, not a headline; None if it does not."""
    if len(line) > TITLE_MAX_CHARS:
        return f"has {len(line)} characters"
    if _ENDS_WITH_FULL_STOP.search(line):
        return "ends with a full stop"
    return None


def decode(data: bytes) -> str:
    """Bytes -> text, or ExtractionError saying why not (empty, binary, unknown encoding).

    UTF-16 (with or without a byte order mark) is decoded as such; otherwise a file that is
    not all UTF-8 is decoded paragraph by paragraph, so one pasted Latin-1 paragraph does not
    turn every other paragraph into mojibake. Control characters never reach the text.
    """
    if not data.strip():
        raise ExtractionError("empty file")
    text = _utf16(data)
    if text is None:
        if b"\x00" in data[:8192]:
            raise ExtractionError("binary file (contains NUL bytes), not text")
        text = _utf8_or_per_paragraph(data)
    return without_controls(text)


def _utf16(data: bytes) -> str | None:
    """The text of a UTF-16 file, or None if `data` does not look like UTF-16."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ExtractionError("cannot decode: starts like UTF-16 but is not") from None
    # Without a byte order mark: Latin-script UTF-16 has a NUL in (nearly) every other byte,
    # on the odd bytes for little-endian and the even ones for big-endian; plain text never
    # does, and binary data rarely keeps one side clean. Most bytes on one side NUL and almost
    # none on the other is the sign (UTF-16 of other scripts needs its byte order mark).
    head = data[: 8192 - 8192 % 2]
    if len(head) < 4:
        return None
    half = len(head) // 2
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if max(even, odd) < 0.7 * half or min(even, odd) > 0.02 * half:
        return None
    codec = "utf-16-le" if odd > even else "utf-16-be"
    try:
        text = data[: len(data) - len(data) % 2].decode(codec)
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


# Paragraphs are split at blank lines; the separators are kept so the text is unchanged.
_BLANK_LINE = re.compile(rb"(\r?\n[ \t]*\r?\n)")


def _utf8_or_per_paragraph(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    parts = _BLANK_LINE.split(data)
    decoded: list[str | None] = []
    for part in parts:
        try:
            decoded.append(part.decode("utf-8-sig"))
        except UnicodeDecodeError:
            decoded.append(None)
    failing = b"\n\n".join(part for part, text in zip(parts, decoded, strict=True) if text is None)
    known = "".join(text for text in decoded if text)
    encoding = _best_encoding(failing, context=known)
    if encoding is None:
        # Even items are paragraphs, odd ones the (ASCII) blank lines between them.
        if not any(text and text.strip() for text in decoded[0::2]):
            raise ExtractionError("cannot decode: not UTF-8 and no clear text encoding")
        count = sum(text is None for text in decoded)
        raise ExtractionError(
            f"cannot decode: {count} paragraph(s) are not UTF-8 and their encoding is unclear"
            " (save the file as UTF-8)"
        )
    return "".join(
        text if text is not None else part.decode(encoding)
        for part, text in zip(parts, decoded, strict=True)
    )


def _best_encoding(data: bytes, *, context: str) -> str | None:
    """The encoding of `data` when charset-normalizer has a clean guess, else None.

    Short paragraphs leave several single-byte code pages equally clean ("fête" in cp1252 is
    "fęte" in cp1250), so the tie is broken by the rest of the same file: the candidate whose
    accented letters the file's UTF-8 part also uses wins, then cp1252 (what browsers assume
    for unlabelled Western text), then charset-normalizer's own order. A wrong guess would put
    mojibake in a brief, so an unclear one is refused.
    """
    from charset_normalizer import from_bytes

    known = {ch for ch in context if ord(ch) > 127}
    ranked = []
    for order, match in enumerate(from_bytes(data)):
        if match.chaos > 0.1:
            continue
        try:
            text = data.decode(match.encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        agree = sum(ord(ch) > 127 and ch in known for ch in text)
        ranked.append((-agree, match.encoding != "cp1252", order, match.encoding))
    return min(ranked)[-1] if ranked else None


# C0 and C1 control characters and DEL, except tab, newline, carriage return and form feed.
_CONTROLS = {
    c: None for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)] if chr(c) not in "\t\n\r\f"
}


_CONTROL = re.compile("[" + "".join(re.escape(chr(c)) for c in _CONTROLS) + "]")


def without_controls(text: str) -> str:
    """`text` without control characters (a stray NUL would end up in a 7-bit mail part)."""
    # A regex finds them ten times faster than str.translate looks up every character.
    return _CONTROL.sub("", text)
