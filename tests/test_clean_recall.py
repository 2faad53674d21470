"""Clean text comes back whole (issue 10): the cleaner's other error, article text thrown away.
All text is invented for these tests."""

from __future__ import annotations

import pytest

from digest.clean import ABOVE_BODY_REASON, ASIDE, NO_PAGE, OWN_FURNITURE, clean_paragraphs
from digest.cli import main
from digest.errors import ExtractionError
from digest.extract import extract
from digest.models import SourceItem
from digest.sources.feed import as_html
from digest.summarise import summarize
from tests.test_clean import DIRTY_BODY, DIRTY_TITLE, PAGE_FURNITURE, SEED

# How CNN/DailyMail files and many CMS exports look: the whole story as one paragraph, which
# ends in a photo caption rather than a full stop.
ONE_PARAGRAPH = (
    "The harbour town of Kelmsby will rebuild its sea wall after residents voted on Thursday to "
    "borrow four million pounds for the work. The council said the new wall would be two metres "
    "higher than the old one and finished before the autumn tides. Opponents had argued that the "
    "national government should pay, because the wall also protects a railway line. The loan will "
    "be repaid over thirty years from harbour fees and a small rise in local taxes. Workers "
    "inspect the damaged sea wall at Kelmsby in January"
)


def _text_item(title: str, body: str) -> SourceItem:
    return SourceItem(
        source="t", uid=title, name="story.txt", body=body, content_type="text/plain", title=title
    )


def _html_item(html: str, url: str = "https://news.example.org/2026/11/harbour-wall-vote.html"):
    return SourceItem(source="t", uid=url, name=url, body=html, content_type="text/html", url=url)


def test_one_paragraph_article_is_kept_whole() -> None:
    article = extract(_text_item(DIRTY_TITLE, ONE_PARAGRAPH))
    assert article.text == ONE_PARAGRAPH


def test_one_paragraph_article_ending_in_a_credit_line_is_not_emptied() -> None:
    body = ONE_PARAGRAPH + ". Reporting by Jane Doe; editing by John Roe"
    assert ONE_PARAGRAPH in extract(_text_item(DIRTY_TITLE, body)).text


def test_last_paragraph_without_final_punctuation_is_kept() -> None:
    last = "The council will meet again in the spring to choose the contractor for the work"
    rows = clean_paragraphs("\n\n".join([DIRTY_TITLE, *DIRTY_BODY, last]), title=DIRTY_TITLE)
    assert dict(rows)[last] is None


def test_headings_inside_a_clean_article_are_kept() -> None:
    heading = "Who pays for the wall"
    page = "\n\n".join([DIRTY_TITLE, *DIRTY_BODY[:3], heading, *DIRTY_BODY[3:]])
    assert dict(clean_paragraphs(page, title=DIRTY_TITLE))[heading] is None


def test_one_line_file_is_its_own_body() -> None:
    """A .txt file of one long line: the line is the article, titled by its first words."""
    line = " ".join(ONE_PARAGRAPH.split())
    article = extract(_text_item(line, ""))
    assert article.text == line
    assert article.title.startswith("The harbour town of Kelmsby")


def test_one_paragraph_feed_description_is_briefed() -> None:
    """A long feed description (one paragraph, no final full stop) is the item's text."""
    description = " ".join([ONE_PARAGRAPH + ".", *DIRTY_BODY, ONE_PARAGRAPH])
    assert len(description.split()) > 250
    html = as_html(description, False, title=DIRTY_TITLE, published=None)
    article = extract(_html_item(html))
    assert article.title == DIRTY_TITLE
    assert DIRTY_BODY[3] in article.text
    assert article.text.endswith("in January")


PAGE_BODY = "".join(f"<p>{p}</p>" for p in DIRTY_BODY)


@pytest.mark.parametrize(
    ("head", "body_top", "url", "title"),
    [
        (
            '<meta property="og:title" content="Kelmsby votes for a new sea wall">',
            "<h1>Sea wall</h1>",
            "https://news.example.org/a/1",
            "Kelmsby votes for a new sea wall",
        ),
        (
            "",
            "<h1>Kelmsby borrows for its sea wall</h1>",
            "https://news.example.org/a/1",
            "Kelmsby borrows for its sea wall",
        ),
        ("", "", "https://news.example.org/2026/11/harbour-wall-vote.html", "Harbour wall vote"),
    ],
    ids=["og:title", "h1", "url slug"],
)
def test_page_without_title_element_is_titled(head, body_top, url, title) -> None:
    html = f"<html><head>{head}</head><body><article>{body_top}{PAGE_BODY}</article></body></html>"
    article = extract(_html_item(html, url))
    assert article.title == title
    assert DIRTY_BODY[0] in article.text


def _calendar_page(article: str) -> str:
    """A page titled "Kelmsby regatta calendar" whose <article> holds `article`."""
    return (
        "<html><head><title>Kelmsby regatta calendar</title></head><body>"
        f"<article>{article}</article></body></html>"
    )


def test_a_page_whose_article_is_a_list_of_short_lines_is_briefed_from_them() -> None:
    """A calendar or a list of results has no sentence: its lines, which the HTML path drops
    as labels where a page has prose, are its article, kept aside rather than refused."""
    rounds = [f"Round {n}: {day} May, Kelmsby quay" for n, day in ((1, 3), (2, 10), (3, 17))]
    items = "".join(f"<li>{line}</li>" for line in rounds)
    html = _calendar_page(f"<h1>Kelmsby regatta calendar</h1><ul>{items}</ul>")
    article = extract(_html_item(html))
    assert all(line in article.text for line in rounds)
    assert summarize(article.text, sentences=2, title=article.title, aside=article.aside)


@pytest.mark.parametrize(
    "lines",
    [
        ["Page not found", "Back to the front page"],
        [
            "Subscribe to read this story",
            "Already a subscriber? Log in",
            "Sign up for our newsletter",
        ],
    ],
    ids=["two labels", "paywall"],
)
def test_a_page_of_labels_or_calls_to_action_is_still_no_article(lines: list[str]) -> None:
    """The lines of a page with no prose are its article only when the cleaner keeps at least
    a list's worth of them: an error page's labels and a paywall's calls to action are not."""
    html = _calendar_page("".join(f"<p>{line}</p>" for line in lines))
    with pytest.raises(ExtractionError, match="no article text left"):
        extract(_html_item(html))


def test_summarize_explain_lists_each_paragraph_with_its_verdict(tmp_path, capsys) -> None:
    page = "\n\n".join(
        [DIRTY_TITLE, "* Home", "* News", "* Sport", "Share this article", *DIRTY_BODY]
    )
    path = tmp_path / "page.txt"
    path.write_text(page, encoding="utf-8")
    assert main(["summarize", "--explain", str(path), "-c", str(tmp_path / "none.yaml")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"title: {DIRTY_TITLE}"
    assert "- menu bullet: * Home" in out
    assert any(line.startswith("- call to action / navigation: Share this") for line in out)
    # kept paragraphs carry the classifier's score and its strongest features
    assert any(
        line.startswith("+ kept (score ") and f"): {DIRTY_BODY[3][:60]}" in line for line in out
    )
    assert out[-1] == f"{len(DIRTY_BODY)} of {len(DIRTY_BODY) + 4} paragraphs kept"


def test_an_item_with_no_article_text_says_why_in_one_line() -> None:
    with pytest.raises(ExtractionError) as err:
        extract(_text_item(DIRTY_TITLE, "\n\n".join(["* Home", "* News", "Share this article"])))
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("no article text left after removing boilerplate (3 paragraphs")


def test_a_long_text_with_one_paragraph_per_line_is_cleaned_line_by_line() -> None:
    # No blank line anywhere: the whole text is one "paragraph" longer than any a reader wrote,
    # which used to be dropped whole as too long. Its lines are its paragraphs.
    lines = [f"Section {i} of the harbour report. {' '.join(DIRTY_BODY)}" for i in range(40)]
    rows = clean_paragraphs("\n".join(lines), title=DIRTY_TITLE)
    assert len(rows) == len(lines)
    assert rows[0] == (lines[0], None)
    assert not any((reason or "").startswith("too long") for _, reason in rows)


def test_the_opening_line_of_a_transcript_is_kept_by_the_classifier() -> None:
    # Spoken turns are short; the main-body rule alone started the body at the first long turn
    # and cut the line before it. The classifier is sure it is text (a sentence among sentences).
    turns = [
        "So we went down to the harbour on Sunday.",
        "Mhm.",
        "And the wall, the whole stretch by the lifeboat station, it was just gone, and the water "
        "was right up in the square where the market is, and nobody had said a word about it.",
        "Oh no.",
        "Did they say who pays for it?",
        "The council, they think. Four million pounds.",
        "It is a lot of money. But what else can they do?",
        "They can't leave it like that over the winter.",
    ]
    rows = clean_paragraphs("\n\n".join(turns), title="Talking about the sea wall")
    kept = [text for text, reason in rows if reason is None]
    assert turns[0] in kept
    assert all(t in kept for t in turns[2:])


def test_a_deck_above_the_body_is_not_brought_back() -> None:
    # The seed's deck reads like article text to the classifier, but above the body an
    # unpunctuated line would lead the brief: it stays out of the brief, with its own reason
    # (and in the text, kept aside: it was dropped only for where it sits).
    title, _, body = SEED.read_text(encoding="utf-8").partition("\n")  # as a .txt file is read
    deck = "Thousands of Kurdish residents flee as US tries to de-escalate crisis"
    reasons = dict(clean_paragraphs(body, title=title.strip()))
    assert reasons[deck] == f"{ASIDE} ({ABOVE_BODY_REASON})"


def test_long_paragraphs_trailing_off_in_an_ellipsis_are_kept() -> None:
    # Transcripts and essays trail off " …"; a rule that took such paragraphs for a teaser
    # widget's cut excerpts dropped them (and whatever sat between two of them).
    trailing = [
        "And the council said it would think about the wall again in the spring, when the "
        "engineers had been out to look at it, but by then the water had come up twice …",
        "So we asked them again at the meeting in May, and again they said the engineers had "
        "not finished their report, and that they could not decide anything before it …",
    ]
    paragraphs = [DIRTY_BODY[0], trailing[0], DIRTY_BODY[1], trailing[1], DIRTY_BODY[2]]
    rows = clean_paragraphs("\n\n".join(paragraphs), title=DIRTY_TITLE)
    assert [text for text, reason in rows if reason is None] == paragraphs


def test_a_short_line_of_reporting_with_a_cue_word_is_kept() -> None:
    # "comment", "share", "watch" are cue words of buttons ("3 Comments", "Share"), but one of
    # them in a short sentence of reporting is no call to action.
    lines = [
        "The ferry company declined to comment.",
        "A spokeswoman for the harbour board did not respond to a request for comment.",
    ]
    page = "\n\n".join([DIRTY_TITLE, DIRTY_BODY[0], lines[0], DIRTY_BODY[1], lines[1]])
    reasons = dict(clean_paragraphs(page, title=DIRTY_TITLE))
    assert [reasons[line] for line in lines] == [None, None]


def test_courtesy_and_orders_in_speech_are_not_calls_to_action() -> None:
    # "Thank you" and "Get your ..." open pitches ("Get the facts, in your inbox"), but a
    # pitch asks for what pages ask: to subscribe, share, follow, watch.
    turns = [
        "So we went down to the harbour on Sunday to see the wall for ourselves.",
        "Thank you very much.",
        "And the wall, the whole stretch by the lifeboat station, it was just gone, and the water "
        "was right up in the square where the market is, and nobody had said a word about it.",
        "Get your feet off of there.",
        "They can't leave it like that over the winter, with the storms still to come.",
    ]
    rows = clean_paragraphs("\n\n".join(turns), title="Talking about the sea wall")
    assert all(reason is None for _, reason in rows)


def test_a_pitch_next_to_a_call_to_action_is_still_dropped() -> None:
    pitch = "Stay ahead of the storm. Get the facts behind every flood warning in your town."
    page = "\n\n".join(
        [DIRTY_TITLE, *DIRTY_BODY[:3], "Subscribe to Harbour Weekly", pitch, *DIRTY_BODY[3:]]
        + PAGE_FURNITURE
    )
    assert not kept_in(clean_paragraphs(page, title=DIRTY_TITLE), pitch)


def kept_in(rows: list[tuple[str, str | None]], text: str) -> bool:
    return any(t == text and (reason is None or reason.startswith(ASIDE)) for t, reason in rows)


def test_a_date_line_inside_the_body_is_kept_aside() -> None:
    # An embedded post's attribution or a timeline's date sits between paragraphs of the
    # article: a dateline's cue, but the article's text (kept, though not for the brief).
    line = "— Jane Roe (@janeroe) November 18, 2025"
    page = "\n\n".join([DIRTY_TITLE, *DIRTY_BODY[:4], line, *DIRTY_BODY[4:]])
    assert dict(clean_paragraphs(page, title=DIRTY_TITLE))[line].startswith(ASIDE)


def test_a_dateline_above_the_body_is_still_dropped() -> None:
    line = "November 18, 2025 10:42 GMT"
    page = "\n\n".join([DIRTY_TITLE, line, *DIRTY_BODY, *PAGE_FURNITURE])
    assert not kept_in(clean_paragraphs(page, title=DIRTY_TITLE), line)


def test_a_byline_or_dateline_of_a_text_with_no_page_furniture_is_kept_aside() -> None:
    # An essay's "By Jane Roe", a speech's date: with nothing else on the page said like
    # furniture, the text is an article as written, and they are its lines (not for the brief).
    lines = ["By Jane Roe", "November 18, 2025 10:42 GMT"]
    page = "\n\n".join([DIRTY_TITLE, *lines, *DIRTY_BODY])
    reasons = dict(clean_paragraphs(page, title=DIRTY_TITLE))
    assert [reasons[line] for line in lines] == [f"{ASIDE} (byline/date; {NO_PAGE})"] * 2
    article = extract(_text_item(DIRTY_TITLE, page.partition("\n\n")[2]))
    assert article.text.split("\n\n") == [*lines, *DIRTY_BODY]
    assert summarize(article.text, sentences=1, method="lead", aside=article.aside) == [
        DIRTY_BODY[0]
    ]


def test_a_photo_credit_of_a_text_with_no_page_furniture_is_kept_aside() -> None:
    # An interview's "File photo of ... Image: Jane Roe.": with no page around the text, the
    # picture is the article's own, and so are its caption and credit (not for the brief).
    credit = "File photo of the harbour wall after the March storm. Image: Jane Roe."
    page = "\n\n".join([DIRTY_TITLE, *DIRTY_BODY, credit])
    reasons = dict(clean_paragraphs(page, title=DIRTY_TITLE))
    assert reasons[credit] == f"{ASIDE} (photo caption/credit; {NO_PAGE})"
    article = extract(_text_item(DIRTY_TITLE, page.partition("\n\n")[2]))
    assert article.text.split("\n\n") == [*DIRTY_BODY, credit]
    brief = summarize(article.text, sentences=len(DIRTY_BODY) + 2, aside=article.aside)
    assert credit not in " ".join(brief)
    # On a page (a share bar), a credit is the page's and is still dropped.
    page = "\n\n".join([DIRTY_TITLE, *DIRTY_BODY, credit, *PAGE_FURNITURE])
    assert not kept_in(clean_paragraphs(page, title=DIRTY_TITLE), credit)


def test_a_scene_break_of_a_text_with_no_page_furniture_is_kept_aside() -> None:
    # A story's "* * *" between its parts: no words, but the text's own line.
    page = "\n\n".join([DIRTY_TITLE, *DIRTY_BODY[:3], "* * *", *DIRTY_BODY[3:]])
    reasons = dict(clean_paragraphs(page, title=DIRTY_TITLE))
    assert reasons["* * *"] == f"{ASIDE} (no words (bare URL or symbols); {NO_PAGE})"
    page = "\n\n".join([DIRTY_TITLE, *DIRTY_BODY[:3], "* * *", *DIRTY_BODY[3:], *PAGE_FURNITURE])
    assert not kept_in(clean_paragraphs(page, title=DIRTY_TITLE), "* * *")


def test_a_heading_opening_with_by_is_no_byline() -> None:
    # A travel guide's "By car" / "By ferry" and a textbook's "By the end of this section ..."
    # open with "By", but a byline names someone.
    heading = "By ferry"
    page = "\n\n".join(
        [DIRTY_TITLE, "By Jane Roe", *DIRTY_BODY[:3], heading, *DIRTY_BODY[3:], *PAGE_FURNITURE]
    )
    reasons = dict(clean_paragraphs(page, title=DIRTY_TITLE))
    assert reasons[heading] is None  # kept, and not only aside as a date line would be
    assert reasons["By Jane Roe"] == "byline/date"


def test_prose_about_copyright_is_no_credit_line() -> None:
    # "copyright" marks a credit or a notice where it opens one ("Copyright 2025 ...",
    # "Image copyright EPA", "(copyright Jane Roe)"), not in a sentence about a copyright case.
    prose = (
        "The harbour board lost its copyright case over the wall's design, and the court ordered "
        "it to pay the architect's costs."
    )
    credit = "Image copyright Harbour Trust"
    page = "\n\n".join(
        [
            DIRTY_TITLE,
            DIRTY_BODY[0],
            prose,
            *DIRTY_BODY[1:3],
            credit,
            *DIRTY_BODY[3:],
            *PAGE_FURNITURE,
        ]
    )
    reasons = dict(clean_paragraphs(page, title=DIRTY_TITLE))
    assert reasons[prose] is None
    assert reasons[credit] == "photo caption/credit"


def test_a_refusal_to_comment_is_reporting_however_many_names_it_has() -> None:
    # Mostly names, so few function words; "to comment" / "for comment" is the wire idiom.
    lines = [
        "Kelmsby Harbour Ltd declined to comment.",
        "Mayor Owen Marsh's office didn't immediately respond to Harbour Daily's request for "
        "comment.",
    ]
    button = "Sign in to comment."
    page = "\n\n".join(
        [DIRTY_TITLE, *PAGE_FURNITURE, DIRTY_BODY[0], lines[0], DIRTY_BODY[1], lines[1]]
        + [DIRTY_BODY[2], button]
    )
    rows = clean_paragraphs(page, title=DIRTY_TITLE)
    assert all(kept_in(rows, line) for line in lines)  # on a page, a call to action is dropped
    assert not kept_in(rows, button)


def test_a_speaker_saying_our_team_is_not_the_site_talking() -> None:
    quote = (
        '"We knew we had arrived late, but the captain had a lot of confidence in our team," '
        "the coach said."
    )
    pitch = "Support our journalism today."
    page = "\n\n".join(
        [DIRTY_TITLE, DIRTY_BODY[0], quote, DIRTY_BODY[1], pitch, DIRTY_BODY[2], *PAGE_FURNITURE]
    )
    reasons = dict(clean_paragraphs(page, title=DIRTY_TITLE))
    assert reasons[quote] is None
    assert not kept_in(list(reasons.items()), pitch)


def test_a_text_with_no_page_furniture_keeps_its_address_block() -> None:
    # A letter's address block (or an infobox, a list of authors) sits before the first long
    # paragraph, where a page's menus do; with nothing on the page said like furniture (no
    # call to action, credit, menu or dateline), it is the text's own: kept, if aside.
    address = ["Owen Marsh", "Harbour Master", "Harbour House, Quay Street", "Kelmsby"]
    letter = "\n\n".join([*address, "Dear Owen,", *DIRTY_BODY[:3]])
    rows = clean_paragraphs(letter, title="A letter about the sea wall")
    assert all(kept_in(rows, line) for line in address)
    # ... while a page with furniture still loses the lines above its body
    page = "\n\n".join([*address, *PAGE_FURNITURE, *DIRTY_BODY[:3]])
    rows = clean_paragraphs(page, title="A letter about the sea wall")
    assert not any(kept_in(rows, line) for line in address)


def test_an_embedded_posts_attribution_after_its_short_text_is_kept_aside() -> None:
    # The post's own text is one short line the classifier is not sure of; its attribution
    # still sits inside the article, between that line and the body.
    post = "About time. #Kelmsby #seawall"
    line = "— Jane Roe (@janeroe) November 18, 2025"
    page = "\n\n".join([DIRTY_TITLE, *DIRTY_BODY[:3], post, line, *DIRTY_BODY[3:]])
    rows = clean_paragraphs(page, title=DIRTY_TITLE)
    assert kept_in(rows, post)
    assert dict(rows)[line].startswith(ASIDE)


def test_prose_with_the_words_of_a_call_to_action_is_kept_for_the_last_tier() -> None:
    # How-to prose talks to "you" about following and sharing: the cue words' density of a
    # newsletter box, but a paragraph the classifier is sure of. Kept in the text, and quoted
    # only when nothing else can be.
    advice = (
        "Make sure that you and your neighbours follow the same plan when the water rises, "
        "share the flood map and email the list of numbers to call to everyone on the street."
    )
    page = "\n\n".join([DIRTY_TITLE, *DIRTY_BODY[:3], advice, *DIRTY_BODY[3:], *PAGE_FURNITURE])
    rows = clean_paragraphs(page, title=DIRTY_TITLE)
    assert dict(rows)[advice] == f"{ASIDE} (call to action / navigation; said like furniture)"
    article = extract(_text_item(DIRTY_TITLE, page.partition("\n\n")[2]))
    assert advice in article.text.split("\n\n")
    assert advice not in " ".join(summarize(article.text, sentences=6, aside=article.aside))


def test_a_short_line_of_speech_in_the_first_person_is_no_call_to_action() -> None:
    # "follow" is a cue word of buttons; "I" is a function word though it is a capital.
    line = "No, no, my Lord, I follow, I follow. The only thing ... Yes, my Lord?"
    page = "\n\n".join([DIRTY_TITLE, DIRTY_BODY[0], line, *DIRTY_BODY[1:]])
    assert dict(clean_paragraphs(page, title=DIRTY_TITLE))[line] is None


def test_a_wire_sign_off_before_the_agency_credit_is_no_caption() -> None:
    sign_off = "(Reporting by Jane Roe; Editing by Owen Marsh)"
    page = "\n\n".join([DIRTY_TITLE, *DIRTY_BODY, sign_off, "© Reuters", *PAGE_FURNITURE])
    rows = clean_paragraphs(page, title=DIRTY_TITLE)
    assert kept_in(rows, sign_off)
    assert not kept_in(rows, "© Reuters")


def test_an_articles_own_sign_off_is_kept_aside_and_never_briefed() -> None:
    # An article may end with its own follow line, contact or author's bio, which its authors
    # count as its text; a page around an article has many such lines, and loses them.
    sign_off = [
        "Follow Harbour Daily on Facebook, Twitter and Instagram.",
        "Owen Marsh is the editor of Harbour Daily, which covers the coast.",
    ]
    page = "\n\n".join([DIRTY_TITLE, *DIRTY_BODY, *sign_off])
    reasons = dict(clean_paragraphs(page, title=DIRTY_TITLE))
    assert all(reasons[line].startswith(ASIDE) for line in sign_off)
    assert all(reasons[line].endswith(f"; {OWN_FURNITURE})") for line in sign_off)
    article = extract(_text_item(DIRTY_TITLE, page.partition("\n\n")[2]))
    assert article.text.split("\n\n") == [*DIRTY_BODY, *sign_off]
    brief = " ".join(summarize(article.text, sentences=len(DIRTY_BODY), aside=article.aside))
    assert not any(line in brief for line in sign_off)
    # On a page, the same lines are the page's.
    page = "\n\n".join([DIRTY_TITLE, *DIRTY_BODY, *sign_off, *PAGE_FURNITURE])
    rows = clean_paragraphs(page, title=DIRTY_TITLE)
    assert not any(kept_in(rows, line) for line in sign_off)


def test_a_text_of_its_own_sign_off_alone_is_still_no_article() -> None:
    with pytest.raises(ExtractionError, match="no article text left"):
        extract(_text_item(DIRTY_TITLE, "Share this article\n\nFollow us on Twitter and Facebook"))


def test_a_list_article_keeps_its_own_notes_when_the_classifier_is_unsure_of_it() -> None:
    # A calendar: lines of names and dates, which the classifier finds more likely article
    # text than not but is not sure of, and two bulleted notes under it. The notes are the
    # text's own (no page around it), not calls to action standing alone.
    title = "Kelmsby regatta calendar 2024"
    races = "\n".join(
        f"Race {i}: {day} – {place}"
        for i, (day, place) in enumerate(
            [("10 March", "Kelmsby harbour"), ("8 April", "Gull Rock"), ("22 April", "Saltmarsh")],
            1,
        )
    )
    notes = [
        "* Dates may change at the request of the organising club",
        "* Calendar published by the club in January 2024",
    ]
    rows = clean_paragraphs("\n\n".join([title, races, *notes]), title=title)
    assert all(kept_in(rows, line) for line in notes)
    assert dict(rows)[notes[0]] == f"{ASIDE} (menu bullet; {OWN_FURNITURE})"


def test_short_lines_of_a_text_with_no_page_furniture_are_kept_whatever_the_classifier_says() -> (
    None
):
    # A textbook's review questions: short unpunctuated lines after the prose, which the
    # classifier takes for a menu; with no page around the text they are its own.
    question = "Which people built the first harbour wall at Kelmsby?"
    options = ["A. Romans", "B. Vikings", "C. Normans", "D. Saxons"]
    page = "\n\n".join([DIRTY_TITLE, *DIRTY_BODY, "Review Questions", question, *options])
    rows = clean_paragraphs(page, title=DIRTY_TITLE)
    assert all(kept_in(rows, line) for line in options)
    article = extract(_text_item(DIRTY_TITLE, page.partition("\n\n")[2]))
    assert summarize(article.text, sentences=len(DIRTY_BODY), aside=article.aside) == DIRTY_BODY
    # On a page, the classifier's verdict stands.
    page = "\n\n".join([DIRTY_TITLE, *PAGE_FURNITURE, *DIRTY_BODY, question, *options])
    assert not all(kept_in(clean_paragraphs(page, title=DIRTY_TITLE), line) for line in options)


def test_a_text_with_no_page_furniture_keeps_its_repeats_and_title_headings_aside() -> None:
    # A pull quote said again, a section headed with the title: the text's own lines, which a
    # brief has already (or shows as the title), kept aside in the last tier.
    quote = DIRTY_BODY[2]
    body = "\n\n".join([*DIRTY_BODY[:3], quote, DIRTY_TITLE, *DIRTY_BODY[3:]])
    rows = clean_paragraphs(body, title=DIRTY_TITLE)
    assert rows[3] == (quote, f"{ASIDE} (repeat; {NO_PAGE})")
    assert rows[4] == (DIRTY_TITLE, f"{ASIDE} (title; {NO_PAGE})")
    article = extract(_text_item(DIRTY_TITLE, body))
    brief = summarize(article.text, sentences=len(DIRTY_BODY) + 2, aside=article.aside)
    assert brief == DIRTY_BODY
    # On a page, a repeat is the page's (a teaser of the lead, a pull quote box) and goes.
    rows = clean_paragraphs("\n\n".join([body, *PAGE_FURNITURE]), title=DIRTY_TITLE)
    assert rows[3] == (quote, "repeat")
