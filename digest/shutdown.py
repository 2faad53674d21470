"""A guard around the steps a shutdown must never cut in half.

`digest serve` stops on SIGTERM/SIGINT within a few seconds. A run that is still collecting or
summarising is abandoned (nothing of it is written yet; the next run collects the same items),
but a run that is writing files, marking a digest written, or (once email lands) sending and
recording a delivery is let finish: `publish` holds `critical()` for that step, and the serving
process takes the same lock before it exits, so no new step can start after it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()


@contextmanager
def critical() -> Iterator[None]:
    """Run the block whole or not at all, as far as a `digest serve` shutdown is concerned."""
    with _lock:
        yield


def hold(timeout: float) -> bool:
    """Wait up to `timeout` seconds for any critical step to end, then keep others out.

    The lock is never released: the caller is about to exit the process. Returns False if a
    step was still running after `timeout` (the caller should then wait for it or give up).
    """
    return _lock.acquire(timeout=timeout)
