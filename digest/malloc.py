"""Large freed buffers go back to the system, so a run's peak memory is what it holds.

glibc serves a request of 128 KB or more with its own mmap and unmaps it when freed, but each
time such a block is freed it raises that threshold to the block's size (up to 32 MB): after
the first big string of a run is freed (a page's HTML, a digest being rendered), every later
one comes from the heap, whose freed top is kept. A 10,000-story digest renders a 44 MB HTML
string, a similarity matrix per long article, many pickled chunks; measured with
benchmarks/end_to_end.py, the worker process kept 30 MB it no longer used and the main process
50 MB after rendering. A fixed threshold turns the raising off (mallopt(3)), and a lower trim
threshold returns a freed heap top sooner. The cost is a page fault per page of each such block,
which the same benchmark does not show in CPU time.

Only where the C library is glibc (Linux); elsewhere nothing is changed.
"""

from __future__ import annotations

import ctypes
import logging

logger = logging.getLogger(__name__)

# mallopt(3) parameters, from glibc's malloc.h.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# Blocks from 256 KB on are their own mappings; smaller ones are the heap's business (Python's
# own allocator takes objects of up to 512 bytes from its 1 MB arenas in any case).
MMAP_THRESHOLD = 256 * 1024
TRIM_THRESHOLD = 1024 * 1024


def give_back_freed_memory() -> None:
    """For this process and the processes it forks: see the module's docstring."""
    try:
        libc = ctypes.CDLL(None)  # the symbols already loaded: the C library's among them
        mallopt = libc.mallopt
        # gnu_get_libc_version exists only in glibc: musl's mallopt does nothing useful.
        libc.gnu_get_libc_version  # noqa: B018
    except (OSError, AttributeError, TypeError):
        return
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    if not (
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    ):
        logger.debug("mallopt refused the thresholds; memory stays as glibc decides")
