"""Rendering: what a reader sees in the HTML, text and JSON, and that scraped text stays inert."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

import pytest
from helpers import NOW

from digest.config import Section
from digest.errors import DigestError
from digest.mail import subject_for
from digest.models import Article, Brief, Digest, Skipped, SubjectDate
from digest.render import environment, render


def brief(
    title: str, source: str = "Local", url: str | None = "https://example.org/a", words: int = 460
) -> Brief:
    article = Article(
        uid=title,
        source=source,
        name=f"{title}.txt",
        title=title,
        text=" ".join(["word"] * words),
        url=url,
        published=datetime(2026, 11, 23, 9, 0, tzinfo=NOW.tzinfo),
    )
    return Brief(article, ("First sentence & more.", "Second one."), "default")


def digest_of(*briefs: Brief, skipped=()) -> Digest:
    return Digest("Morning Brief", NOW, tuple(briefs), tuple(skipped))


def rendered(digest: Digest, env=None, **kw):
    return render(
        digest, name="digest-2026-11-24", subject="Morning Brief", env=env or environment(), **kw
    )


def test_script_title_renders_inert():
    out = rendered(
        digest_of(brief("<script>alert(1)</script>", url='https://e.org/"onmouseover="x'))
    )
    assert "<script>alert(1)</script>" not in out.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out.html
    assert '"onmouseover="x' not in out.html
    # The text part is not HTML: it keeps the title as written, and so does the JSON data.
    assert "<script>alert(1)</script>" in out.text
    assert json.loads(out.json)["items"][0]["title"] == "<script>alert(1)</script>"


def test_each_item_has_title_source_date_link_brief_and_reading_time():
    out = rendered(digest_of(brief("Harbour barrier approved", words=460)))
    assert '<a href="https://example.org/a"' in out.html
    assert "Harbour barrier approved" in out.html
    assert "Local · 23 Nov 2026 · 2 min read" in out.html
    assert "First sentence &amp; more. Second one." in out.html
    assert "Local | 23 Nov 2026 | 2 min read" in out.text
    assert "https://example.org/a" in out.text


def test_the_text_part_wraps_briefs_at_spaces_and_keeps_hyphenated_words_whole():
    sentence = "The council said the harbour wall repairs would follow a much long-awaited review."
    # "long-awaited" straddles column 72: it moves to the next line whole, not as "long-".
    assert sentence.index("long-awaited") < 72 < sentence.index("long-awaited") + 12
    b = replace(brief("Harbour"), sentences=(sentence,))
    lines = rendered(digest_of(b)).text.splitlines()
    assert "The council said the harbour wall repairs would follow a much" in lines
    assert "long-awaited review." in lines
    assert all(len(line) <= 72 for line in lines)


def test_header_counts_articles_and_sources():
    out = rendered(digest_of(brief("A"), brief("B", source="Wire"), brief("C")))
    assert "Tuesday 24 November 2026 · 3 articles from 2 sources" in out.html
    assert "3 articles from 2 sources" in out.text
    one = rendered(digest_of(brief("A")))
    assert "1 article from 1 source" in one.html


def test_html_is_email_safe():
    html = rendered(digest_of(brief("A"))).html
    assert 'role="presentation"' in html and 'width="600"' in html and "<table" in html
    assert 'name="viewport"' in html and 'name="color-scheme" content="light dark"' in html
    assert 'name="supported-color-schemes" content="light dark"' in html
    # CSS is inlined into style="" attributes; only @media rules remain in <style>.
    assert 'class="item" id="story-1" style="padding: 16px 24px;' in html
    style = html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert style.strip().startswith("@media")
    assert "@media (prefers-color-scheme: dark)" in style
    # Every text colour is explicit, so Gmail's dark-mode inversion (it ignores the @media rule)
    # cannot leave dark-on-dark text.
    assert "color: #1f2328" in html and 'bgcolor="#ffffff"' in html


def test_preheader_summarises_the_digest():
    html = rendered(digest_of(brief("A"), brief("B"), brief("C"), brief("D"))).html
    assert "A; B; C; and 1 more</div>" in html


def test_footer_lists_skipped_items():
    out = rendered(digest_of(brief("A"), skipped=[Skipped("Local", "u", "bad.txt", "empty file")]))
    assert "bad.txt (Local): empty file" in out.html
    assert "- bad.txt (Local): empty file" in out.text


def test_cut_digest_says_how_many_more():
    out = rendered(
        digest_of(brief("A"), brief("B"), brief("C")),
        max_items=1,
        archive_link="https://e.org/d.html",
    )
    assert "B" not in out.text.split("more stories")[0].split("A", 1)[1]
    assert 'href="https://e.org/d.html"' in out.html
    assert "2 more stories in the full digest</a>" in out.html
    assert "2 more stories in the full digest: https://e.org/d.html" in out.text
    assert len(json.loads(out.json)["items"]) == 3  # the archive copy keeps every item


def test_user_template_overrides_by_name(tmp_path):
    (tmp_path / "digest.txt.j2").write_text("{{ digest.briefs | length }} stories today\n")
    out = rendered(digest_of(brief("A")), env=environment(tmp_path))
    assert out.text == "1 stories today\n"
    assert "<table" in out.html  # the HTML template still comes from the defaults


def test_broken_user_template_is_a_one_line_error(tmp_path):
    (tmp_path / "digest.html.j2").write_text("{{ digest.nope }}")
    with pytest.raises(
        DigestError,
        match="template digest.html.j2: 'digest.models.Digest object' has no attribute 'nope'",
    ):
        rendered(digest_of(brief("A")), env=environment(tmp_path))
    (tmp_path / "digest.html.j2").write_text("{% for %}")
    with pytest.raises(DigestError, match=r"digest.html.j2, line 1"):
        rendered(digest_of(brief("A")), env=environment(tmp_path))


def test_json_lists_items_for_other_tools():
    data = json.loads(rendered(digest_of(brief("A"))).json)
    assert data["title"] == "Morning Brief" and data["generated_at"] == "2026-11-24T07:00:00+00:00"
    assert data["items"][0] == {
        "title": "A",
        "url": "https://example.org/a",
        "source": "Local",
        "also_in": [],
        "published": "2026-11-23T09:00:00+00:00",
        "sentences": ["First sentence & more.", "Second one."],
        "method": "default",
        "reading_minutes": 2,
        "section": None,  # no sections configured
    }


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(document.cookie)",
        " JavaScript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
        "//evil.example/no-scheme",
    ],
)
def test_only_web_links_are_written(link):
    from digest.links import web_link

    assert web_link(link) is None
    assert web_link("https://example.org/a?b=1") == "https://example.org/a?b=1"


def test_a_user_template_cannot_reach_python_internals(tmp_path):
    (tmp_path / "digest.txt.j2").write_text(
        "{{ cycler.__init__.__globals__.os.popen('echo pwned').read() }}\n", "utf-8"
    )
    with pytest.raises(DigestError, match=r"template digest\.txt\.j2: .*unsafe|access"):
        rendered(digest_of(brief("One")), env=environment(tmp_path))


def dated(title: str, day: int, source: str = "Local", also_in: tuple[str, ...] = ()) -> Brief:
    b = brief(title, source=source, url=f"https://example.org/{title.lower()}")
    article = replace(b.article, published=datetime(2026, 11, day, 9, 0, tzinfo=NOW.tzinfo))
    return replace(b, article=article, also_in=also_in)


def order_in(text: str, *titles: str) -> list[str]:
    return sorted(titles, key=text.index)


def test_stories_carried_by_more_sources_come_first_then_the_newest():
    out = rendered(
        digest_of(
            dated("Old", 20),
            replace(
                dated("Undated", 1), article=replace(dated("Undated", 1).article, published=None)
            ),
            dated("Newest", 23),
            dated("Wire story", 21, also_in=("Courier", "Post")),
            dated("Syndicated", 22, also_in=("Courier",)),
        )
    )
    expected = ["Wire story", "Syndicated", "Newest", "Old", "Undated"]
    body = out.html.split("</ul>", 1)[1]  # past the headlines list
    assert order_in(body, *expected) == expected
    assert [item["title"] for item in json.loads(out.json)["items"]] == expected


def test_headlines_at_the_top_link_to_each_story():
    out = rendered(digest_of(dated("Alpha", 22), dated("Beta", 23, source="Wire")))
    html = out.html
    toc = html.split("Today's headlines", 1)[1].split("</ul>", 1)[0]
    assert toc.index('href="#story-1"') < toc.index("Beta") < toc.index('href="#story-2"')
    assert toc.index("Alpha") > toc.index('href="#story-2"')
    assert 'id="story-1"' in html and 'id="story-2"' in html
    # Each story's own title links to the article.
    assert '<a href="https://example.org/beta"' in html.split('id="story-1"', 1)[1]
    assert "TODAY'S HEADLINES\n 1. Beta (Wire)\n 2. Alpha (Local)\n" in out.text
    # One story needs no list of one.
    assert "headlines" not in rendered(digest_of(dated("Alpha", 22))).html


def test_sections_group_stories_and_unlisted_sources_go_last_under_more():
    sections = [
        Section(name="Tech", sources=("Gadgets",)),
        Section(name="World", sources=("Wire", "Courier")),
        Section(name="Empty", sources=("Nobody",)),
    ]
    out = rendered(
        digest_of(
            dated("Local one", 23),
            dated("Wire one", 20, source="Wire"),
            dated("Gadget one", 21, source="Gadgets"),
            dated("Courier one", 22, source="Courier"),
        ),
        sections=sections,
    )
    body = out.html.split("Today's headlines", 1)[1].split("</td></tr>", 1)[1]
    order = ["Tech", "Gadget one", "World", "Courier one", "Wire one", "More", "Local one"]
    assert order_in(body, *order) == order
    assert "Empty" not in out.html  # a section with no story today has no heading
    assert [i["section"] for i in json.loads(out.json)["items"]] == [
        "Tech",
        "World",
        "World",
        "More",
    ]
    assert "\nWORLD\n" in out.text and "\nMORE\n" in out.text
    # A headline names its source only where the section heading does not already say it.
    assert " 1. Gadget one\n" in out.text and " 2. Courier one (Courier)\n" in out.text
    # Numbering runs across sections, so each story keeps one anchor.
    assert 'id="story-4"' in out.html and "4. Local one" in out.text


def test_without_a_named_section_today_there_is_no_lone_more_heading():
    out = rendered(
        digest_of(dated("Alpha", 22), dated("Beta", 23)),
        sections=[Section(name="Tech", sources=("Gadgets",))],
    )
    assert "More" not in out.html and "MORE" not in out.text


def test_view_in_browser_only_where_the_digest_is_published():
    link = "https://example.org/digests/digest-2026-11-24.html"
    email = rendered(digest_of(dated("Alpha", 22)), archive_link=link)
    assert f'<a href="{link}"' in email.html and "View in browser" in email.html
    assert f"View in your browser: {link}" in email.text
    assert "View in" not in rendered(digest_of(dated("Alpha", 22))).html


def test_the_archive_copy_shows_problems_as_a_note_for_the_operator():
    out = rendered(
        digest_of(brief("A"), skipped=[Skipped("Wire", "source:Wire", "all items", "HTTP 404")])
    )
    note = out.html.split('class="operator"', 1)[1]
    assert "For the operator: 1 item left out of this digest" in note
    assert "all items (Wire): HTTP 404" in note
    assert "For the operator (only in the archive copy" in out.text


def test_subject_date_reads_like_the_digest_and_editions_are_numbered():
    date = NOW.replace(month=12, day=1)
    assert f"{SubjectDate(date)}" == "Tuesday 1 December"
    assert f"{SubjectDate(date):%a %d %b}" == "Tue 01 Dec"  # a format spec is strftime
    subject = subject_for("{title} for {date}", title="Brief", date=date, name="digest-2026-12-01")
    assert subject == "Brief for Tuesday 1 December"
    second = subject_for("{title}", title="Brief", date=date, name="digest-2026-12-01-2")
    assert second == "Brief (2)"
