"""Our boilerplate filter for plain text (PLACEHOLDER: see issue 2)."""

from __future__ import annotations

from digest.sentences import split_paragraphs


def clean_text(text: str, *, title: str | None = None) -> str:
    """Return the article body of a whole-page plain-text dump, paragraphs joined by blank lines."""
    return "\n\n".join(split_paragraphs(text))
