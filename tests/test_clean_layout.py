"""Tests for the precision rules of digest.clean: layout cues (digest.page_layout) and the
language-independent byline and click cues. All text is invented for these tests."""

from __future__ import annotations

from test_clean import DIRTY_BODY, DIRTY_TITLE, PAGE_FURNITURE

from digest.clean import ASIDE, STANDFIRST_REASON, clean_paragraphs, clean_text

ES_TITLE = "El puerto de Valdemora reabre tras tres meses de obras"
ES_BODY = [
    "El puerto de Valdemora volvió a recibir barcos el lunes por la mañana, después de tres "
    "meses de obras en los muelles que habían obligado a la flota pesquera a faenar desde el "
    "puerto vecino.",
    "Según el ayuntamiento, la reforma ha costado algo más de dos millones de euros y ha "
    "permitido reforzar el dique que se dañó durante los temporales del invierno pasado.",
    "Los pescadores, que llevaban semanas pidiendo una fecha para la reapertura, celebraron "
    "la noticia con una pequeña fiesta en la lonja, a la que acudieron vecinos de toda la "
    "comarca.",
]
# A Spanish page's furniture: more than an article carries of its own.
ES_FURNITURE = [
    "Compartir en Facebook · Twitter · WhatsApp",
    "* Inicio",
    "* Noticias",
    "* Deportes",
]


def _kept(text: str, title: str) -> list[str]:
    out = clean_text(text, title=title)
    return out.split("\n\n") if out else []


def test_standfirst_before_non_english_dateline_is_kept_out_of_the_brief() -> None:
    """A dateline in any language ("3 de marzo de 2024") marks the end of the standfirst: the
    summary above it is repeated by the body, so a brief must not start with it. It is the
    article's text all the same (dropped only for where it sits), so the text keeps it aside."""
    standfirst = (
        "Los barcos vuelven a Valdemora después de una reforma que ha durado más de lo previsto "
        "y que ha costado dos millones."
    )
    dateline = "Texto: Marta Ruiz · 3 de marzo de 2024"
    page = "\n\n".join([ES_TITLE, standfirst, dateline, *ES_BODY, *ES_FURNITURE])
    assert _kept(page, ES_TITLE) == [standfirst, *ES_BODY]
    reasons = dict(clean_paragraphs(page, title=ES_TITLE))
    assert reasons["Texto: Marta Ruiz · 3 de marzo de 2024"] == "byline/date"
    assert reasons[standfirst] == f"{ASIDE} ({STANDFIRST_REASON})"
    assert [text for text, reason in reasons.items() if reason is None] == ES_BODY


def test_click_call_to_action_is_dropped_in_any_language() -> None:
    """A paragraph opening with a click verb is addressed to the reader, whatever the language
    (Portuguese "Clique", Spanish "Haga clic", German "Klicken"), even without "you"."""
    for cta in (
        "Haga clic en la imagen de arriba y vea la galería completa de fotos de la fiesta en la "
        "lonja.",
        "Clique na imagem acima e veja como ficou o porto depois de três meses de obras.",
        "Klicken Sie auf das Bild, um alle Fotos der Wiedereröffnung zu sehen.",
    ):
        page = "\n\n".join([ES_TITLE, ES_BODY[0], ES_BODY[1], cta, ES_BODY[2], *ES_FURNITURE])
        assert _kept(page, ES_TITLE) == ES_BODY


def test_body_paragraph_starting_with_a_click_lookalike_survives() -> None:
    body = (
        "Clicks on the council's flood map rose tenfold during the storm, the town's website "
        "manager said, and the page was briefly unavailable on the night the wall gave way."
    )
    page = "\n\n".join([DIRTY_TITLE, DIRTY_BODY[0], body, DIRTY_BODY[1]])
    assert body in clean_text(page, title=DIRTY_TITLE)


TEASERS = [
    "A new ferry timetable will add two evening crossings from May, the operator said, after "
    "complaints from commuters who work late shifts on the island.",
    "The lifeboat station has raised enough money for a new boathouse, two years after the old "
    "one was condemned by engineers who found rot in its main beams.",
    "Anglers say the cold spring has pushed the mackerel season back by several weeks, leaving "
    "the harbour's charter boats idle during the Easter holidays.",
    "A proposal to turn the disused fish market into flats has divided the town, with some "
    "residents fearing the loss of one of its last working buildings.",
]
SHARE_BAR = "Facebook Twitter WhatsApp Email"
DATE_LINE = "Tuesday March 12, 2024"


def test_teaser_cards_after_the_body_are_dropped() -> None:
    """A "more stories" list is one-paragraph blurbs, each fenced by the same repeated share bar
    or date line; the body proper is paragraphs that follow one another."""
    cards: list[str] = []
    for teaser in TEASERS:
        cards += [DATE_LINE, teaser, "Jane Marsh"]
    page = "\n\n".join([DIRTY_TITLE, *DIRTY_BODY, "More stories", *cards])
    assert _kept(page, DIRTY_TITLE) == DIRTY_BODY
    reasons = dict(clean_paragraphs(page, title=DIRTY_TITLE))
    assert reasons[TEASERS[0]] == "teaser card (fenced by share bar/date)"


def test_one_paragraph_post_above_its_card_list_is_kept() -> None:
    """With no multi-paragraph body on the page, the first card is the post itself."""
    post = (
        "Walking the harbour wall at dawn is the best way to see Kelmsby: the boats come in, "
        "the gulls follow them, and for an hour the whole town smells of salt and diesel, the "
        "way it has every morning for as long as anyone here can remember"
    )  # no final full stop, as such posts often are
    blocks = [DIRTY_TITLE, SHARE_BAR, post, "Travel, Coast", "You may also like"]
    for teaser in TEASERS:
        blocks += [SHARE_BAR, teaser]
    page = "\n\n".join(blocks)
    assert _kept(page, DIRTY_TITLE) == [post]


def test_interview_answers_between_repeated_questions_are_kept() -> None:
    """Repeated blocks that are not share bars or dates (an interview's recurring question)
    do not make the answers between them a card list."""
    question = "What got you started?"
    answers = [
        "My grandfather fished from this harbour for fifty years, and I spent every summer on "
        "his boat, so when the chance came to buy one of my own I did not think twice about it.",
        "I trained as a welder first and only came back to the water when the yard closed, but "
        "the two trades have more in common than people think, and both keep you outdoors.",
        "Honestly, it was the food. My mother ran the café on the quay and I wanted to cook "
        "what the boats brought in that morning, which is still how I write the menu today.",
    ]
    blocks = [DIRTY_TITLE, DIRTY_BODY[0]]
    for name, answer in zip(("Tom Hale", "Ann Price", "Joe Dunn"), answers, strict=True):
        blocks += [name, question, answer]
    page = "\n\n".join(blocks)
    kept = _kept(page, DIRTY_TITLE)
    assert all(answer in kept for answer in answers)


def test_caption_before_a_source_label_inside_the_body_is_dropped() -> None:
    caption = "Flood levels in Kelmsby since 1990, in metres above the harbour datum."
    page = "\n\n".join(
        [DIRTY_TITLE, *DIRTY_BODY[:3], caption, "Harbour Trust", *DIRTY_BODY[3:], *PAGE_FURNITURE]
    )
    assert _kept(page, DIRTY_TITLE) == DIRTY_BODY
    reasons = dict(clean_paragraphs(page, title=DIRTY_TITLE))
    assert reasons[caption] == "caption (before source label)"


def test_short_paragraph_before_a_name_heading_is_kept() -> None:
    """A name followed by more than prose (an interview question) is a section label, not a
    source: the short paragraph before it stays."""
    short = "Three of the harbour's skippers told us how they started."
    page = "\n\n".join(
        [DIRTY_TITLE, *DIRTY_BODY[:3], short, "Tom Hale", "What got you started?", *DIRTY_BODY[3:]]
    )
    assert short in clean_text(page, title=DIRTY_TITLE)


def test_body_between_short_trailing_off_lines_is_kept() -> None:
    """Short lines ending in a spaced ellipsis are a writer's style, not a card list: the body
    between them stays."""
    page = "\n\n".join(
        [DIRTY_TITLE, DIRTY_BODY[0], "But here is the catch …", *DIRTY_BODY[1:3], "And then …"]
    )
    out = clean_text(page, title=DIRTY_TITLE)
    assert all(p in out for p in DIRTY_BODY[:3])


def test_one_paragraph_trailing_off_mid_sentence_is_kept() -> None:
    """A single paragraph ending in an attached ellipsis is a writer trailing off."""
    trailing = (
        "The harbour master would not say whether the new wall would be finished before the "
        "storms, only that the contractor had promised to do what it could and that the rest..."
    )
    reasons = _reasons_of([*DIRTY_BODY[:2], trailing, *DIRTY_BODY[2:]])
    assert reasons[trailing] is None


def _reasons_of(paragraphs: list[str]) -> dict[str, str | None]:
    return dict(clean_paragraphs("\n\n".join([DIRTY_TITLE, *paragraphs]), title=DIRTY_TITLE))
