"""Tests for end-of-article furniture cues in digest.clean: follow/contact calls to action,
promo-code offers, book plugs and comment policies. All text is invented for these tests."""

from __future__ import annotations

import pytest
from test_clean import DIRTY_BODY, DIRTY_TITLE, PAGE_FURNITURE

from digest.clean import clean_paragraphs, clean_text


def _reasons(extra: list[str]) -> dict[str, str | None]:
    """How each paragraph of a page (a menu above the body) ending with `extra` is judged."""
    page = "\n\n".join([DIRTY_TITLE, *PAGE_FURNITURE, *DIRTY_BODY, *extra])
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
        (
            "Note: comments are moderated and may take a day to appear. Abusive or off-topic "
            "comments will not be approved.",
            "comment policy",
        ),
        (
            # the same notice in Portuguese
            "ATENÇÃO: Comentários ofensivos ou fora do tema não serão aprovados pelo moderador.",
            "comment policy",
        ),
        (
            "The Harbour Daily moderates comments to keep the conversation civil and on topic.",
            "comment policy",
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
        # Moderation in the news: "moderates" are people, and a story about moderating
        # comments runs longer than a site's notice.
        "His comments on the sea wall gave an opening to the moderates on the council, who had "
        "asked for a smaller loan.",
        "The harbour trust said its volunteer moderators had removed more than two hundred "
        "comments from the flood appeal page since January, most of them offers of fake "
        "insurance, and that it would ask the police to look at the accounts that posted them, "
        "several of which had been set up on the night of the storm.",
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


def test_comments_below_the_comment_list_header_are_dropped() -> None:
    """A reader's comment is prose too; the list header ('3 thoughts on "Title"') ends the
    article just as the form does."""
    comment = (
        "I grew up two streets from the quay and remember when the wall was last repaired, so "
        "it is good to see the work done properly at last, thank you for writing about it."
    )
    reasons = _reasons([f'3 thoughts on "{DIRTY_TITLE}"', "Mary Jones", comment])
    assert reasons[comment] == "after the comment form"
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


MOST_READ = [
    "1. The ferry strike is over after talks ran through the night. Both sides claim a win.",
    "2. Why the old lighthouse keeps its lamp lit even though no ship needs it any more.",
    "3. Ten years on, the town that lost its harbour has found a new way to earn a living.",
]


def test_numbered_list_under_a_most_read_label_is_dropped() -> None:
    """Items under a navigation label are links to other stories, even as whole sentences."""
    reasons = _reasons(["Most Read", *MOST_READ])
    assert all(reasons[p] == "list under a navigation label" for p in MOST_READ)
    assert all(reasons[p] is None for p in DIRTY_BODY)


def test_numbered_steps_inside_the_body_are_kept() -> None:
    """A numbered list introduced by body prose (not a navigation label) is the article's."""
    intro = "The harbour trust gave three reasons for closing the slipway for the winter months:"
    steps = [
        "1. The concrete at the foot of the slipway has cracked and needs to cure before use.",
        "2. The winch that hauls boats up the ramp failed its inspection in the autumn.",
        "3. Storm surges have twice flooded the boat park since the wall was damaged.",
    ]
    page = "\n\n".join([DIRTY_TITLE, *DIRTY_BODY[:2], intro, *steps, *DIRTY_BODY[2:]])
    out = clean_text(page, title=DIRTY_TITLE)
    assert all(step in out for step in steps)


def test_related_links_marked_with_arrows_are_menu_bullets() -> None:
    links = ["» Coluna da semana", "› Horários dos treinos"]
    reasons = _reasons(links)
    assert [reasons[link] for link in links] == ["menu bullet", "menu bullet"]
