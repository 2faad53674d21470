"""Paragraph and sentence splitting with nothing downloaded at run time.

Why this splitter: nupunkt (a Punkt implementation in pure Python, no dependencies, its English
model inside the 1 MB wheel) plus a few post-processing rules below. Measured with
``python benchmarks/sentences.py``: boundary precision/recall/F1 on UD English-EWT dev+test (web
text) and GUM non-news genres (paragraphed), each splitter in a fresh process, CPU chars/s on one
core, first pass over unseen text:

    splitter           EWT P / R / F1          GUM P / R / F1          chars/s
    blingfire          .985 / .632 / .770      .988 / .976 / .982      6.9M
    nupunkt            .986 / .711 / .826      .977 / .969 / .973      6.3M
    syntok             .978 / .638 / .772      .975 / .971 / .973      0.9M
    pysbd              .946 / .697 / .803      .976 / .960 / .968      0.2M
    split_sentences    .991 / .713 / .830      .992 / .976 / .984      3.0M  (nupunkt + rules)
    (with blingfire)   .990 / .665 / .796      .994 / .978 / .986      4.7M  (blingfire + rules)

With our rules the two libraries are within 0.002 F1 on GUM (edited prose, the closest to news),
nupunkt is 0.034 better on EWT, and both are well above the 1M chars/s budget. BlingFire was the
splitter until its 99 MB wheel (word-piece models for BERT, XLM-R, XLNet, LASER and more, of
which we used one function) turned out to be a fifth of the install: nupunkt costs 1 MB, and the
summaries hardly move (benchmarks/summary_quality.py, ROUGE-1 of `default`: CNN/DM 41.66 ->
41.56, BBC 62.16 -> 62.12). Raw nupunkt misses some plain boundaries in edited prose; the rules
below recover most of them. pysbd and syntok are too slow. EWT recall stays low for every
splitter: its documents lost their line breaks, so signatures, URLs and titles run into the next
sentence with no punctuation to find.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

log = logging.getLogger(__name__)

_BLANK_LINE = re.compile(r"\n\s*\n")

# A line "ends a thought" if it closes with sentence-final punctuation (possibly inside closing
# quotes/brackets) or with a continuation mark (, ; : - –) that says the text goes on.
_LINE_END_OK = re.compile(r"[.?!…,;:\-–—][\"'”’)\]]*$")
# A following line that starts like a sentence (capital, digit, opening quote or bracket).
_LINE_START_NEW = re.compile(r"[\"'“‘(\[]?[A-Z0-9]")

# Boundaries the library misses. ? and ! are never abbreviation marks, so "... now? anyone ..." is
# a boundary even before a lowercase word (informal text; the library never splits before
# lowercase). Not after a closing quote: "“Why?” she asked" is one sentence. And lowercase "no."
# before a capital is the word "no" ending a sentence ("they said no. The ..."); the library
# reads it as the abbreviation of "number", which is written "No." and precedes a digit.
_EXTRA_SPLIT = re.compile(r"(?<=[?!]) +(?=[a-z])|(?<=\bno\.) +(?=[A-Z])")
# Speed: a regex search tries every position of the sentence, so the checks above and below run
# only where they can match: the extra split only on sentences holding "?", "!" or "no.", the
# end-of-sentence patterns only on pieces with the right last character and only from the last
# _TAIL characters (lookbehinds still see the text before that point, so the result is the same;
# no title plus initials is that long). See also `_ends_with_abbreviation`.
_TAIL = 64

# Reference markers ("[12]", "[3] [4]", "[7 - 9]") and emoticons (":)") belong to the sentence
# they follow.
_LEADING_REFS = re.compile(r"^(?:(?:\[\d+(?:\s*[-–,]\s*\d+)*\]|[:;]-?[()DPp](?!\S))\s*)+")

# A piece that is only an enumerator ("1.", "2.1.", "IV.", "a.") is the start of a numbered
# heading or list item, not a sentence.
_ENUMERATOR = re.compile(r"^(?:\d+(?:\.\d+)*|[IVXivx]+|[A-Za-z])\.$")

# Abbreviations the library sometimes treats as sentence ends before a capital: legal "v."/"vs."
# (Brown v. Board), biographical "b."/"d."/"c." (born, died, circa), "P.S." (it introduces what
# follows), and a title, with or without initials ("Dr. Dorn", "Mr. W. Lansing", "MRS. ABBOT"):
# a title precedes a name, so it cannot end a sentence.
_ABBREV_END = re.compile(
    r"(?:(?:^|[\s(])(?:v|vs|b|d|c|ca|cf)\.|\bP\.S\."
    r"|\b(?i:Mr|Mrs|Ms|Mx|Dr|Prof|Rev|Sen|Rep|Gov|Gen|Col|Capt|Lt|Sgt|Hon)\.(?: [A-Z]\.)*)$"
)

# Quoted speech ending in ?, ! or an ellipsis, followed by a lowercase word ("“Why?” he said")
# or an attribution ("“Sorry!” I say.", "“Wait …” Smith said.") is one sentence.
_QUOTE_END = re.compile(r"(?:[?!…]|\.\.\.)[\"”’']$")
_LOWER_START = re.compile(r"[a-z]")
_ATTRIBUTION = re.compile(
    r"^(?:[A-Z][\w'’.-]*\s+){1,2}?"
    r"(?:said|says|say|asked|asks|ask|cried|replied|replies|shouted|whispered|added|wrote)\b"
)


def _ends_with_abbreviation(prev: str) -> bool:
    """`_ABBREV_END.search(prev)`, with the cheap exact rejections done first.

    Every alternative of the pattern ends in "." after a word of at most four letters, preceded by
    a non-letter; so a longer final word never matches, and otherwise the match starts within the
    last seven characters, unless the word is one letter (an initial: "Mr. W." may go further back).
    The regex tried at every position of a sentence cost more than the rest of the splitter.
    """
    if prev[-1:] != ".":
        return False
    j = len(prev) - 2
    while j >= 0 and prev[j].isalpha():
        j -= 1
    letters = len(prev) - 2 - j
    if letters == 0 or letters > 4:
        return False
    start = len(prev) - 7 if letters > 1 else len(prev) - _TAIL
    return _ABBREV_END.search(prev, max(0, start)) is not None


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs are separated by blank lines; whitespace inside one is folded."""
    return [" ".join(p.split()) for p in _BLANK_LINE.split(text) if p.strip()]


def split_sentences(text: str) -> list[str]:
    """Split text into sentences, paragraph by paragraph (a sentence never spans two).

    A paragraph (or a line, see ``_units``) without final punctuation, such as a headline,
    dateline or caption, is never merged with the text after it.
    """
    return list(_sentences(text))


def has_sentences(text: str) -> bool:
    """`bool(split_sentences(text))` without splitting: every unit with a character other
    than whitespace gives at least one sentence (_library_split keeps a unit the library
    returns nothing for), so this is whether `text` has one. Running the splitter over a
    one-paragraph article to learn that cost as much as cleaning it."""
    return bool(text) and not text.isspace()


def _sentences(text: str) -> Iterator[str]:
    for block in _BLANK_LINE.split(text):
        for unit in _units(block):
            yield from _split_unit(unit)


def _units(block: str) -> Iterator[str]:
    """Whitespace-folded pieces of a paragraph block that no sentence may cross.

    Within a block, a single line break after a line with no final punctuation is a boundary when
    the next line starts like a sentence: that is how a headline or caption sits above the text it
    belongs to. A wrapped line ending mid-sentence usually continues in lowercase, so it is kept.
    """
    lines = [line.strip() for line in block.split("\n")]
    lines = [line for line in lines if line]
    current: list[str] = []
    for i, line in enumerate(lines):
        current.append(line)
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if nxt is None or (not _LINE_END_OK.search(line) and _LINE_START_NEW.match(nxt)):
            yield " ".join(" ".join(current).split())
            current = []


def _split_unit(unit: str) -> list[str]:
    """Library split of one whitespace-folded unit, then the small fixes documented above."""
    pieces: list[str] = []
    for sent in _library_split(unit):
        if "?" in sent or "!" in sent or "no." in sent:
            pieces.extend(_EXTRA_SPLIT.split(sent))
        else:
            pieces.append(sent)

    out: list[str] = []
    for piece in pieces:
        if out:
            refs = _LEADING_REFS.match(piece)
            if refs:
                out[-1] += " " + refs.group().rstrip()
                piece = piece[refs.end() :]
                if not piece:
                    continue
            prev = out[-1]
            tail = max(0, len(prev) - _TAIL)
            if (
                _ENUMERATOR.match(prev)
                or _ends_with_abbreviation(prev)
                or (
                    prev[-1] in "\"”’'"
                    and _QUOTE_END.search(prev, tail)
                    and (_LOWER_START.match(piece) or _ATTRIBUTION.match(piece))
                )
            ):
                out[-1] = prev + " " + piece
                continue
        out.append(piece)
    return out


def _library_split(unit: str) -> list[str]:
    # Imported lazily: this is the only module that knows which library splits sentences.
    from nupunkt import sent_tokenize

    pieces: list[str] = []
    pos = 0
    for piece in sent_tokenize(unit) if unit else ():
        piece = piece.strip()
        if not piece:
            continue
        start = unit.find(piece, pos)
        if start < 0:  # the library changed more than whitespace: keep the unit whole
            log.debug("sentence splitter altered text; not splitting %.60r", unit)
            return [unit]
        pos = start + len(piece)
        pieces.append(unit[start:pos])
    return pieces or [unit]  # (a unit is never lost, whatever the library makes of it)
