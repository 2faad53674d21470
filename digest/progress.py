"""Live progress on a terminal, nothing under a service: one tqdm bar per long step, by item.

tqdm draws only when stderr is a TTY (`disable=None`), so `digest serve` under systemd or in a
container, cron, and runs whose stderr is redirected print nothing extra. A bar is shown from
the first item (no delay: the steps that need one are the ones that take seconds) and erased
when its step ends, since the run's one summary line says the same. While a bar is up, the
CLI's log lines go through tqdm.write, so a warning does not land in the middle of the bar.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tqdm import tqdm


@contextmanager
def progress(desc: str, *, total: int | None = None, unit: str = "item") -> Iterator[tqdm]:
    """A bar (or, with no `total`, a counter) on stderr; `update()` it once per item."""
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    # No monitor thread: it only corrects a stalled bar's refresh rate, and a second thread
    # would keep the worker pool from forking (digest.workers).
    tqdm.monitor_interval = 0

    # Without a total, a plain count reads better than tqdm's default "3item [00:01, 2.9item/s]".
    counter = "{desc}: {n_fmt} " + unit + "s{postfix} [{elapsed}]"
    with ExitStack() as stack:
        bar = stack.enter_context(
            tqdm(
                total=total,
                desc=desc,
                unit=unit,
                bar_format=None if total is not None else counter,
                file=sys.stderr,
                disable=None,
                leave=False,
            )
        )
        logger = logging.getLogger("digest")
        # Only the CLI's console handler is redirected: a library caller who set up no
        # logging must not start seeing our log lines because a bar is drawn.
        if not bar.disable and any(_is_console(h) for h in logger.handlers):
            stack.enter_context(logging_redirect_tqdm(loggers=[logger]))
        yield bar


def _is_console(handler: logging.Handler) -> bool:
    stream = getattr(handler, "stream", None)
    return isinstance(handler, logging.StreamHandler) and stream in (sys.stdout, sys.stderr)
