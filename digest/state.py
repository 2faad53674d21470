"""The state's rules the pipeline keeps: digests on disk, a lost state refused, --new-state.

The state itself (SQLite or PostgreSQL: every table, and all the SQL) is digest/store/, and
`State` is its Store. Crash safety: a digest is stored rendered, with the articles it holds, in
one transaction before any file is written, and marked written after (digest/store/digests.py);
deliveries are marked sent only after the server's 250 (deliver.py).

Damage. The state is checked (SQLite's `PRAGMA quick_check`) at every open, before anything is
written; a state holding nothing beside digests already written is refused (refuse_lost_state)
rather than taken for a new install, which would digest and send everything again; a full disk,
an I/O error or a server that cannot be reached is a StateError naming the state. Each is one
line and stops the run.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from pathlib import Path

from digest.errors import StateError
from digest.store import (
    RUN_LOCK_WAIT,
    DigestRecord,
    damaged,
    exclusive_run,
    state_error,
    storage_errors,
)
from digest.store import Store as State
from digest.store.location import Location, describe

__all__ = [
    "RUN_LOCK_WAIT",
    "DigestRecord",
    "State",
    "damaged",
    "digest_order",
    "digests_on_disk",
    "exclusive_run",
    "prepare_state",
    "refuse_lost_state",
    "start_new_state",
    "state_error",
    "storage_errors",
]

logger = logging.getLogger(__name__)

# What write.py names digest files: digest-2026-11-24.html, digest-2026-11-24-2.json, ...
DIGEST_FILE = re.compile(r"(digest-\d{4}-\d{2}-\d{2}(?:-\d+)?)\.(?:html|txt|json)")


def digests_on_disk(out_dir: Path) -> list[str]:
    """Names of the digests whose files are in `out_dir`, oldest first."""
    if not out_dir.is_dir():
        return []
    names = {m[1] for p in out_dir.iterdir() if (m := DIGEST_FILE.fullmatch(p.name))}
    return sorted(names, key=digest_order)


def digest_order(name: str) -> tuple[str, int]:
    """digest-DAY before digest-DAY-2 before digest-DAY-10."""
    rest = name.removeprefix("digest-")
    n = rest[11:]
    return rest[:10], int(n) if n.isdigit() else 1


def refuse_lost_state(state: State, out_dir: Path) -> None:
    """A state holding nothing beside written digests was lost (deleted, truncated, a wrong
    `state:` path), not newly installed: going on would digest and email every article again,
    so stop and say what to do. `--new-state` (start_new_state) says it is meant."""
    if not state.holds_nothing():
        return
    found = digests_on_disk(out_dir)
    if found:
        what = "did not exist" if state.was_missing else "holds nothing"
        raise StateError(
            f"state database {state.where} {what}, but {out_dir} holds {len(found)}"
            f" digest{'s' if len(found) > 1 else ''} (newest {found[-1]}): with a new state,"
            " every article would be digested and emailed again",
            hint="restore the state from a backup, or check `state:` in config.yaml;"
            " to start over anyway, run once with --new-state",
        )


def start_new_state(location: Location) -> bool:
    """--new-state: accept a state that holds nothing (missing, emptied) as a new start, so
    refuse_lost_state lets runs go on. A state holding digests is kept as it is."""
    where = describe(location)
    with State(location) as state:
        if not state.holds_nothing():
            logger.info("--new-state: %s already holds digests; it is kept as it is", where)
            return False
        state.mark_started_new(datetime.now().astimezone().replace(microsecond=0))
    logger.warning(
        "Starting a new state at %s: articles already in earlier digests count as new", where
    )
    return True


def prepare_state(location: Location, out_dir: Path, *, new_state: bool = False) -> None:
    """Before `run` or `serve` starts: damage, or a lost state, stops it here with one line."""
    if new_state:
        start_new_state(location)
    with State(location) as state:
        refuse_lost_state(state, out_dir)
