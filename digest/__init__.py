"""digest: a daily email digest of short, clean, extractive news briefs.

Public API: `load_config`, `run_once`, `summarize`; everything else is internal.

The API is imported on first use (PEP 562 `__getattr__`), not when the package is: every
command imports `digest` first, and `digest --help` or `digest status` should not pay for the
pipeline (pydantic, jinja2, httpx, trafilatura, numpy...). `__version__` is read from the
package metadata on first use too: importing importlib.metadata costs `digest status` 28 ms.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

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
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("digest")
        except PackageNotFoundError:  # a source tree that was never `pip install`ed
            value = "0+unknown"
        globals()[name] = value
        return value
    if name in _API:
        value = getattr(importlib.import_module(_API[name]), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API) | {"__version__"})
