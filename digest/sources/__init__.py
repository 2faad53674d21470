"""Sources: where articles come from. Each source type reads its config into SourceItems.

A source reports a bad item as a Skipped (with the reason) and a failure of the whole source
as SourceError; `collect` keeps one failing source from sinking the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from digest.errors import SourceError
from digest.models import Skipped, SourceItem

logger = logging.getLogger(__name__)

# What a source yields: items to summarise, and items it already knows are unusable.
Reading = Iterable[SourceItem | Skipped]


@dataclass(frozen=True)
class Collected:
    items: tuple[SourceItem, ...]
    skipped: tuple[Skipped, ...]
    failed_sources: tuple[tuple[str, str], ...]  # (source name, one-line reason)


def _readers() -> dict[str, Callable[..., Reading]]:
    from digest.sources import folder

    return {"folder": folder.read}


def collect(sources: Iterable, *, is_seen: Callable[[str], bool], **context) -> Collected:
    """Read every source; drop items already seen; isolate failures per source."""
    readers = _readers()
    items: dict[str, SourceItem] = {}
    skipped: list[Skipped] = []
    failed: list[tuple[str, str]] = []
    for source in sources:
        reader = readers.get(source.type)
        if reader is None:
            failed.append((source.name, f"source type {source.type!r} is not supported yet"))
            logger.warning("Skipping source %r: type %r not supported", source.name, source.type)
            continue
        try:
            for entry in reader(source, **context):
                if is_seen(entry.uid) or entry.uid in items:
                    continue  # a renamed or copied file has the same content hash: not new
                if isinstance(entry, Skipped):
                    logger.warning("Skipped %s (%s): %s", entry.name, entry.source, entry.reason)
                    skipped.append(entry)
                else:
                    items[entry.uid] = entry
        except SourceError as exc:
            logger.warning("Source %r failed: %s", source.name, exc)
            failed.append((source.name, str(exc)))
    return Collected(tuple(items.values()), tuple(skipped), tuple(failed))
