"""Offline tests for digest.clean: the shipped seed plus hand-written dirty pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.clean import clean_paragraphs, clean_text

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


@pytest.mark.parametrize(
    "junk",
    [
        "Subscribe to The Week",
        "SUBSCRIBE & SAVE",
        "Sign up",
        "From our morning news briefing",
        "Explore More",
        "Escape your echo chamber",
        "https://cdn.mos.cms.futurecdn.net/flexiimages/jacafc5zvs1692883516.jpg",
        "Image credit",
    ],
)
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
