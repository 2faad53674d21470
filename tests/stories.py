"""Distinct, realistic-looking articles on demand, for tests that need many different stories.

Near-duplicate stories are folded into one digest item (digest/dedupe.py, 3-word-shingle
Jaccard >= 0.5), so tests that count articles need stories that really differ, not one text
with a number changed. Every story gets its own invented place and person names and its own
draw of nouns and verbs, so two stories share almost no 3-word runs.
"""

from __future__ import annotations

import random

_SYLLABLES = "ba ri mo lan ver ta sel kin dor fa lu mer ost ga pen wick bro shi tal nor".split()
_NOUNS = (
    "plan budget project scheme report proposal contract policy programme inquiry station bridge "
    "hospital school library museum railway harbour court clinic depot market tunnel reservoir "
    "stadium airport ferry tram road park college prison factory warehouse pier canal dam"
).split()
_VERBS = (
    "approved delayed announced rejected funded reviewed opened closed expanded questioned "
    "paused backed scrapped revised cleared audited extended relaunched defended"
).split()
_REASONS = (
    "rising costs",
    "a shortage of staff",
    "public pressure",
    "new safety rules",
    "a legal challenge",
    "falling visitor numbers",
    "a funding gap",
    "an independent review",
    "local elections",
    "flooding",
    "a strike",
    "a data breach",
    "a change of government",
    "an accident",
)
_DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(3)).capitalize()


def story(n: int) -> str:
    """Title line, blank line, then five paragraphs; different words for every n."""
    rng = random.Random(n)
    town, person, firm = _name(rng), _name(rng), _name(rng)
    a, b, c, d, e, f = rng.sample(_NOUNS, 6)
    v1, v2, v3 = rng.sample(_VERBS, 3)
    r1, r2 = rng.sample(_REASONS, 2)
    amount, year, count = rng.randint(2, 900), rng.randint(2027, 2035), rng.randint(10, 600)
    paragraphs = [
        f"{town} officials {v1} the {a} {b} on {rng.choice(_DAYS)} after {r1} forced a rethink, "
        f"putting {amount} million pounds of {c} work on hold.",
        f"{firm}, which holds the {d} contract, said {count} {e} jobs in {town} depend on the "
        f"{a} and warned that {r2} would push the {f} past {year}.",
        f'"{town} cannot wait for the {b} forever," said {person}, who {v2} the {c} '
        f"review in {year - rng.randint(1, 9)}.",
        f"Opponents of the {d} said {firm} had {v3} similar {e} plans elsewhere and that {town} "
        f"should put the {f} first.",
        f"{person} expects a final {a} decision by {rng.choice(['spring', 'summer', 'autumn'])} "
        f"{year}, when the {e} {f} review ends.",
    ]
    title = f"{town} {a} {v1} over {r1}"
    return title + "\n\n" + "\n\n".join(paragraphs) + "\n"
