"""Paragraph and sentence splitting with nothing downloaded at run time.

PLACEHOLDER: the splitter library is chosen by measurement in benchmarks/sentences.py.
"""

from __future__ import annotations

import re

_BLANK_LINE = re.compile(r"\n\s*\n")


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs are separated by blank lines; whitespace inside one is folded."""
    return [" ".join(p.split()) for p in _BLANK_LINE.split(text) if p.strip()]


def split_sentences(text: str) -> list[str]:
    """Split text into sentences, paragraph by paragraph (a sentence never spans two)."""
    from nupunkt import sent_tokenize

    out: list[str] = []
    for para in split_paragraphs(text):
        out.extend(s.strip() for s in sent_tokenize(para) if s.strip())
    return out
