"""Kept, not for the brief (issue 10): the cleaner keeps a paragraph it dropped only for where
it sits when its classifier finds it article text, but a brief quotes only the paragraphs it is
sure of. All text is invented for these tests."""

from __future__ import annotations

from test_clean import DIRTY_BODY, DIRTY_JUNK, DIRTY_TITLE, PAGE_FURNITURE
from test_clean_layout import ES_BODY, ES_FURNITURE, ES_TITLE, TEASERS

from digest.cli import main
from digest.extract import explain, extract
from digest.models import SourceItem
from digest.summarise import summarize
from digest.tasks import summarise_one

STANDFIRST = (
    "Los barcos vuelven a Valdemora después de una reforma que ha durado más de lo previsto y "
    "que ha costado dos millones."
)
DATELINE = "Texto: Marta Ruiz · 3 de marzo de 2024"
PAGE = "\n\n".join([STANDFIRST, DATELINE, *ES_BODY, *ES_FURNITURE])


def _item() -> SourceItem:
    return SourceItem(
        source="t",
        uid="es",
        name="puerto.txt",
        body=PAGE,
        content_type="text/plain",
        title=ES_TITLE,
    )


def test_a_standfirst_stays_in_the_text_but_out_of_the_brief() -> None:
    article = extract(_item())
    assert article.text.split("\n\n") == [STANDFIRST, *ES_BODY]
    assert article.aside == ((0,),)
    # `lead` would take the first sentence of the text: the standfirst is passed over
    assert summarise_one(article, method="lead", sentences=1) == (ES_BODY[0],)
    assert summarise_one(article, method="default", sentences=2) == tuple(ES_BODY[:2])


def test_paragraphs_kept_aside_are_quoted_only_when_nothing_else_is_left() -> None:
    text = "\n\n".join([STANDFIRST, ES_BODY[0]])
    assert summarize(text, sentences=2, method="lead", aside=((0,),)) == [ES_BODY[0]]
    assert summarize(text, sentences=2, method="lexrank", aside=((0,),)) == [ES_BODY[0]]
    # a text whose every paragraph is kept aside is still briefed
    assert summarize(STANDFIRST, sentences=2, aside=((0,),)) == [STANDFIRST]


def test_a_brief_falls_back_to_the_likeliest_tier_first() -> None:
    # No paragraph is sure: the first tier (the classifier's "more likely article than not")
    # is quoted before the second (a credit line it scores as page text), though later.
    credit = "Fotos: Marta Ruiz para El Diario de Valdemora, todos los derechos reservados."
    text = "\n\n".join([credit, ES_BODY[0]])
    assert summarize(text, sentences=1, method="lead", aside=((1,), (0,))) == [ES_BODY[0]]
    assert summarize(text, sentences=1, aside=((1,), (0,))) == [ES_BODY[0]]
    assert summarize(text, sentences=1, method="lead", aside=((0, 1),)) == [credit]


def test_explain_marks_what_is_kept_but_not_for_the_brief(tmp_path, capsys) -> None:
    lines = explain(_item()).splitlines()
    aside = [line for line in lines if line.startswith("~ ")]
    assert len(aside) == 1
    assert aside[0].startswith("~ kept, not for the brief (standfirst (before byline)) (score ")
    assert STANDFIRST[:60] in aside[0]
    assert lines[-1] == "4 of 9 paragraphs kept, 1 of them not for the brief"
    path = tmp_path / "puerto.txt"
    path.write_text(f"{ES_TITLE}\n\n{PAGE}", encoding="utf-8")
    assert main(["summarize", str(path), "-n", "1", "-c", str(tmp_path / "none.yaml")]) == 0
    assert capsys.readouterr().out == f"{ES_TITLE}\n\n{ES_BODY[0]}\n"


def _page_with_news_above(*heading: str) -> SourceItem:
    """A whole-page dump: menus and a cookie notice, a "Latest news" list of other stories'
    one-paragraph blurbs, then the article under `heading`, then the footer."""
    blocks = [*DIRTY_JUNK[:8], "Latest news", *TEASERS, *heading, *DIRTY_BODY, *PAGE_FURNITURE]
    return SourceItem(
        source="t",
        uid="kelmsby",
        name="kelmsby.txt",
        body="\n\n".join(blocks),
        content_type="text/plain",
        title=DIRTY_TITLE,
    )


def test_other_stories_above_the_articles_heading_stay_out_of_the_brief() -> None:
    # The page's h1 (the title said again) with the byline under it is where the article
    # starts: the blurbs above are kept in the text, but their lead position no longer wins
    # them the brief.
    article = extract(_page_with_news_above(DIRTY_TITLE, "By Jane Marsh, March 12, 2024"))
    assert article.text.split("\n\n") == [*TEASERS, *DIRTY_BODY]
    for method in ("default", "lead", "lexrank"):
        assert set(summarise_one(article, method=method, sentences=3)) <= set(DIRTY_BODY), method
    marked = [
        line
        for line in explain(
            _page_with_news_above(DIRTY_TITLE, "By Jane Marsh, March 12, 2024")
        ).splitlines()
        if "heading" in line
    ]
    assert len(marked) == len(TEASERS)
    assert all(
        line.startswith("~ kept, not for the brief (above the article's heading and byline")
        for line in marked
    )
    # ... and a page that only lists the title, with no byline under it, is not cut there:
    # a title said again is as often a breadcrumb or a "most read" entry.
    article = extract(_page_with_news_above(DIRTY_TITLE))
    assert article.aside == ()
