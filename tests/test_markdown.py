"""Markdown files are read by a CommonMark parser: the prose, exactly, and nothing else."""

from __future__ import annotations

import time

import pytest

from digest.errors import ExtractionError
from digest.extract import extract
from digest.markdown import paragraphs
from digest.sources.folder import read_file

POST = """# Parser release notes

The new `parse_feed` function replaces __old_parse__ and reads *every* feed_item_name field,
so snake_case_names such as max_items_per_feed survive intact.

The [changelog][log] and the [migration guide](https://example.org/guide) list what changed for teams that upgrade.

```python
def parse_feed(url):
    return fetch_all(url)  # **not** prose
```

    indented_code = "also not prose"

| option | default |
| --- | --- |
| max_items | 20 |

<div class="ad">Buy now</div>

![A chart](https://example.org/chart.png)

- Readers on older versions keep **working** without changes.

[log]: https://example.org/changelog "Changelog"
"""


def test_markdown_keeps_the_prose_exactly_and_drops_code_tables_and_html():
    found = paragraphs(POST)
    assert found == [
        "Parser release notes",
        "The new parse_feed function replaces old_parse and reads every feed_item_name field,"
        " so snake_case_names such as max_items_per_feed survive intact.",
        "The changelog and the migration guide list what changed for teams that upgrade.",
        "Readers on older versions keep working without changes.",
    ]


def test_a_markdown_file_becomes_an_article_with_snake_case_intact(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text(POST, "utf-8")
    article = extract(read_file(path, source="Local", max_bytes=10**6))
    assert article.title == "Parser release notes"
    assert "snake_case_names such as max_items_per_feed survive intact" in article.text
    assert "The changelog and the migration guide list" in article.text
    for markup in ("[log]", "](", "**", "`", "fetch_all", "example.org", "Buy now", "| "):
        assert markup not in article.text


@pytest.mark.slow
def test_pathological_emphasis_finishes(tmp_path):
    # Issue 11: 700 KB of "*a *a ..." never finished (a regex rescanned the rest of the file
    # from every "*"). The parser is linear: about 3 s of CPU here, so 60 s is a hang.
    path = tmp_path / "stars.md"
    path.write_text("Stars\n\n" + "*a " * 200_000, "utf-8")
    item = read_file(path, source="Local", max_bytes=10**7)
    started = time.process_time()
    try:
        extract(item)
    except ExtractionError:
        pass  # nothing left to summarise is a fine answer; a hang is not
    assert time.process_time() - started < 60
