"""digest: a daily email digest of short, clean, extractive news briefs.

Public API: `load_config`, `run_once`, `summarize`; everything else is internal.
"""

import logging

__version__ = "0.1.0"
__all__ = ["__version__", "load_config", "run_once", "summarize"]

# A library never configures logging; the CLI does. This keeps "No handler" noise away.
logging.getLogger(__name__).addHandler(logging.NullHandler())

from digest.config import load_config  # noqa: E402  (after __version__: config uses it)
from digest.pipeline import run_once  # noqa: E402
from digest.summarise import summarize  # noqa: E402
