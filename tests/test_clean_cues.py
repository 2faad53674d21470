"""The fast forms of the cue patterns (issue 10) match exactly what their plain forms match."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from digest import boilerplate_cues as cues

FAMILIES = (*cues._SUBSCRIBE, *cues._SOCIAL, *cues._LEGAL, *cues._ADS, *cues._NAV)
PLAIN_CUE = re.compile(rf"\b(?:{'|'.join(FAMILIES)})\b", re.IGNORECASE)
# Every family word as prose, shouted, capitalised, run together and with the long s ("ſ"),
# which IGNORECASE takes for an "s".
SAMPLES = [
    "Share this story. Subscribe to our newsletter, sign up or log in to your account.",
    "SHARED on Facebook and TWITTER; e-mail, email, print or copy link. 12 Comments",
    "Cookie policy, privacy, terms of use, rights reserved. Advertisement. Sponsored content.",
    "Read more, read next, more from us, related, recommended, trending, most read, see all.",
    "Skip to menu, homepage, search, back to top, load more, show more, click, learn more.",
    "Contact us, about us, careers, podcasts, download on the app store or google play.",
    "Explore editions, watch the video, listen, gallery. ſhare it. ſubscribers welcome.",
    "Shareholders shared sharing; newsletter-ish signup sign-in logout subscriptions.",
    "She said the print run was large and the account was settled on March 3, 2024.",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_cue_matches_what_the_plain_alternation_matches(text):
    assert cues.CUE.findall(text) == PLAIN_CUE.findall(text)
    assert cues.CUE.findall(text.upper()) == PLAIN_CUE.findall(text.upper())


def test_cue_finds_every_family():
    assert len(cues.CUE.findall(" ".join(SAMPLES[:7]))) >= 50


@pytest.mark.parametrize(
    ("pattern", "hit", "miss"),
    [
        (cues.CREDIT, "Photo: Jane Roe", "Jane Roe smiled."),
        (cues.CREDIT, "ımage credit: Jane Roe", "ımago"),  # a dotless i is an i to IGNORECASE
        (cues.CREDIT, "İmage: Jane Roe", "İmago"),  # ... and a dotted capital I
        (cues.CREDIT, "ſource: Harbour Board", "ſources ſaid"),  # ... and a long s an s
        (cues.CREDIT, "“Harbour at dawn” © Jane Roe", "“Harbour at dawn”"),  # not ASCII
        (cues.SECOND_PERSON, "“Sign up,” you say.", "“Sign up,” they said."),
        (cues.CREDIT, "Smoke rises. REUTERS/Jane Roe", "Smoke rises over Reuters"),
        (cues.AGENCY_TAIL, "The harbour at dawn. (Getty Images)", "Getty said it would sell."),
        (cues.PROMO_CODE, "Use the promo code SAVE10 today.", "The code of conduct."),
        (cues.CONTACT_CTA, "Email Jane Roe at the desk.", "She wrote the report."),
        (cues.COOKIE_WORD, "We use COOKIES here.", "A cookbook."),
    ],
)
def test_found_agrees_with_search(pattern, hit, miss):
    for text in (hit, miss, hit.upper(), miss.upper()):
        assert cues.found(pattern, text) == bool(pattern.search(text)), text
    assert cues.found(pattern, hit)
    assert not cues.found(pattern, miss)


def test_found_without_a_hint_is_search():
    assert cues.found(cues.BYLINE, "By Jane Roe")
    assert not cues.found(cues.BYLINE, "Jane Roe")


@pytest.mark.parametrize(
    "text",
    [
        "It's the readers’ choice: 3,000 don't, 12.5% do.",
        "snake_case and __dunder__ names, o'_clock, a_'b, _'_",
        "Ünïcödé wörds, 北京 and ١٢٣ digits.",
    ],
)
def test_words_are_word_findall(text):
    assert cues.words(text) == cues.WORD.findall(text)


def test_a_tie_between_languages_is_broken_the_same_way_in_every_run():
    # jusText names its stoplists in a set, whose order follows the hash seed; a page whose
    # words are as common in two languages must still be cleaned the same way each run.
    script = (
        "from digest import boilerplate_cues as c\n"
        "lists = c._stoplists()\n"
        "shared = [w for w in set().union(*lists.values())"
        " if sum(w in v for v in lists.values()) >= 2]\n"
        "words = sorted(w for w in shared if w not in lists['English'])[:50]\n"
        "print([next(k for k, v in lists.items() if v is c.stopwords_for([w])) for w in words])\n"
    )
    seen = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in (1, 2, 3, 4)
    }
    assert len(seen) == 1


@pytest.mark.parametrize(
    "text",
    [
        "Don't 'quote' me: rock'n'roll, a''b, x' 'y -- 9/11 at 10:30pm.",
        "It's the dogs' bowl ('twas) ''quoted'' O'Neill's",
        "snake_case_name and a_b",
        "café’s naïve résumé: it’s fine",
        "",
        "   ",
        "ALL CAPS 123abc abc123 3.14",
    ],
)
def test_words_fast_path_is_the_pattern(text: str) -> None:
    assert cues.words(text) == cues.WORD.findall(text)


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        (cues.CREDIT, "  Source: Harbour Board", True),
        (cues.CREDIT, "Sources said the harbour board would meet.", False),
        (cues.SITE_VOICE, "Support our journalism today.", True),
        (cues.SITE_VOICE, "Four hours later this town was dry.", False),
        (cues.SITE_VOICE, "Soutenez OUR SITE", True),
    ],
)
def test_found_prefilters_never_hide_a_match(pattern, text: str, expected: bool) -> None:
    assert cues.found(pattern, text) is expected
    assert (pattern.search(text) is not None) is expected
