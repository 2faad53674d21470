"""Offline tests for digest.clean: the shipped seed plus hand-written dirty pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import SEED_BOILERPLATE

from digest.clean import clean_paragraphs, clean_text, kept

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_08ae971f51795d28.txt"


def _seed() -> tuple[str, str]:
    text = SEED.read_text(encoding="utf-8")
    return text, text.split("\n", 1)[0].strip()


def test_seed_keeps_the_kirkuk_story() -> None:
    text, title = _seed()
    out = clean_text(text, title=title)
    for body in (
        "Iraqi government forces have taken control of the disputed city of Kirkuk",
        "Thousands of Kurdish residents have reportedly fled",
        "US commanders in the region are reportedly working to mediate",
        "Pentagon spokesman Colonel Robert Manning said",
        "The move by the Iraqi military comes after the 25 September referendum",
        "had denounced the vote as unconstitutional",
        "Abadi said following the military operation",
    ):
        assert body in out


@pytest.mark.parametrize("junk", SEED_BOILERPLATE)
def test_seed_drops_boilerplate(junk: str) -> None:
    text, title = _seed()
    assert junk not in clean_text(text, title=title)


def test_seed_title_not_repeated_and_every_drop_has_a_reason() -> None:
    text, title = _seed()
    out = clean_text(text, title=title)
    assert not out.startswith(title)
    rows = clean_paragraphs(text, title=title)
    assert all(reason is None or reason.strip() for _, reason in rows)
    assert any(reason is None for _, reason in rows)


# A hand-written whole-page dump (invented newsroom, invented story) with the furniture real
# pages carry: menus and share buttons before the body, cookie notice, byline, captions and
# credits, an ad label, an inline newsletter box, a repeated paragraph, bare URLs, an author bio,
# a related-stories list and a footer after it.
DIRTY_TITLE = "Harbour town votes to rebuild its flooded sea wall"
DIRTY_BODY = [
    "Residents of the harbour town of Kelmsby voted on Thursday to borrow four million pounds to "
    "rebuild the sea wall that gave way during last winter's storms, ending a year of argument "
    "over who should pay for the repairs.",
    "The council said the new wall would be two metres higher than the old one and would be "
    "finished before the autumn tides, when the town is most at risk of flooding again.",
    "“We have waited long enough, and the water will not wait for us,” said the mayor, who "
    "had campaigned for the loan since the flood in January damaged more than two hundred homes.",
    "Opponents had argued that the national government should meet the cost, because the wall "
    "also protects a railway line and a main road that serve the whole region.",
    "The loan will be repaid over thirty years from harbour fees and a small rise in local "
    "taxes, which the council said would cost a typical household about forty pounds a year.",
    "Work on the foundations is expected to begin next month, once the contractor has moved its "
    "equipment from a similar project further along the coast.",
]
# A page's worth of furniture around an article: more lines dropped for what they say than an
# article carries of its own (digest.clean.OWN_FURNITURE_MAX).
PAGE_FURNITURE = ["Share on Facebook · Twitter · WhatsApp", "* Home", "* News", "* Weather"]
DIRTY_JUNK = [
    "Skip to main content",
    "* Home",
    "* News",
    "* Sport",
    "+ Local",
    "+ Weather",
    "We use cookies to improve your experience on our site and to show you relevant advertising. "
    "By continuing to browse you consent to our use of cookies. Read our privacy policy.",
    "Accept all",
    "Share this article",
    "* Share on Facebook",
    "* Share on Twitter",
    "By Jane Marsh, Coastal Affairs Reporter",
    "Published 14 March 2024, 09:12 GMT",
    "Workers inspect the damaged sea wall at Kelmsby in January",
    "Photo: Sam Reed / Getty Images",
    "ADVERTISEMENT",
    "Advertisement",
    "Get the morning briefing delivered straight to your inbox every weekday.",
    "SIGN UP NOW",
    "https://example.com/newsletters/morning-briefing",
    "www.example.com/share?id=48213",
    "Jane Marsh is a senior reporter covering coastal communities and the environment.",
    "Related stories",
    "* Storm damage bill tops ten million",
    "* Fishermen fear a second winter of closures",
    "More from News",
    "Follow us on Twitter and Facebook",
    "© 2024 Example Media Ltd. All rights reserved.",
    "Terms of use | Privacy | Contact us",
]


def _dirty_page() -> str:
    b = DIRTY_BODY
    j = DIRTY_JUNK
    blocks = [
        DIRTY_TITLE,
        *j[0:6],
        j[6],
        j[7],
        DIRTY_TITLE,
        j[8],
        j[9],
        j[10],
        j[11],
        j[12],
        j[13],
        j[14],
        j[15],
        b[0],
        b[1],
        j[16],
        b[2],
        j[18],
        j[19],
        j[20],
        b[3],
        b[2],
        j[17],
        b[4],
        b[5],
        j[22],
        *j[23:],
    ]
    return "\n\n".join(blocks)


def test_dirty_page_keeps_every_body_paragraph_in_order() -> None:
    out = clean_text(_dirty_page(), title=DIRTY_TITLE)
    kept = out.split("\n\n")
    assert kept == DIRTY_BODY


@pytest.mark.parametrize("junk", DIRTY_JUNK)
def test_dirty_page_drops_furniture(junk: str) -> None:
    out = clean_text(_dirty_page(), title=DIRTY_TITLE)
    assert junk not in out


def test_dirty_page_repeated_paragraph_and_title_kept_once() -> None:
    out = clean_text(_dirty_page(), title=DIRTY_TITLE)
    assert out.count(DIRTY_BODY[2]) == 1
    assert DIRTY_TITLE not in out


def test_reasons_explain_each_drop() -> None:
    rows = clean_paragraphs(_dirty_page(), title=DIRTY_TITLE)
    reasons = {text: reason for text, reason in rows}
    assert kept(reasons[DIRTY_BODY[0]])
    assert reasons["Photo: Sam Reed / Getty Images"] == "photo caption/credit"
    assert reasons["* Home"] is not None
    assert len(rows) == len(_dirty_page().split("\n\n"))


def test_plain_article_passes_through() -> None:
    """A clean article (title, body) must not lose anything: a deleting cleaner fails here."""
    text = "\n\n".join([DIRTY_TITLE, *DIRTY_BODY])
    assert clean_text(text, title=DIRTY_TITLE) == "\n\n".join(DIRTY_BODY)


def test_body_prose_mentioning_cue_words_survives() -> None:
    body = (
        "The company said its newsletter had lost subscribers after it moved to a paid model, "
        "and that it would share more figures with investors when it reports results in May."
    )
    text = "\n\n".join([DIRTY_TITLE, DIRTY_BODY[0], body, DIRTY_BODY[1]])
    assert body in clean_text(text, title=DIRTY_TITLE)


def test_empty_and_title_only_inputs() -> None:
    assert clean_text("") == ""
    assert clean_paragraphs("") == []
    assert clean_text(DIRTY_TITLE, title=DIRTY_TITLE) == ""
