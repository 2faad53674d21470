"""Article text -> a few of its own sentences. The only module that imports sumy.

PLACEHOLDER: only `lead` for now; issue 3 adds our `default` scorer and the sumy methods.
"""

from __future__ import annotations

from digest.sentences import split_sentences

METHODS = ("default", "lead")


def summarize(
    text: str, *, sentences: int = 3, method: str = "default", title: str | None = None
) -> list[str]:
    """Return up to `sentences` sentences of `text`, in article order, none repeated."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    seen: set[str] = set()
    out: list[str] = []
    for s in split_sentences(text):
        if s not in seen:
            seen.add(s)
            out.append(s)
        if len(out) == sentences:
            break
    return out
