"""The fast forms of the cue patterns (issue 10) match exactly what their plain forms match."""

from __future__ import annotations

import re

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
