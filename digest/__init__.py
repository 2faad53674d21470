"""digest: a daily email digest of short, clean, extractive news briefs."""

import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
