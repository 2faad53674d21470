"""`digest import` / `digest export`: OPML 2.0 as feed readers write it, and hostile files."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime

import pytest
from helpers import write_config

from digest.cli import main
from digest.config import load_config

READER_EXPORT = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>My subscriptions</title></head>
  <body>
    <outline text="News" title="News">
      <outline type="rss" text="World &amp; Nation" title="World &amp; Nation"
               xmlUrl="https://example.org/world.rss" htmlUrl="https://example.org/"/>
      <outline text="Deeper">
        <outline type="rss" text="Science" xmlUrl="https://science.example.net/feed/"/>
      </outline>
    </outline>
    <outline type="rss" text="Local" xmlurl="https://www.local.example.com/atom.xml"/>
    <outline type="rss" title="" text="" xmlUrl="https://untitled.example.com/rss"/>
    <outline type="rss" text="Mail" xmlUrl="mailto:news@example.org"/>
    <outline type="rss" text="Twice" xmlUrl="https://example.org/world.rss"/>
    <outline text="Just a link" url="https://example.org/page"/>
  </body>
</opml>
"""


def feeds(path) -> list[tuple[str, str]]:
    return [(s.name, s.url) for s in load_config(path).sources if s.type == "feed"]


def test_import_takes_every_feed_at_any_depth_once(tmp_path, capsys):
    path = write_config(
        tmp_path,
        sources=[{"name": "Local", "type": "feed", "url": "https://EXAMPLE.org/world.rss/"}],
    )
    opml = tmp_path / "subs.opml"
    opml.write_text(READER_EXPORT, "utf-8")

    assert main(["import", str(opml), "--config", str(path)]) == 0

    assert feeds(path) == [
        ("Local", "https://EXAMPLE.org/world.rss/"),  # already there: same feed, other spelling
        ("Science", "https://science.example.net/feed/"),
        ("Local (2)", "https://www.local.example.com/atom.xml"),
        ("untitled.example.com", "https://untitled.example.com/rss"),
    ]
    err = capsys.readouterr().err
    assert err == (
        "WARNING: Not imported: Mail: 'mailto:news@example.org' is not an http(s) URL\n"
        f"Imported 3 feeds from {opml} into {path}; 2 already there, 1 not valid\n"
    )
    # Importing again adds nothing and leaves the file alone.
    before = path.read_bytes()
    assert main(["import", str(opml), "--config", str(path)]) == 0
    assert "Imported 0 feeds" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_export_is_opml_2(tmp_path, capsys):
    path = write_config(
        tmp_path,
        sources=[
            {"name": "Local", "type": "folder", "path": "articles"},
            {"name": "A & B <news>", "type": "feed", "url": "https://example.org/a?x=1&y=2"},
            {"name": "Blog", "type": "page", "urls": ["https://example.org/post"]},
            {"name": "Ünï", "type": "feed", "url": "https://example.org/u"},
        ],
    )
    assert main(["export", "--config", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    root = ET.fromstring(out.encode("utf-8"))
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title") == "Morning Brief"
    parsedate_to_datetime(root.findtext("head/dateCreated"))  # RFC 822, as OPML 2.0 asks
    outlines = [o.attrib for o in root.iter("outline")]
    assert outlines == [
        {
            "type": "rss",
            "text": "A & B <news>",
            "title": "A & B <news>",
            "xmlUrl": "https://example.org/a?x=1&y=2",
        },
        {"type": "rss", "text": "Ünï", "title": "Ünï", "xmlUrl": "https://example.org/u"},
    ]
    assert err == "Left out 2 sources that are not feeds (OPML lists feeds)\n"


def test_export_then_import_into_a_new_config_gives_the_same_feeds(tmp_path, capsys):
    wanted = [
        {"name": "World", "type": "feed", "url": "https://example.org/world.rss"},
        {
            "name": "Tech: daily # 1",
            "type": "feed",
            "url": "https://tech.example.net/feed?f=rss&n=2",
        },
        {"name": "Sport", "type": "feed", "url": "https://example.com/sport/atom.xml"},
    ]
    old = tmp_path / "old"
    old.mkdir()
    assert main(["export", "-c", str(write_config(old, sources=wanted))]) == 0
    opml = tmp_path / "feeds.opml"
    opml.write_text(capsys.readouterr().out, "utf-8")

    new = tmp_path / "new"
    assert main(["init", str(new)]) == 0  # a fresh config: only the sample folder
    assert main(["import", str(opml), "-c", str(new / "config.yaml")]) == 0

    assert feeds(new / "config.yaml") == [(w["name"], w["url"]) for w in wanted]
    assert main(["check-config", "-c", str(new / "config.yaml")]) == 0


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE opml [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
]>
<opml version="2.0"><head/><body><outline text="&g;" xmlUrl="https://example.org/&g;"/></body></opml>
"""


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            BILLION_LAUGHS,
            "{opml}: refused: it declares XML entities or an external DTD, as entity bombs do;"
            " an OPML file needs none (export the list again from your feed reader)",
        ),
        (
            '<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            '<opml version="2.0"><body><outline xmlUrl="https://e.org/&x;"/></body></opml>',
            "{opml}: refused: it declares XML entities or an external DTD, as entity bombs do;"
            " an OPML file needs none (export the list again from your feed reader)",
        ),
        (
            "<opml><body><outline xmlUrl='https://e.org'></body>",
            "{opml}: not valid XML (mismatched tag: line 1, column 46)",
        ),
        (
            '<rss version="2.0"><channel/></rss>',
            "{opml}: not an OPML file (its root element is <rss>)",
        ),
        (
            '<opml version="2.0"><body><outline text="Folder"/></body></opml>',
            "{opml}: no feeds in it (no <outline> has an xmlUrl attribute)"
            " (export your subscriptions as OPML from your feed reader)",
        ),
    ],
)
def test_bad_files_are_one_line_and_change_nothing(tmp_path, capsys, content, expected):
    path = write_config(tmp_path)
    before = path.read_bytes()
    opml = tmp_path / "bad.opml"
    opml.write_text(content, "utf-8")
    assert main(["import", str(opml), "-c", str(path)]) == 1
    assert capsys.readouterr().err == "ERROR: " + expected.format(opml=opml) + "\n"
    assert path.read_bytes() == before
