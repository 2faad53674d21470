"""Adding sources to config.yaml keeps every other byte: comments, quoting, order, permissions."""

from __future__ import annotations

import os

import pytest
import yaml
from helpers import REPO

from digest.config_edit import add_sources, flow, unique_name
from digest.errors import ConfigError, DigestError

FEED = {"name": "World news", "type": "feed", "url": "https://example.org/world/rss.xml"}


def lines_added(before: str, after: str) -> list[str]:
    old, new = before.splitlines(), after.splitlines()
    # What the user wrote is still there, in order: the edit only inserted lines.
    rest = iter(new)
    assert all(line in rest for line in old)
    return [line for line in new if line not in old]


def test_the_shipped_config_gains_one_line_after_its_last_source(tmp_path):
    (tmp_path / "seeds").mkdir()
    before = (REPO / "config.yaml").read_text("utf-8")
    path = tmp_path / "config.yaml"
    path.write_text(before, "utf-8")

    config = add_sources(path, [FEED])

    after = path.read_text("utf-8")
    added = "  - {name: World news, type: feed, url: 'https://example.org/world/rss.xml'}"
    assert lines_added(before, after) == [added]
    lines = after.splitlines()
    # Right after the last entry, before the commented-out examples that follow it.
    assert lines[lines.index(added) - 1].split("#")[0].strip() == "path: seeds"
    assert lines[lines.index(added) + 1].lstrip().startswith("# - {name: World news")
    assert [s.name for s in config.sources] == ["Sample articles", "World news"]


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        (  # flow style, all on one line
            "sources: [{name: Local, type: folder, path: a}]  # mine\ntitle: T\n",
            "sources: [{name: Local, type: folder, path: a}, {FEED}]  # mine\ntitle: T\n",
        ),
        (  # an indentless list, a comment on the last line, no newline at the end
            "sources:\n- name: Local\n  type: folder\n  path: a   # the folder",
            "sources:\n- name: Local\n  type: folder\n  path: a   # the folder\n- {FEED}",
        ),
        (  # the last entry's value is a quoted scalar spread over two lines
            'sources:\n    - name: "Local\n        folder"\n      type: folder\n      path: a\n\n'
            "# the end\n",
            'sources:\n    - name: "Local\n        folder"\n      type: folder\n      path: a\n'
            "    - {FEED}\n\n# the end\n",
        ),
        (  # Windows line endings
            "sources:\r\n  - {name: Local, type: folder, path: a}\r\ntitle: T\r\n",
            "sources:\r\n  - {name: Local, type: folder, path: a}\r\n  - {FEED}\r\ntitle: T\r\n",
        ),
    ],
)
def test_layouts(tmp_path, layout, expected):
    (tmp_path / "a").mkdir()
    path = tmp_path / "config.yaml"
    path.write_bytes(layout.encode())
    add_sources(path, [FEED])
    assert path.read_bytes().decode() == expected.replace("{FEED}", flow(FEED))


def test_names_yaml_would_misread_are_quoted(tmp_path):
    (tmp_path / "a").mkdir()
    path = tmp_path / "config.yaml"
    path.write_text("sources:\n  - {name: Local, type: folder, path: a}\n", "utf-8")
    odd = ["Tech: news # daily", "'quoted' & {braced}", "yes", "- dash", "Ünïcode — dash"]
    entries = [
        {"name": n, "type": "feed", "url": f"https://example.org/{i}"} for i, n in enumerate(odd)
    ]
    config = add_sources(path, entries)
    assert [s.name for s in config.sources[1:]] == odd
    assert yaml.safe_load(path.read_text("utf-8"))["sources"][1:] == entries


def test_a_bad_new_entry_leaves_the_file_as_it_was(tmp_path):
    (tmp_path / "a").mkdir()
    path = tmp_path / "config.yaml"
    text = "sources:\n  - {name: Local, type: folder, path: a}\n"
    path.write_text(text, "utf-8")
    with pytest.raises(DigestError, match=r"not added: .*sources\[1\]\.url: 'ftp://x' is not an"):
        add_sources(path, [{"name": "X", "type": "feed", "url": "ftp://x"}])
    assert path.read_text("utf-8") == text


def test_an_invalid_config_is_reported_and_not_touched(tmp_path):
    path = tmp_path / "config.yaml"
    text = "titel: T\nsources:\n  - {name: Local, type: folder, path: missing}\n"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError, match="did you mean 'title'"):
        add_sources(path, [FEED])
    assert path.read_text("utf-8") == text


def test_a_layout_it_cannot_extend_is_refused_with_the_line_to_add_by_hand(tmp_path):
    (tmp_path / "a").mkdir()
    path = tmp_path / "config.yaml"
    # A flow list with a trailing comma: appending ", {...}" would make it invalid YAML.
    text = "sources: [\n  {name: Local, type: folder, path: a},  # mine\n]\n"
    path.write_text(text, "utf-8")
    with pytest.raises(DigestError, match="could not add to sources: safely") as caught:
        add_sources(path, [FEED])
    assert flow(FEED) in str(caught.value)
    assert path.read_text("utf-8") == text


def test_an_alias_as_the_last_key_is_followed_correctly(tmp_path):
    (tmp_path / "a").mkdir()
    path = tmp_path / "config.yaml"
    # The alias's node, and its marks, belong to the title line; the key "name" does not.
    path.write_text("title: &t Local\nsources:\n  - type: folder\n    path: a\n    name: *t\n")
    config = add_sources(path, [FEED])
    assert [s.name for s in config.sources] == ["Local", "World news"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_the_files_permissions_are_kept(tmp_path):
    (tmp_path / "a").mkdir()
    path = tmp_path / "config.yaml"
    path.write_text("sources:\n  - {name: Local, type: folder, path: a}\n", "utf-8")
    path.chmod(0o640)
    add_sources(path, [FEED])
    assert path.stat().st_mode & 0o777 == 0o640


def test_unique_name():
    assert unique_name("  Morning\n  News ", {"Other"}) == "Morning News"
    assert unique_name("News", {"News", "News (2)"}) == "News (3)"
    assert unique_name("   ", set()) == "Feed"
