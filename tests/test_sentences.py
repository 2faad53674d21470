"""Sentence splitting as the digest needs it: whole sentences, never glued across paragraphs."""

from __future__ import annotations

import pytest

from digest.sentences import has_sentences, split_paragraphs, split_sentences


def test_empty_and_blank_input() -> None:
    assert split_sentences("") == []
    assert split_sentences("  \n\n \t\n") == []
    assert split_paragraphs("") == []


@pytest.mark.parametrize(
    "text",
    ["", " \n\n\t ", "\xa0\u3000", "...", "•", "\u200b", "?!", "| — |", "a", "Done.\n\n\n"],
)
def test_has_sentences_answers_as_the_split_does(text: str) -> None:
    # extract's "no article text left" check asks this without splitting the whole text
    assert has_sentences(text) is bool(split_sentences(text))


def test_paragraphs_split_on_blank_lines_and_fold_whitespace() -> None:
    text = "First  para\nwraps here.\n\n  \n Second\tpara.  \n"
    assert split_paragraphs(text) == ["First para wraps here.", "Second para."]


def test_plain_sentences() -> None:
    assert split_sentences("The vote passed. Turnout was low! Why? Nobody knows.") == [
        "The vote passed.",
        "Turnout was low!",
        "Why?",
        "Nobody knows.",
    ]


def test_no_sentence_spans_two_paragraphs() -> None:
    text = "The talks ended without a deal\n\nboth sides blamed each other. Talks resume Monday."
    assert split_sentences(text) == [
        "The talks ended without a deal",
        "both sides blamed each other.",
        "Talks resume Monday.",
    ]


def test_headline_dateline_and_caption_are_their_own_sentences() -> None:
    text = (
        "Iraqi military enters Kirkuk\n\n"
        "Thousands flee as US tries to de-escalate crisis\n\n"
        "Iraqi forces drive into the centre of the city\n"
        "(Image credit: Reuters)\n\n"
        "BAGHDAD, Oct 16\n\n"
        "Iraqi forces took control of Kirkuk on Monday. Residents fled."
    )
    assert split_sentences(text) == [
        "Iraqi military enters Kirkuk",
        "Thousands flee as US tries to de-escalate crisis",
        "Iraqi forces drive into the centre of the city",
        "(Image credit: Reuters)",
        "BAGHDAD, Oct 16",
        "Iraqi forces took control of Kirkuk on Monday.",
        "Residents fled.",
    ]


def test_wrapped_line_is_not_a_boundary() -> None:
    text = "The committee met on Monday and\ndecided to postpone the vote. It meets again soon."
    assert split_sentences(text) == [
        "The committee met on Monday and decided to postpone the vote.",
        "It meets again soon.",
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "Mr. Smith met Dr. Jones and Prof. Lee at 5 p.m. on Jan. 5 in Washington.",
        "The U.S. economy grew faster than the U.K. economy last year.",
        "Some fruits, e.g. apples, and some vegetables, i.e. roots, keep well.",
        "Gov. Smith and Sen. Jones met Gen. Lee at St. Mary's.",
        "The ruling in Brown v. Board of Education changed American schools.",
        "The actor (b. March 1950) lives in Texas.",
        "The letter reached Mr. W. Lansing Gleason, my landlord, on Monday.",
    ],
)
def test_abbreviations_do_not_end_sentences(sentence: str) -> None:
    assert split_sentences(sentence) == [sentence]


def test_abbreviation_at_sentence_end_still_splits() -> None:
    assert split_sentences("He moved to the U.S. He liked it there.") == [
        "He moved to the U.S.",
        "He liked it there.",
    ]


def test_initials() -> None:
    assert split_sentences(
        "The Hobbit was written by J. R. R. Tolkien. George W. Bush read it."
    ) == ["The Hobbit was written by J. R. R. Tolkien.", "George W. Bush read it."]


def test_numbers_and_decimals() -> None:
    assert split_sentences("Inflation was 3.5% in 2023. It cost $4.25 per share. No. 5 won.") == [
        "Inflation was 3.5% in 2023.",
        "It cost $4.25 per share.",
        "No. 5 won.",
    ]


def test_ellipsis() -> None:
    assert split_sentences("Well... maybe not. He paused... Then he spoke.") == [
        "Well... maybe not.",
        "He paused...",
        "Then he spoke.",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('He said "I am done." Then he left.', ['He said "I am done."', "Then he left."]),
        ("He said, “I am done.” Then he left.", ["He said, “I am done.”", "Then he left."]),
        ("She wrote ‘we won.’ Then she slept.", ["She wrote ‘we won.’", "Then she slept."]),
        ("“Are you done?” she asked. No reply.", ["“Are you done?” she asked.", "No reply."]),
        ("“Sorry!” I say. The guard frowns.", ["“Sorry!” I say.", "The guard frowns."]),
        ("“Why now?” Smith asked. Nobody knew.", ["“Why now?” Smith asked.", "Nobody knew."]),
    ],
)
def test_quotes(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_unicode_text_is_preserved() -> None:
    text = "Zurbarán’s «Jacob» series is in Auckland Castle. Ça va très bien — merci!"
    assert split_sentences(text) == [
        "Zurbarán’s «Jacob» series is in Auckland Castle.",
        "Ça va très bien — merci!",
    ]


def test_reference_markers_stay_with_their_sentence() -> None:
    assert split_sentences("He won in 1951. [11] [12] He retired in 1960. [13]") == [
        "He won in 1951. [11] [12]",
        "He retired in 1960. [13]",
    ]


def test_numbered_heading_is_one_sentence() -> None:
    assert split_sentences("2. Theoretical Foundations\n\n2.1. Property Rights") == [
        "2. Theoretical Foundations",
        "2.1. Property Rights",
    ]


def test_question_then_lowercase_word_is_a_boundary() -> None:
    assert split_sentences("is it open on sundays? anyone know? thanks") == [
        "is it open on sundays?",
        "anyone know?",
        "thanks",
    ]


def test_output_keeps_every_character() -> None:
    text = "A. B. C. Mr. X said “no!” [1] then... left?? ok. 3.5. Fine\n\nEnd"
    joined = "".join(split_sentences(text))
    assert joined.replace(" ", "") == text.replace(" ", "").replace("\n", "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a title cannot end a sentence, whatever its case
        ("Ask Dr. Dorn. He knows.", ["Ask Dr. Dorn.", "He knows."]),
        ("I HATE MRS. ABBOT. SHE IS MEAN.", ["I HATE MRS. ABBOT.", "SHE IS MEAN."]),
        # quoted speech continued in lowercase is one sentence
        ('"Did your dog eat it?" he said. "Yes."', ['"Did your dog eat it?" he said.', '"Yes."']),
        ("“Wait …” Pete said. He left.", ["“Wait …” Pete said.", "He left."]),
        # the word "no" ending a sentence is not the abbreviation "No." (number)
        (
            "The court said no. Warhol lost. He was No. 1.",
            ["The court said no.", "Warhol lost.", "He was No. 1."],
        ),
        # an emoticon closes the sentence before it
        ("Loved every bit of it! :) Will be back.", ["Loved every bit of it! :)", "Will be back."]),
    ],
)
def test_library_fixes(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_accented_capital_starts_a_sentence() -> None:
    assert split_sentences("The prize went to France. Émile Zola was not surprised.") == [
        "The prize went to France.",
        "Émile Zola was not surprised.",
    ]
