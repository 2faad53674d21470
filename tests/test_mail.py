"""The email copy and the MIME message: parts, headers, and the size guard."""

from __future__ import annotations

from email import message_from_bytes, policy

from helpers import NOW, write_config

from digest.config import load_config
from digest.mail import (
    MAX_HTML_BYTES,
    EmailCopy,
    build_message,
    limit_style,
    make_list_id,
    make_message_id,
    prebuild,
    reader_headers,
    render_email,
    sent_size,
)
from digest.models import Article, Brief, Digest
from digest.render import environment

SENTENCE = (
    "The council voted on Tuesday to build a flood barrier across the harbour mouth, ending a"
    " decade of debate over how to protect the low-lying old town from rising tides."
)


def make_digest(n: int, sentences: int = 3) -> Digest:
    briefs = tuple(
        Brief(
            article=Article(
                uid=f"uid-{i}",
                source=f"Source {i % 5}",
                name=f"article-{i}.txt",
                title=f"Story number {i}: council approves harbour flood barrier",
                text=SENTENCE * 20,
                url=f"https://news.example.org/2026/11/24/story-{i}",
                published=NOW,
            ),
            sentences=(SENTENCE,) * sentences,
            method="lead",
        )
        for i in range(n)
    )
    return Digest("Morning Brief", NOW, briefs)


def make_config(tmp_path, **output):
    email = {
        "enabled": True,
        "from": "Morning Brief <brief@example.org>",
        "recipients": ["alice@example.org"],
        "unsubscribe_url": "https://example.org/unsubscribe",
    }
    return load_config(write_config(tmp_path, email=email, output={"dir": "digests", **output}))


def test_a_small_digest_is_sent_whole(tmp_path):
    config = make_config(tmp_path)
    copy = render_email(make_digest(3), name="d", env=environment(), config=config)
    assert (copy.shown, copy.total) == (3, 3)
    assert "more stor" not in copy.html


def test_a_large_digest_is_cut_at_a_whole_item_with_a_link_to_the_archive(tmp_path):
    config = make_config(tmp_path, archive_url="https://example.org/digests/")
    digest = make_digest(50, sentences=10)
    copy = render_email(digest, name="digest-2026-11-24", env=environment(), config=config)

    assert len(copy.html.encode()) < sent_size(copy.html) < MAX_HTML_BYTES
    assert 0 < copy.shown < 50
    more = 50 - copy.shown
    link = "https://example.org/digests/digest-2026-11-24.html"
    assert f'<a href="{link}"' in copy.html and f"{more} more stories" in copy.html
    assert f"{more} more stories in the full digest: {link}" in copy.text
    # Cut at a whole item: the last story shown is complete, the next one is absent.
    assert f"Story number {copy.shown - 1}:" in copy.html
    assert f"Story number {copy.shown}:" not in copy.html
    assert f"Story number {copy.shown}:" not in copy.text


def test_without_archive_url_the_cut_says_how_many_without_a_link(tmp_path):
    config = make_config(tmp_path)
    copy = render_email(make_digest(50, 10), name="d", env=environment(), config=config)
    assert copy.shown < 50
    assert f"{50 - copy.shown} more stories in the full digest" in copy.html


def test_a_style_block_over_16_kb_is_dropped_but_inline_styles_stay():
    big = "<style>" + ".x{color:red}" * 2000 + "</style>"
    html = f'<html><head>{big}</head><body><p style="color: red">hi</p></body></html>'
    out = limit_style(html)
    assert "<style>" not in out and 'style="color: red"' in out
    assert limit_style("<style>.a{}</style>") == "<style>.a{}</style>"


def test_message_is_multipart_alternative_with_list_headers(tmp_path):
    config = make_config(tmp_path)
    copy = render_email(make_digest(2), name="d", env=environment(), config=config)
    mid = make_message_id("digest-2026-11-24", NOW.isoformat(), "bob@example.org", "B <b@ex.org>")
    msg = build_message(
        copy,
        subject="Morning Brief for Tuesday 24 November",
        sender="Morning Brief <brief@example.org>",
        to="bob@example.org",
        to_name="Bob",
        message_id=mid,
        list_id=make_list_id("Morning Brief", "brief@example.org"),
        date=NOW,
        unsubscribe_url="https://example.org/unsubscribe",
    )
    parsed = message_from_bytes(msg.as_bytes(policy=policy.SMTP), policy=policy.default)

    assert parsed.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in parsed.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    html = parsed.get_body(("html",)).get_content()
    assert 'class="preheader"' in html and "Story number 0" in html
    # CSS inlined: the .brief rule from <style> now sits on the element itself.
    assert '<p class="brief" style="margin: 0 0 8px 0;' in html
    assert parsed["Message-ID"] == mid and mid.endswith("@ex.org>")
    assert parsed["Date"] == "Tue, 24 Nov 2026 07:00:00 +0000"
    assert parsed["List-Id"] == '"Morning Brief" <morning-brief.example.org>'
    assert parsed["List-Unsubscribe"] == (
        "<https://example.org/unsubscribe?email=bob%40example.org>"
    )
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert str(parsed["To"]) == "Bob <bob@example.org>"


def test_no_unsubscribe_headers_without_an_unsubscribe_url():
    copy = EmailCopy("<p>hi</p>", "hi", 1, 1)
    msg = build_message(
        copy, subject="s", sender="a@example.org", to="b@example.org", to_name=None,
        message_id="<x@example.org>", list_id="<l.example.org>", date=NOW,
    )  # fmt: skip
    assert "List-Unsubscribe" not in msg and "List-Unsubscribe-Post" not in msg


def test_message_id_is_stable_per_digest_and_recipient():
    a = make_message_id("digest-2026-11-24", "t", "alice@example.org", "x@example.org")
    assert a == make_message_id("digest-2026-11-24", "t", "alice@example.org", "x@example.org")
    assert a != make_message_id("digest-2026-11-24", "t", "bob@example.org", "x@example.org")
    assert a != make_message_id("digest-2026-11-24-2", "t", "alice@example.org", "x@example.org")
    assert a.startswith("<digest-2026-11-24.") and a.endswith("@example.org>")


def test_the_cut_keeps_as_many_stories_as_fit(tmp_path):
    # Stories of uneven length, so the size is not a straight line in their number.
    from digest.render import render

    config = make_config(tmp_path)
    base = make_digest(300, sentences=3)
    briefs = tuple(
        Brief(b.article, (SENTENCE,) * (1 + i % 7), b.method) for i, b in enumerate(base.briefs)
    )
    digest = Digest("Morning Brief", NOW, briefs)

    copy = render_email(digest, name="d", env=environment(), config=config)

    assert 0 < copy.shown < 300 and sent_size(copy.html) < MAX_HTML_BYTES
    one_more = render(
        digest,
        name="d",
        subject="s",
        env=environment(),
        max_items=copy.shown + 1,
        unsubscribe_url=config.email.unsubscribe_url,
    )
    assert sent_size(limit_style(one_more.html)) >= MAX_HTML_BYTES  # the next would not fit


PREFS = "https://digest.invalid/preferences/READER"
UNSUB = "https://digest.invalid/unsubscribe/READER"


def both_ways(copy: EmailCopy, links: dict[str, str], to_name: str | None):
    """A reader's message built whole and from the copy's prebuilt body, both parsed."""
    sender, list_id = "Mörning Brief <brief@example.org>", '"Morning Brief" <mb.example.org>'
    filled = EmailCopy(
        *(t.replace(PREFS, links.get(PREFS, PREFS)).replace(UNSUB, links.get(UNSUB, UNSUB))
          for t in (copy.html, copy.text)), copy.shown, copy.total,
    )  # fmt: skip
    whole = build_message(
        filled, subject="Morning Brief für Dienstag", sender=sender, to="bob@example.org",
        to_name=to_name, message_id="<m1@example.org>", list_id=list_id, date=NOW,
        unsubscribe_url="https://example.org/unsubscribe",
    ).as_bytes(policy=policy.SMTP)  # fmt: skip
    prebuilt = prebuild(copy, subject="Morning Brief für Dienstag", sender=sender,
                        list_id=list_id, fields=tuple(links))  # fmt: skip
    assert prebuilt is not None
    fast = prebuilt.message(
        reader_headers(to="bob@example.org", to_name=to_name, message_id="<m1@example.org>",
                       date=NOW, unsubscribe_url="https://example.org/unsubscribe"),
        links,
    )  # fmt: skip
    return [message_from_bytes(m, policy=policy.default) for m in (whole, fast)], fast


def test_a_prebuilt_body_gives_each_reader_the_message_built_whole(tmp_path):
    """Every header and every decoded part equal, the reader's own links in them, however the
    quoted-printable lines fall around a link (at some shifts one spans a soft line break)."""
    config = make_config(tmp_path)
    copy = render_email(make_digest(3), name="d", env=environment(), config=config)
    links = {PREFS: "https://news.example.org/preferences/bob.Zm9v-YmFy_" + "q" * 70,
             UNSUB: "https://news.example.org/unsubscribe/bob?x=1&y=" + "z" * 70}  # fmt: skip
    split_seen = False
    for shift in range(0, 80, 3):
        html = copy.html.replace(
            "</body>", f'<p>{"é" * shift}<a href="{PREFS}">Choose</a> <a href="{UNSUB}">Leave</a></p></body>'
        )  # fmt: skip
        text = f"{copy.text}\n{'x' * (shift % 20)}Choose: {PREFS}\nLeave: {UNSUB}\n"
        template = EmailCopy(html, text, copy.shown, copy.total)
        plain = build_message(template, subject="s", sender="a@example.org", to="b@example.org",
                              to_name=None, message_id="<x@example.org>", list_id="<l.x>",
                              date=NOW).as_bytes(policy=policy.SMTP)  # fmt: skip
        html_bytes = plain[plain.index(b"Content-Type: text/html") :]
        split_seen |= PREFS.encode() not in html_bytes or UNSUB.encode() not in html_bytes
        (whole, fast), raw = both_ways(template, links, "Bøb Ünal")
        for name in {*whole.keys(), *fast.keys()} - {"Content-Type"}:  # its boundary differs
            assert str(whole[name]) == str(fast[name]), name
        # Line ends as the parser gives them: CRLF from a 7bit part, LF from a base64 one.
        assert [p.get_content().replace("\r\n", "\n") for p in whole.iter_parts()] == [
            p.get_content().replace("\r\n", "\n") for p in fast.iter_parts()
        ]
        html_part = fast.get_body(("html",)).get_content()
        assert links[PREFS] in html_part and links[UNSUB] in html_part
        assert PREFS not in html_part and UNSUB not in fast.get_body(("plain",)).get_content()
        assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    assert split_seen  # the case the soft line breaks are for was exercised


def test_a_copy_whose_links_cannot_be_found_once_encoded_is_not_prebuilt():
    """A non-Latin copy goes as base64, where a placeholder cannot be found: the caller then
    builds each message whole (deliver.Outbox.reader_message)."""
    copy = EmailCopy(f'<p>{"Привет мир " * 300}<a href="{UNSUB}">x</a></p>',
                     "Привет мир\n" * 50 + UNSUB, 1, 1)  # fmt: skip
    assert prebuild(copy, subject="s", sender="a@example.org", list_id="<l.x>",
                    fields=(PREFS, UNSUB)) is None  # fmt: skip
    assert prebuild(copy, subject="s", sender="a@example.org", list_id="<l.x>") is not None
