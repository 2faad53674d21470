"""RenderedDigest -> files on disk, each written atomically (tmp + fsync + rename)."""

from __future__ import annotations

import errno
import logging
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

from digest.errors import DeliveryError
from digest.models import RenderedDigest

logger = logging.getLogger(__name__)


def write_digest(rendered: RenderedDigest, out_dir: Path, formats: Iterable[str]) -> list[Path]:
    """Write digest-NAME.{html,txt,json}. Rewriting the same digest gives the same bytes."""
    contents = {"html": rendered.html, "txt": rendered.text, "json": rendered.json}
    return [atomic_write(out_dir / f"{rendered.name}.{fmt}", contents[fmt]) for fmt in formats]


def atomic_write(path: Path, content: str) -> Path:
    """Readers see the old file or the new one, never half of one, even after a crash."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _create_temp(path)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
        raise DeliveryError(
            f"cannot write {path}: {exc.strerror or exc}",
            # The digest is stored before its files are written (state.py): the next run
            # writes it from there, so freeing space loses nothing and sends nothing twice.
            hint="the disk holding output.dir is full: free space and run again; the digest is"
            " kept in the state and written then"
            if full
            else "check output.dir in config.yaml and that it is writable",
        ) from None
    logger.debug("Wrote %s", path)
    return path


def _create_temp(path: Path) -> tuple[int, Path]:
    """A new, exclusive temporary file next to `path`, with the mode any program's new file
    gets (0666 less the umask, so 0644 under the usual 022): a web server publishing
    output.dir must be able to read it. tempfile.mkstemp would make it 0600."""
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue  # a leftover from a crash, or another writer's: pick another name
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(path.parent))
