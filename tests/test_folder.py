"""The folder source: what counts as an article file, identity by content, and decoding."""

from __future__ import annotations

import re

import pytest
from helpers import HARBOUR_ARTICLE

from digest.errors import ExtractionError
from digest.extract import extract
from digest.models import Skipped
from digest.sources.folder import decode, read_file


def test_title_is_the_first_line_and_identity_is_the_content_hash(tmp_path):
    a = tmp_path / "a.txt"
    a.write_text(HARBOUR_ARTICLE, "utf-8")
    b = tmp_path / "copy-with-another-name.txt"
    b.write_text(HARBOUR_ARTICLE, "utf-8")
    item_a = read_file(a, source="Local", max_bytes=10**6)
    item_b = read_file(b, source="Local", max_bytes=10**6)
    assert item_a.title == "City council approves harbour flood barrier"
    assert not item_a.body.startswith("City council approves")
    assert item_a.uid == item_b.uid and item_a.uid.startswith("sha256:")


def test_markdown_markup_does_not_reach_the_text(tmp_path):
    md = tmp_path / "post.md"
    md.write_text(
        "# Harbour barrier approved\n\n![A photo](https://e.org/p.jpg)\n\n"
        "The council **voted** to build a [flood barrier](https://e.org/b) across the harbour mouth on Tuesday.\n\n"
        "> Engineers say the barrier will close automatically when tides rise more than two metres.\n",
        "utf-8",
    )
    article = extract(read_file(md, source="Local", max_bytes=10**6))
    assert article.title == "Harbour barrier approved"
    assert (
        "The council voted to build a flood barrier across the harbour mouth on Tuesday."
        in article.text
    )
    assert "](" not in article.text and "**" not in article.text and "p.jpg" not in article.text


def test_html_file_goes_through_the_extractor(tmp_path):
    body = "".join(f"<p>{p}</p>" for p in HARBOUR_ARTICLE.split("\n\n")[1:] if p.strip())
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Harbour barrier approved | The Gazette</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a></nav>"
        f"<article><h1>Harbour barrier approved</h1>{body}</article>"
        "<footer>Copyright The Gazette. All rights reserved.</footer></body></html>",
        "utf-8",
    )
    article = extract(read_file(page, source="Local", max_bytes=10**6))
    assert article.title.startswith("Harbour barrier approved")
    assert "31 to 9" in article.text
    assert "All rights reserved" not in article.text and "Sport" not in article.text


def test_latin1_file_is_decoded_when_the_guess_is_clear():
    text = (
        "Le conseil municipal a approuvé la construction d'une digue à l'entrée du port. " * 5
    ).encode("latin-1")
    assert "approuvé" in decode(text)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"  \n\t", "empty file"),
        (b"abc\x00def", "binary file (contains NUL bytes), not text"),
    ],
)
def test_unusable_bytes_say_why(data, reason):
    with pytest.raises(ExtractionError, match=re.escape(reason)):
        decode(data)


def test_huge_file_is_skipped_without_reading_it_whole(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"Headline\n\n" + b"word " * 300_000)
    result = read_file(big, source="Local", max_bytes=1000)
    assert isinstance(result, Skipped) and result.reason == "too large: 1,500,010 bytes > 1,000"


# Hostile and broken files (issue 11): each decodes as a reader would expect, or says why not.


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_files_are_decoded_with_or_without_byte_order_mark(tmp_path, codec):
    path = tmp_path / "wide.txt"
    path.write_bytes(HARBOUR_ARTICLE.replace("harbour", "harbour café").encode(codec))
    item = read_file(path, source="Local", max_bytes=10**6)
    assert not isinstance(item, Skipped), item
    assert item.title == "City council approves harbour café flood barrier"
    assert "\x00" not in item.body and "café" in item.body


def test_one_latin1_paragraph_among_utf8_ones_is_decoded_on_its_own():
    utf8 = "Le café de la société ouvre à huit heures, a annoncé la mairie jeudi matin.\n\n"
    latin1 = "Les élèves du lycée ont préparé le déjeuner pour la fête du quartier.\n\n"
    data = (utf8 * 3).encode("utf-8") + latin1.encode("latin-1") + (utf8 * 2).encode("utf-8")
    text = decode(data)
    assert text.count("Le café de la société") == 5
    assert "Les élèves du lycée ont préparé le déjeuner pour la fête" in text
    assert "Ã" not in text


def test_nul_bytes_after_the_first_8kb_do_not_reach_the_text():
    data = ("A long and ordinary paragraph about the harbour barrier. " * 200).encode()
    data += b"Stray\x00bytes\x07here\x1b.\n\nMore text."
    assert len(data) > 8192
    text = decode(data)
    assert "\x00" not in text and "\x07" not in text and "\x1b" not in text
    assert "Straybyteshere." in text


def test_symlinks_are_not_followed_out_of_the_folder(tmp_path, caplog):
    from digest.config import FolderSource
    from digest.sources import folder

    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("Private notes\n\nThe root password is hunter2, kept here on purpose.\n")
    inbox = tmp_path / "inbox"
    (inbox / "sub").mkdir(parents=True)
    (inbox / "real.txt").write_text(HARBOUR_ARTICLE, "utf-8")
    (inbox / "leak.txt").symlink_to(secret)
    (inbox / "sub" / "linked-dir").symlink_to(secret.parent, target_is_directory=True)
    (inbox / "loop").symlink_to(inbox, target_is_directory=True)

    source = FolderSource(type="folder", name="Inbox", path=inbox)
    items = list(folder.read(source))
    bodies = [i.body for i in items if not isinstance(i, Skipped)]
    assert len(bodies) == 1 and "flood barrier" in bodies[0]
    assert not any("hunter2" in b for b in bodies)
    skipped = [i for i in items if isinstance(i, Skipped)]
    assert [(s.name, s.reason.split(";")[0]) for s in skipped] == [("leak.txt", "symbolic link")]
    assert "follow_symlinks: true" in skipped[0].reason

    # With the operator's consent, links are read, and a link back to the folder cannot loop.
    source = FolderSource(type="folder", name="Inbox", path=inbox, follow_symlinks=True)
    items = list(folder.read(source))
    assert any("hunter2" in i.body for i in items if not isinstance(i, Skipped))


def test_a_fifo_named_like_an_article_does_not_block_the_folder(tmp_path):
    import os

    from digest.config import FolderSource
    from digest.sources import folder

    (tmp_path / "real.txt").write_text(HARBOUR_ARTICLE, "utf-8")
    os.mkfifo(tmp_path / "pipe.txt")
    source = FolderSource(type="folder", name="Inbox", path=tmp_path)
    items = list(folder.read(source))
    assert [i.name for i in items if not isinstance(i, Skipped)] == ["real.txt"]


# A file saved without its title line starts with a paragraph. Taking it as the headline would
# print a paragraph in bold; the first sentence stands in, and the operator is told which file.
UNTITLED = HARBOUR_ARTICLE.partition("\n\n")[2]  # the harbour article without its title line
ONE_SENTENCE_LEAD = (  # one short sentence per paragraph, as some sites write
    "The council approved the harbour flood barrier on Tuesday.\n\n" + UNTITLED
)


@pytest.mark.parametrize(
    ("text", "title", "why"),
    [
        (
            "The harbour barrier was approved on Tuesday. " + UNTITLED,
            "The harbour barrier was approved on Tuesday.",
            "has 202 characters",
        ),
        (
            ONE_SENTENCE_LEAD,
            "The council approved the harbour flood barrier on Tuesday.",
            "ends with a full stop",
        ),
    ],
)
def test_a_text_file_without_a_title_line_gets_its_first_sentence_as_title(
    tmp_path, caplog, text, title, why
):
    path = tmp_path / "untitled.txt"
    path.write_text(text, "utf-8")
    with caplog.at_level("WARNING", logger="digest"):
        article = extract(read_file(path, source="Local", max_bytes=10**6))
    assert article.title == title
    # The sentence is the article's own lead: it stays in the text.
    assert article.text.startswith(title)
    assert "Construction is expected to begin next spring" in article.text
    [warning] = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert "untitled.txt (Local)" in warning and why in warning and "first sentence" in warning


@pytest.mark.parametrize(
    "line",
    [
        "City council approves harbour flood barrier",
        "Could rivalry overshadow the election?",
        "'My memories of Marley...'",
        "Renault boss hails 'great year'",
        "Trade deal 'good news for the U.S.'",
    ],
)
def test_headline_like_first_lines_are_still_titles(tmp_path, caplog, line):
    path = tmp_path / "titled.txt"
    path.write_text(f"{line}\n\n{UNTITLED}", "utf-8")
    with caplog.at_level("WARNING", logger="digest"):
        article = extract(read_file(path, source="Local", max_bytes=10**6))
    assert article.title == line.lstrip("#").strip()
    assert not caplog.records


def test_a_very_long_first_sentence_is_cut_to_a_headline_at_a_word(tmp_path):
    sentence = "The council voted " + "and voted again " * 12 + "to build the barrier."
    path = tmp_path / "long.txt"
    path.write_text(f"{sentence}\n\n{UNTITLED}", "utf-8")
    article = extract(read_file(path, source="Local", max_bytes=10**6))
    assert article.title.endswith("again…") and len(article.title) <= 150
    assert article.text.startswith(sentence)
