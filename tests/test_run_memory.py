"""What a run holds on to: texts let go once summarised, large freed buffers given back."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from helpers import HARBOUR_ARTICLE, LIBRARY_ARTICLE, NOW, REPO, add_article, write_config

from digest.config import load_config
from digest.models import Article
from digest.pipeline import run_once, summarise_all
from digest.render import templates_use_text
from digest.workers import Workers


def article(uid: str, text: str) -> Article:
    title, _, body = text.partition("\n\n")
    return Article(uid=uid, source="Local", name=f"{uid}.txt", title=title, text=body)


def test_a_brief_keeps_its_word_count_and_lets_the_text_go(tmp_path):
    config = load_config(write_config(tmp_path))
    articles = [article("a", HARBOUR_ARTICLE), article("b", LIBRARY_ARTICLE)]
    minutes = [max(1, round(a.word_count / 230)) for a in articles]
    words = [a.word_count for a in articles]
    given = list(articles)

    briefs, skipped = summarise_all(
        given, config, Workers(1), also_in={}, content_types={}, keep_texts=False
    )

    assert not skipped and [b.article.uid for b in briefs] == ["a", "b"]
    assert [b.article.text for b in briefs] == ["", ""]
    assert [b.article.word_count for b in briefs] == words
    assert [b.reading_minutes for b in briefs] == minutes
    assert given == [None, None]  # the caller's list no longer holds them either


def test_templates_that_read_a_text_are_seen(tmp_path):
    assert not templates_use_text(None)  # ours never do
    (tmp_path / "digest.html.j2").write_text("{{ digest.title }}{{ link.href }}")
    assert not templates_use_text(tmp_path)
    (tmp_path / "digest.txt.j2").write_text(
        "{% for b in digest.briefs %}{{ b.article.text }}{% endfor %}"
    )
    assert templates_use_text(tmp_path)
    (tmp_path / "digest.txt.j2").write_text(
        "{% for b in digest.briefs %}{{ b.article['text'] }}{% endfor %}"
    )
    assert templates_use_text(tmp_path)


def test_a_user_template_still_shows_the_article_text(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "digest.txt.j2").write_text(
        "{% for b in digest.briefs %}{{ b.article.text }}\n{% endfor %}", encoding="utf-8"
    )
    config = load_config(write_config(tmp_path, output={"dir": "digests", "templates": "mine"}))
    add_article(config.sources[0].path, "harbour.txt", HARBOUR_ARTICLE)

    report = run_once(config, now=NOW)

    text = (config.output.dir / f"{report.digest_name}.txt").read_text("utf-8")
    # The last paragraph is not among the brief's sentences: only the whole text has it.
    assert "once the national environment agency has reviewed the final design" in text


# Allocates and frees as a run does (one huge string, then many large ones) and prints how
# many MB of them the process still holds.
_CHURN = textwrap.dedent(
    """
    import sys
    from digest.malloc import give_back_freed_memory

    def anon():
        with open("/proc/self/status") as fh:
            return next(int(l.split()[1]) for l in fh if l.startswith("RssAnon:")) // 1024

    if sys.argv[1] == "given back":
        give_back_freed_memory()
    huge = bytearray(16 * 2**20)  # freed: glibc now serves blocks up to 16 MB from its heap
    del huge
    base = anon()
    # Each large block with a small live one after it, as a run's objects lie: the freed
    # blocks cannot merge into the heap's top, so only their own mapping can give them back.
    blocks = [(bytearray(2 * 2**20), bytearray(2000)) for _ in range(30)]
    pins = [small for _, small in blocks]
    del blocks
    print(anon() - base)
    """
)


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.confstr("CS_GNU_LIBC_VERSION") is None,
    reason="glibc only",
)
def test_large_freed_buffers_go_back_to_the_system():
    assert kept(_CHURN, "as glibc decides") > 40  # 60 MB freed, all still held
    assert kept(_CHURN, "given back") < 10


# Frees many article-sized blocks, each with a small live one after it, and prints how many MB
# of them the process still holds.
_MID_SIZED = textwrap.dedent(
    """
    import sys
    from digest.malloc import give_back_freed_memory, release_free_memory

    def anon():
        with open("/proc/self/status") as fh:
            return next(int(l.split()[1]) for l in fh if l.startswith("RssAnon:")) // 1024

    give_back_freed_memory()  # as a run sets it: these blocks are the heap's, not mappings
    base = anon()
    # 60 MB of texts of 20 KB (a long article's); the 600-byte blocks (too large for Python's
    # own allocator) stay alive between them, so the heap's top cannot shrink. Only whole pages
    # can go back: of a freed 20 KB block, 4 of its 5 pages.
    blocks = [(bytearray(20_000), bytearray(600)) for _ in range(3_000)]
    pins = [small for _, small in blocks]
    del blocks
    if sys.argv[1] == "released":
        release_free_memory()
    print(anon() - base)
    """
)


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.confstr("CS_GNU_LIBC_VERSION") is None,
    reason="glibc only",
)
def test_the_pages_of_many_freed_texts_go_back_to_the_system():
    assert kept(_MID_SIZED, "as glibc decides") > 50  # the 60 MB freed, still held
    assert kept(_MID_SIZED, "released") < 20  # the pages the pins and the blocks' edges are on


def kept(script: str, mode: str) -> int:
    """The MB `script` prints it still holds, run in a fresh interpreter with `mode`."""
    out = subprocess.run(
        [sys.executable, "-c", script, mode],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    return int(out.stdout)
