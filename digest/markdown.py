"""Markdown -> plain-text paragraphs, read by a CommonMark parser (markdown-it-py).

Why a parser and not regexes: the regexes we had turned `snake_case_name` into
`snakecasename`, kept the brackets of reference links (`[text][1]`), stripped the markup out
of code, and one of them rescanned the rest of the file from every `*`, so 700 KB of `*a *a`
never finished (issue 11). markdown-it-py follows CommonMark (emphasis only where the spec
allows it, so `snake_case` stays intact), resolves reference links, and works in linear time.

What the cleaner (digest.clean) gets: one paragraph per block of prose (paragraph, heading,
list item, block quote line), markup removed, link text kept and link targets dropped, inline
code kept as its text, since it is part of the sentence ("call `parse_feed` twice").

What is left out, like the pictures: images, raw HTML, tables and code blocks. A brief is a
few of the article's own sentences for a reader skimming the news; a code block or a table
is never such a sentence, and given to the sentence splitter it turns into fragments that
can outrank the prose around it. A reader who wants the code follows the link to the article.
"""

from __future__ import annotations

from functools import cache

# Inline tokens that carry the text a reader sees; everything else is markup (emphasis,
# link open/close), an image (its alt text describes a picture we do not show) or raw HTML.
_TEXT = {"text", "code_inline"}
_BREAKS = {"softbreak", "hardbreak"}


@cache
def _parser():
    from markdown_it import MarkdownIt

    # CommonMark, plus GFM tables so that a table is recognised (and left out) instead of
    # reaching the brief as a line of pipes.
    return MarkdownIt("commonmark").enable("table")


def paragraphs(text: str) -> list[str]:
    """The prose blocks of a Markdown document as plain text, in document order."""
    # Prose arrives as "inline" tokens; code blocks (fence, code_block) and raw HTML blocks
    # have none, so they are left out by not being looked at. Table cells are inline tokens
    # too, hence the table depth.
    out: list[str] = []
    in_table = 0
    for token in _parser().parse(text):
        if token.type == "table_open":
            in_table += 1
        elif token.type == "table_close":
            in_table -= 1
        elif token.type == "inline" and not in_table:
            parts = [
                child.content if child.type in _TEXT else " "
                for child in token.children or ()
                if child.type in _TEXT or child.type in _BREAKS
            ]
            paragraph = " ".join("".join(parts).split())
            if paragraph:
                out.append(paragraph)
    return out


def to_text(text: str) -> str:
    """Markdown as plain text: its prose paragraphs separated by blank lines."""
    return "\n\n".join(paragraphs(text))
