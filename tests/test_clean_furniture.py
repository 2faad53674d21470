"""Tests for end-of-article furniture cues in digest.clean: follow/contact calls to action,
promo-code offers and book plugs. All text is invented for these tests."""

from __future__ import annotations

import pytest

from digest.clean import clean_paragraphs, clean_text
from tests.test_clean import DIRTY_BODY, DIRTY_TITLE


def _reasons(extra: list[str]) -> dict[str, str | None]:
    page = "\n\n".join([DIRTY_TITLE, *DIRTY_BODY, *extra])
    return dict(clean_paragraphs(page, title=DIRTY_TITLE))


@pytest.mark.parametrize(
    ("furniture", "reason"),
    [
        (
            "Got a story idea? Ruth Calder may be reached at the desk. "
            "Follow her on Twitter @rcalder_news or on Facebook.",
            "follow/contact call to action",
        ),
        (
            "Email Owen Marsh at the newsroom or follow him @owenmarsh. "
            "Follow us @HarbourDaily and on Instagram.",
            "follow/contact call to action",
        ),
        (
            # Longer than a one-line call to action: pitch, code and product blurb together.
            "Get a full year of Harbour Daily Plus, the fastest growing local news service on "
            'the coast, for half price this week. Use the code "TIDES50". Harbour Daily Plus '
            "gives you every story, the full archive, tide tables, ferry times and the weekend "
            "puzzle, delivered to the phone each morning before the first boats leave the quay.",
            "promo code offer",
        ),
        (
            'Owen Marsh\'s book about the lighthouse keepers of the north coast, "Last Light" '
            "(Seaview Press, 2021; maps by Ana Ruiz), is out now.",
            "author bio",
        ),
    ],
)
def test_end_of_article_furniture_is_dropped(furniture: str, reason: str) -> None:
    reasons = _reasons([furniture])
    assert reasons[furniture] == reason
    assert all(reasons[p] is None for p in DIRTY_BODY)


@pytest.mark.parametrize(
    "prose",
    [
        # Reported speech: "follow" has a subject and no @handle after it.
        "Supporters who follow her on Instagram saw the first pictures of the flooded quay, "
        "and several of them drove down from the hills to help fill sandbags that night.",
        "The harbour master told the skippers to follow him out past the breakwater, where the "
        "swell was lower, and most of the fleet did so within the hour.",
        # A promo code in the news, not offered to the reader.
        "Police said the gang had sold a stolen discount code to hundreds of buyers online "
        "before the shop noticed the losses and closed the scheme in March.",
        # A book cited in the body: the parenthesis without the possessive opening.
        'In her history of the port, "Salt and Stone" (Seaview Press, 2019), the author argues '
        "that the breakwater was built too low from the start.",
    ],
)
def test_body_prose_like_furniture_survives(prose: str) -> None:
    page = "\n\n".join([DIRTY_TITLE, DIRTY_BODY[0], prose, *DIRTY_BODY[1:]])
    assert prose in clean_text(page, title=DIRTY_TITLE)


CONSENT = (
    "By submitting this form you agree to the harbour trust storing the details you give us so "
    "that your comment can be published, and you may withdraw this consent at any time by "
    "writing to the office, after which your data will be deleted within thirty days."
)


def test_everything_below_the_comment_form_is_dropped() -> None:
    """Consent prose under a comment form is long and grammatical, yet never the article."""
    reasons = _reasons(["Leave a Reply", "Your email address will not be published.", CONSENT])
    assert reasons[CONSENT] == "after the comment form"
    assert all(reasons[p] is None for p in DIRTY_BODY)


def test_body_mentioning_comments_and_a_form_label_above_the_body_survive() -> None:
    """Only a comment-form line after body prose ends the article; a body paragraph that opens
    with the same words is prose, not the form's label."""
    prose = (
        "Leave a reply to the council by Friday, the mayor told residents, if you want your "
        "views on the new sea wall to be read out at the public meeting next month."
    )
    page = "\n\n".join([DIRTY_TITLE, "Leave a comment", DIRTY_BODY[0], prose, *DIRTY_BODY[1:]])
    out = clean_text(page, title=DIRTY_TITLE)
    assert all(p in out for p in DIRTY_BODY)
