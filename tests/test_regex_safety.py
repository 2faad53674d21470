"""No regular expression in digest takes more than linear time (issue 11).

Python's `re` backtracks: a pattern such as `cookie.*consent` rescans to the end of the text
from every "cookie", so 350 KB of "cookie cookie ..." in one feed item held a run for over
five minutes. This test finds every compiled pattern at module level in every module of the
package (also inside tuples, lists and dicts), runs each over adversarial inputs of about
100 KB (long runs of one character, repeated punctuation, and the pattern's own words and
punctuation repeated), and fails when one pattern takes over 0.5 s of CPU on one input. A
linear pattern needs a few milliseconds; a quadratic one needs minutes.

Patterns must live at module level to be checked here, which is also where they belong.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import time

import pytest

import digest

SIZE = 100_000
LIMIT_S = 0.5  # the bound issue 11 asks for; a linear pattern needs under 0.01 s here

# Shapes that make backtracking patterns explore every start position: runs of one class of
# character, and short units repeated with no terminator in sight.
_GENERIC_UNITS = (
    *("a", " ", "\n", "1", "*", "_", "[", "<", ".", "é"),
    *("a ", "A a ", "1.", ". ", "\n \n", "*a ", "_a ", "[a](", "<a ", "a@"),
)
_ESCAPE = re.compile(r"\\.")
_WORD = re.compile(r"[A-Za-z]{2,}")
_PUNCT = re.compile(r"[^\w\s]")


def _repeat(unit: str) -> str:
    return unit * (SIZE // len(unit) + 1)


def _module_patterns() -> dict[str, re.Pattern]:
    found: dict[int, tuple[str, re.Pattern]] = {}

    def collect(where: str, value: object, depth: int = 0) -> None:
        if isinstance(value, re.Pattern):
            found.setdefault(id(value), (where, value))
        elif depth < 3 and isinstance(value, (tuple, list, set, frozenset)):
            for i, item in enumerate(value):
                collect(f"{where}[{i}]", item, depth + 1)
        elif depth < 3 and isinstance(value, dict):
            for key, item in value.items():
                collect(f"{where}[{key!r}]", item, depth + 1)

    for info in pkgutil.walk_packages(digest.__path__, "digest."):
        if info.name.endswith(".__main__"):
            continue  # importing it runs the command line
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            collect(f"{info.name}.{name}", value)
    return {where: pattern for where, pattern in found.values()}


PATTERNS = _module_patterns()


def adversarial_inputs(pattern: re.Pattern) -> list[str]:
    """Generic shapes, plus the pattern's own words and punctuation repeated."""
    source = pattern.pattern
    if isinstance(source, bytes):
        source = source.decode("utf-8", "replace")
    literal = _ESCAPE.sub(lambda m: m.group(0)[1] if not m.group(0)[1].isalpha() else " ", source)
    words = list(dict.fromkeys(_WORD.findall(literal)))[:4]
    punct = list(dict.fromkeys(_PUNCT.findall(literal)))[:6]
    units = list(_GENERIC_UNITS)
    units += [f"{w} " for w in words] + [f"{w.capitalize()} " for w in words]
    units += [f"{p}a" for p in punct]
    return [_repeat(u) for u in dict.fromkeys(units)]


def test_the_package_has_patterns_to_check():
    # Guards the discovery itself: a walk that found nothing would pass everything.
    assert "digest.boilerplate_cues.COOKIE_CONSENT" in PATTERNS
    assert len(PATTERNS) > 20


@pytest.mark.parametrize("where", sorted(PATTERNS))
def test_pattern_is_linear_on_adversarial_input(where):
    pattern = PATTERNS[where]
    slow = []
    for text in adversarial_inputs(pattern):
        subject = text.encode("utf-8") if isinstance(pattern.pattern, bytes) else text
        started = time.thread_time()
        pattern.findall(subject)  # tries every start position, as search, sub and split do
        took = time.thread_time() - started
        if took > LIMIT_S:
            slow.append(f"{took:.1f}s on {text[:24]!r} * {SIZE:,} chars")
            break  # one is enough, and the next may take minutes too
    assert not slow, f"{where} is super-linear: " + "; ".join(slow)


def test_an_overlong_paragraph_is_left_out_with_its_reason():
    # The feed item: 200 words of story, then "cookie " 50,000 times in one paragraph.
    from digest.clean import clean_paragraphs

    story = "The council voted on Tuesday to build a flood barrier across the harbour. " * 14
    (text, reason), *_ = clean_paragraphs(story + "cookie " * 50_000, title="Barrier")
    assert reason == "too long for one paragraph (351,035 characters)"
