"""digest: a daily email digest of short, clean, extractive news briefs.

Public API: `load_config`, `run_once`, `summarize`; everything else is internal.

The API is imported on first use (PEP 562 `__getattr__`), not when the package is: every
command imports `digest` first, and `digest --help` or `digest status` should not pay for the
pipeline (pydantic, jinja2, httpx, trafilatura, numpy...). It also means `digest.config` can
import `__version__` from here without an import cycle.
"""

from __future__ import annotations

import importlib
import logging
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("digest")
except PackageNotFoundError:  # run from a source tree that was never `pip install`ed
    __version__ = "0+unknown"

__all__ = ["__version__", "load_config", "run_once", "summarize"]

# A library never configures logging; the CLI does. This keeps "No handler" noise away.
logging.getLogger(__name__).addHandler(logging.NullHandler())

# Public name -> the module that defines it.
_API = {
    "load_config": "digest.config",
    "run_once": "digest.pipeline",
    "summarize": "digest.summarise",
}

if TYPE_CHECKING:  # for type checkers and IDEs, which do not run __getattr__
    from digest.config import load_config
    from digest.pipeline import run_once
    from digest.summarise import summarize


def __getattr__(name: str) -> Any:
    if name in _API:
        value = getattr(importlib.import_module(_API[name]), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
