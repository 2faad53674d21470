"""Offline tests of digest.summarise: every method, the brief rules, edge cases."""

# ruff: noqa: E501  (the test article is prose, one paragraph a line)

from __future__ import annotations

import re

import pytest

from digest.boilerplate_cues import stopwords_for, words
from digest.page_layout import headline_run_into_blurb
from digest.select import is_dangling
from digest.sentences import split_sentences
from digest.summarise import METHODS, summarize
from tests.test_clean import DIRTY_BODY, DIRTY_TITLE

# Written for these tests: an inverted-pyramid news story whose lead states the event, with
# later sentences elaborating it, quotes, a pronoun opener and a "But" opener.
ARTICLE = """\
Flood barriers on the River Alder failed on Tuesday night, forcing the evacuation of four hundred homes in the market town of Brenton.

Emergency crews worked through the night to move residents from the flooded streets to a leisure centre on higher ground. The river rose two metres in six hours after the heaviest rainfall recorded in the county for forty years. It broke through the temporary barriers near the old mill shortly before midnight.

Council leader Maria Okafor said the flood barriers had been inspected only last month. "We were told they would hold, and they did not hold," she said. But the Environment Agency said the barriers had been designed for a smaller flood than the one the town saw this week.

Insurers estimate that the damage to homes and shops in Brenton could exceed twenty million pounds. Several shop owners on the high street said they had not been able to get flood insurance since the last floods in 2015. The town's only bridge was closed on Wednesday while engineers checked its foundations.

Forecasters expect more rain at the weekend, and the Environment Agency has issued flood warnings for three other towns on the River Alder. Residents have been told to keep sandbags at their doors and to follow the council's updates. Schools in Brenton will stay closed until Monday.
"""
TITLE = "Flood barriers fail in Brenton, four hundred homes evacuated"
SENTENCES = split_sentences(ARTICLE)


def test_methods_listed() -> None:
    assert METHODS[:2] == ("default", "lead")
    assert set(METHODS) >= {
        "lexrank",
        "textrank",
        "lsa",
        "luhn",
        "edmundson",
        "kl",
        "sumbasic",
        "reduction",
    }


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("k", [3, 5])
def test_every_method_gives_a_valid_brief(method: str, k: int) -> None:
    brief = summarize(ARTICLE, sentences=k, method=method, title=TITLE)
    assert len(brief) == k
    idx = [SENTENCES.index(s) for s in brief]  # each is an original sentence
    assert idx == sorted(idx) and len(set(idx)) == k  # article order, no repeats
    for i in idx:  # a dangling sentence only directly after its (selected) predecessor
        if is_dangling(SENTENCES[i]):
            assert i - 1 in idx


@pytest.mark.parametrize("method", ["default", "lexrank", "edmundson"])
def test_without_title(method: str) -> None:
    assert len(summarize(ARTICLE, sentences=3, method=method)) == 3


def test_default_prefers_the_central_lead() -> None:
    brief = summarize(ARTICLE, sentences=1)
    assert brief == [SENTENCES[0]]


def test_default_skips_byline_and_prefers_central_early_sentence() -> None:
    # A byline and a scene-setting sentence before the real lead: the central, early sentence
    # about the flood must still be chosen, and the byline must not.
    text = (
        "By Jo Reporter.\n\nIt was a quiet evening in Brenton until the sirens started.\n\n"
        + ARTICLE
    )
    brief = summarize(text, sentences=2, title=TITLE)
    assert SENTENCES[0] in brief
    assert "By Jo Reporter." not in brief


def test_no_near_duplicates() -> None:
    caption = "Flood barriers on the River Alder failed on Tuesday night, forcing the evacuation of 400 homes in Brenton."
    text = SENTENCES[0] + "\n\n" + caption + "\n\n" + ARTICLE
    for method in ("default", "lead", "lexrank"):
        brief = summarize(text, sentences=3, method=method)
        assert not (SENTENCES[0] in brief and caption in brief), method


@pytest.mark.parametrize(
    ("sentence", "dangling"),
    [
        ("He said the barriers failed.", True),
        ("But the agency disagreed.", True),
        ("and then it rained.", True),
        ("'Which is remarkable,' she said.", True),
        ("This was the worst flood in decades.", True),
        ("There were 400 homes evacuated.", False),
        ("Although it rained, the barriers held.", False),
        ('"The barriers held," Ms Okafor said.', False),
        ('"We were told they would hold," she said.', True),  # who is "she"?
        ("2015 was the last flood.", False),
        ("Heathrow closed a runway.", False),  # "He" only as a whole word
    ],
)
def test_dangling_rule(sentence: str, dangling: bool) -> None:
    assert is_dangling(sentence) is dangling


def test_unknown_method() -> None:
    with pytest.raises(ValueError, match="lexrank"):
        summarize(ARTICLE, method="bart")


@pytest.mark.parametrize("method", METHODS)
def test_short_article(method: str) -> None:
    text = "The council approved the new budget on Monday. Spending on roads will rise by ten per cent."
    assert summarize(text, sentences=3, method=method) == split_sentences(text)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("text", ["", "   \n\n  "])
def test_empty_text(method: str, text: str) -> None:
    assert summarize(text, sentences=3, method=method) == []


def test_only_summarise_imports_sumy() -> None:
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[1] / "digest"
    for path in root.rglob("*.py"):
        if path.name == "summarise.py":
            continue
        src = path.read_text(encoding="utf-8")
        assert "import sumy" not in src and "from sumy" not in src, path
        assert "import nltk" not in src and "from nltk" not in src, path


def test_rank_scores_match_a_plain_dense_computation() -> None:
    # Guards the vectorised scorer (np.unique/bincount, einsum over shared terms only) against
    # the formula written out with a dense term-count matrix.
    import numpy as np

    from digest import rank

    sents = SENTENCES
    sc, sim = rank.score(sents, TITLE)
    toks = [[rank._term(w) for w in rank._WORD.findall(s.lower())] for s in sents]
    vocab = sorted({t for ts in toks for t in ts if t})
    tf = np.array([[ts.count(t) for t in vocab] for ts in toks], dtype=float)
    loglen = np.log(np.maximum(tf.sum(1), 1.0))
    cen_sim = (tf @ tf.T) / (loglen[:, None] + loglen[None, :])
    np.fill_diagonal(cen_sim, 0.0)
    cen = cen_sim.sum(1) / cen_sim.sum(1).max()
    idf = np.log((len(sents) + 1.0) / ((tf > 0).sum(0) + 1.0)) + 1.0
    x = np.log1p(tf) * idf
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    cos = x @ x.T
    np.fill_diagonal(cos, 0.0)
    tvec = np.array(
        [
            idf[j] if t in {rank._term(w) for w in rank._WORD.findall(TITLE.lower())} else 0.0
            for j, t in enumerate(vocab)
        ]
    )
    nwords = np.array([len(rank._WORD.findall(s)) for s in sents], dtype=float)
    pos = np.arange(len(sents), dtype=float)  # every test sentence is eligible
    # Figures: runs of digits, at most 3 counted ("2015" in one sentence of the article).
    figures = np.array([min(len(re.findall(r"\d[\d,.:]*", s)), 3) / 3 for s in sents])
    assert figures.any()
    want = (
        np.exp(-pos / rank.TAU)
        + rank.W_CEN * cen
        + rank.W_TITLE * x @ tvec / np.linalg.norm(tvec)
        + rank.W_FIGURES * figures
    )
    want *= np.minimum(1.0, rank.LONG_WORDS / nwords)
    assert np.allclose(sc, want) and np.allclose(sim, cos)


def test_a_sentence_stating_figures_outranks_the_same_sentence_without() -> None:
    from digest import rank

    plain = "The council said the repairs to the bridge would take several months to finish."
    facts = "The council said the repairs to the bridge would take 14 months and cost £2,100,000."
    filler = [
        "Residents of the town gathered at the hall on Monday evening to hear the plans.",
        "Many of them asked why the work had not started before the winter storms arrived.",
    ]
    sc, _ = rank.score([*filler, plain, facts])
    sc_swapped, _ = rank.score([*filler, facts, plain])
    # Same position, same words apart from the figures: the one with figures scores higher.
    assert sc[3] > sc_swapped[3] and sc_swapped[2] > sc[2]


def test_pick_computes_words_lazily_with_the_same_result() -> None:
    from digest.select import content_words, pick

    order = list(reversed(range(len(SENTENCES))))
    eager = pick(
        SENTENCES,
        order,
        4,
        words=[content_words(s) for s in SENTENCES],
        dangling=[is_dangling(s) for s in SENTENCES],
    )
    assert pick(SENTENCES, order, 4) == eager


def test_rank_sparse_and_dense_products_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    # Long articles take the scipy.sparse path in rank._gram; both paths must give one answer.
    import numpy as np

    from digest import rank

    dense = rank.score(SENTENCES, TITLE)
    monkeypatch.setattr(rank, "_DENSE_MAX_WORK", 0)
    sparse_ = rank.score(SENTENCES, TITLE)
    assert all(np.allclose(a, b) for a, b in zip(dense, sparse_, strict=True))


def test_a_brief_of_a_page_quotes_the_story_its_title_names() -> None:
    # Whole-page text: two blurbs of other stories sit above the article and take the lead
    # positions; the title says which story the page is about.
    blurbs = [
        "A new ferry timetable will add two evening crossings from May, the operator said, after "
        "complaints from commuters who work late shifts on the island.",
        "The lifeboat station has raised enough money for a new boathouse, two years after the "
        "old one was condemned by engineers who found rot in its main beams.",
    ]
    text = "\n\n".join([*blurbs, *DIRTY_BODY])
    assert summarize(text, sentences=1, title=DIRTY_TITLE) == [DIRTY_BODY[0]]


# Teaser cards of other stories as a whole-page text shows them: each card's headline has run
# into its blurb, which says it again (glued to it, or opening with the headline's subject).
TEASERS = [
    "Kelmsby Lifeboat Crew Rescues Two Kayakers Off Gull Rock Kelmsby’s lifeboat crew "
    "rescued two kayakers who were swept onto Gull Rock by the ebb tide on Sunday evening.",
    "Ferry Operator Adds Evening Crossings For CommutersThe ferry operator will add two evening "
    "crossings from May after commuters asked for later sailings.",
]


def test_a_brief_passes_over_teasers_whose_headline_ran_into_the_blurb() -> None:
    # The cards sit between the article's first paragraph and the rest, where a page puts its
    # "latest news": their lead position and their words about the harbour would win them a
    # place in a two-sentence brief.
    text = "\n\n".join([DIRTY_BODY[0], *TEASERS, *DIRTY_BODY[1:]])
    brief = summarize(text, sentences=2, title=DIRTY_TITLE)
    assert len(brief) == 2 and set(brief) <= set(DIRTY_BODY)
    for method in ("lead", "lexrank"):
        brief = summarize(text, sentences=2, method=method, title=DIRTY_TITLE)
        assert set(brief) <= set(DIRTY_BODY), method


def test_teasers_are_briefed_when_a_text_has_nothing_else() -> None:
    # A page that is a list of cards is still briefed, from its cards; the lowercase line
    # above them cannot open a brief.
    text = "\n\n".join(["more stories from the coast", *TEASERS])
    for method in ("default", "lead", "lexrank"):
        assert summarize(text, sentences=2, method=method) == TEASERS, method
    # ... but a brief with something else to quote is not padded with them (the text's first
    # line is its own, whatever its shape).
    assert summarize("\n\n".join(TEASERS), sentences=2) == TEASERS[:1]


def test_a_text_may_open_with_its_own_heading_run_into_its_lead() -> None:
    # A plain-text article whose heading and first paragraph are one line has the teaser's
    # shape; the text's first sentence is its own, and leads the brief.
    lead = (
        "Kelmsby Votes To Rebuild Its Sea Wall Kelmsby residents voted on Thursday to rebuild "
        "the sea wall that gave way during last winter's storms."
    )
    text = "\n\n".join([lead, *DIRTY_BODY[1:]])
    assert summarize(text, sentences=1, method="lead") == [lead]


@pytest.mark.parametrize(
    "line",
    [
        TEASERS[0],
        TEASERS[1],
        "50/50 Harbour wall loan approved for £4m Harbour’s sea wall will be rebuilt with a £4m "
        "loan approved by the council.",
    ],
)
def test_headline_run_into_blurb_is_recognised(line: str) -> None:
    assert _teaser(line)


@pytest.mark.parametrize(
    "line",
    [
        # a name said twice, with a clause between
        "New Zealand, which was then part of the colony of New South Wales, became a separate "
        "colony of New Zealand in 1841.",
        # a sentence that repeats its subject's name, with a verb in between and no break
        "Kelmsby Council said on Thursday that Kelmsby Council would borrow the money itself.",
        # speech that repeats itself after a dash
        "I'm going to rebuild it — I'm going to rebuild it myself.",
        # a brand glued together, restated later: one repeated name is not a headline
        "The new MacBook Pro is faster than the old MacBook Pro with the same chip.",
        # a CamelCase name opening a news sentence
        "Senator John Smith's LinkedIn post on Tuesday said Smith would not run for office again.",
    ],
)
def test_prose_that_repeats_a_name_is_no_teaser(line: str) -> None:
    assert not _teaser(line)


def _teaser(line: str) -> bool:
    """headline_run_into_blurb, in the line's own language."""
    return headline_run_into_blurb(line, lambda: stopwords_for(words(line)))
