"""Rendering: what a reader sees in the HTML, text and JSON, and that scraped text stays inert."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from helpers import NOW

from digest.errors import DigestError
from digest.models import Article, Brief, Digest, Skipped
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


def test_header_counts_articles_and_sources():
    out = rendered(digest_of(brief("A"), brief("B", source="Wire"), brief("C")))
    assert "Tuesday 24 November 2026 · 3 articles from 2 sources" in out.html
    assert "3 articles from 2 sources" in out.text
    one = rendered(digest_of(brief("A")))
    assert "1 article from 1 source" in one.html


def test_html_is_email_safe():
    html = rendered(digest_of(brief("A"))).html
    assert 'role="presentation"' in html and 'width="600"' in html and "<table" in html
    assert 'name="viewport"' in html and 'name="color-scheme" content="light only"' in html
    # CSS is inlined into style="" attributes; only @media rules remain in <style>.
    assert 'class="item" style="padding: 16px 24px;' in html
    style = html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert style.strip().startswith("@media")
    # Every text colour is explicit, so dark-mode inversion cannot leave dark-on-dark text.
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
