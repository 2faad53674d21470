"""Expected failures. Each carries a hint for the user; anything else is a bug.

The CLI prints a DigestError as one line and exits 1; other exceptions keep their traceback.
"""

from __future__ import annotations


class DigestError(Exception):
    """An expected failure a user can fix; `str()` is the one line the CLI prints."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message} ({hint})" if hint else message)


class ConfigError(DigestError, ValueError):
    """config.yaml is invalid. `problems` holds one "key.path: what is wrong" line each."""

    def __init__(self, path: object, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"{path}: {len(problems)} {noun} in config:\n{lines}")


class SourceError(DigestError):
    """A source (folder, feed, page) could not be read; the other sources carry on."""


class ExtractionError(DigestError, ValueError):
    """One item could not be turned into an article (binary, empty, no sentences...)."""


class DeliveryError(DigestError):
    """The digest could not be written or sent."""


class StateError(DigestError):
    """The state database is missing beside written digests, damaged, or cannot be written
    (disk full, I/O error). Nothing more is done until it is dealt with: going on could send a
    digest twice or lose what was done."""
