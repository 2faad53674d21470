"""Large freed buffers go back to the system, so a run's peak memory is what it holds.

glibc serves a request of 128 KB or more with its own mmap and unmaps it when freed, but each
time such a block is freed it raises that threshold to the block's size (up to 32 MB): after
the first big buffer of a run is freed (a page's HTML, a pickled chunk of articles), every later
one comes from the heap, which keeps what is freed below its top. Measured on 10,000 stories
(benchmarks/end_to_end.py, PSS sampled per process), the worker process ended the run holding
142 MB, of which about 30 MB it no longer used. A fixed threshold turns the raising off
(mallopt(3)). It is 1 MB, not lower: datasketch's MinHash (since replaced by rensa) made a few
0.5 MB arrays per article, and mapping each one anew cost 2-3% more CPU at 256 KB; at 1 MB the
cost was within the noise, and no per-article buffer of ours comes near it now. The
trim threshold is raised to match, so a freed heap top is not handed back and asked for again
at every article.

`release_free_memory` goes further, at the end of a stage that freed much (the raw pages once
cleaned, the texts once summarised, each chunk a worker finished): glibc hands back only the
free memory at the top of its heap, and the blocks freed in the middle of it (thousands of
article texts of a few KB) stay the process's until reused. malloc_trim(3) returns their
pages. Measured on 10,000 stories (benchmarks/end_to_end.py), the main process held 223 MB
after summarising, 181 MB with a trim after each stage; a trim takes about 1 ms.

Only where the C library is glibc (Linux); elsewhere nothing is changed.
"""

from __future__ import annotations

import ctypes
import logging
from functools import lru_cache

logger = logging.getLogger(__name__)

# mallopt(3) parameters, from glibc's malloc.h.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# Blocks from 1 MB on are their own mappings; smaller ones are the heap's business (Python's
# own allocator takes objects of up to 512 bytes from its 1 MB arenas in any case).
MMAP_THRESHOLD = 1024 * 1024
TRIM_THRESHOLD = 32 * 1024 * 1024


@lru_cache(maxsize=1)
def _glibc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(None)  # the symbols already loaded: the C library's among them
        # gnu_get_libc_version exists only in glibc: musl's mallopt does nothing useful.
        libc.gnu_get_libc_version  # noqa: B018
        libc.mallopt  # noqa: B018
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError, TypeError):
        return None
    return libc


def give_back_freed_memory() -> None:
    """For this process and the processes it forks: see the module's docstring."""
    libc = _glibc()
    if libc is None:
        return
    mallopt = libc.mallopt
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    if not (
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    ):
        logger.debug("mallopt refused the thresholds; memory stays as glibc decides")


def release_free_memory() -> None:
    """Return the free pages anywhere in the heap to the system: see the module's docstring."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
